// src/feat/augment.cc
#include "feat/augment.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <sstream>

#include "base/log.h"
#include "base/text-utils.h"
#include "feat/augment-ops.h"
#include "feat/feature-common.h"

namespace voxtools {

namespace {

// Parses "lo:hi" (lo <= hi) into *range; false if it is not that.
bool ParseRange(const std::string &s, std::pair<float, float> *range) {
  std::vector<std::string> parts = SplitString(s, ":", false);
  return parts.size() == 2 && ConvertToFloat(parts[0], &range->first) &&
         ConvertToFloat(parts[1], &range->second) && std::isfinite(range->first) &&
         std::isfinite(range->second) && range->first <= range->second;
}

std::pair<float, float> RangeOption(const char *name, const std::string &value) {
  std::pair<float, float> range;
  if (!ParseRange(value, &range))
    VOX_ERR << "--" << name << "=" << value << " is invalid: use lo:hi with lo <= hi";
  return range;
}

std::vector<float> ParseSpeeds(const std::string &value) {
  std::vector<float> speeds;
  for (const std::string &s : SplitString(value, ",", false)) {
    float f = 0;
    if (!ConvertToFloat(s, &f) || !(f >= 0.5f && f <= 2.0f))
      VOX_ERR << "--speeds=" << value << " is invalid: use a comma-separated list of factors "
              << "in [0.5, 2], e.g. 0.9,1.0,1.1";
    speeds.push_back(f);
  }
  return speeds;
}

// Draws from std::mt19937_64 (its sequence is fixed by the C++ standard) with our own
// conversions: the standard's distributions differ between library implementations, and
// augmentation must come out the same wherever it runs.
class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  // Uniform in [0, 1), 53 bits.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform in [0, n), n >= 1.
  int64_t Index(int64_t n) {
    int64_t i = static_cast<int64_t>(Uniform() * static_cast<double>(n));
    return i < n ? i : n - 1;
  }

 private:
  std::mt19937_64 engine_;
};

// Keeps the augmentation stream apart from the dither stream that shares DitherSeed's hash.
constexpr uint64_t kAugmentSalt = 0x61756731ULL;  // "aug1"

}  // namespace

void AugmentOptions::Register(OptionsItf *opts) {
  opts->Register("rir-scp", &rir_scp,
                 "Room impulse responses, a Kaldi wav.scp (<key> <wav or command |>); "
                 "enables reverberation");
  opts->Register("noise-scp", &noise_scp,
                 "Noise recordings (e.g. MUSAN noise: data/musan_noise/wav.scp); enables "
                 "additive noise");
  opts->Register("music-scp", &music_scp,
                 "Music recordings (MUSAN music); enables additive music");
  opts->Register("speech-scp", &speech_scp,
                 "Speech recordings (MUSAN speech); enables babble (several summed)");
  opts->Register("aug-prob", &aug_prob,
                 "Probability that an utterance gets one of the enabled augmentations "
                 "(reverb, noise, music, babble; drawn uniformly among those with a list)");
  opts->Register("noise-snr", &noise_snr, "SNR range lo:hi in dB for --noise-scp");
  opts->Register("music-snr", &music_snr, "SNR range lo:hi in dB for --music-scp");
  opts->Register("babble-snr", &babble_snr,
                 "SNR range lo:hi in dB of each babble talker against the utterance");
  opts->Register("babble-speakers", &babble_speakers,
                 "Range lo:hi (integers) of the number of talkers summed into babble");
  opts->Register("speeds", &speeds,
                 "Speed perturbation factors, one drawn uniformly per utterance (e.g. "
                 "0.9,1.0,1.1; tempo and pitch change as sox speed); empty: none");
  opts->Register("gain-db", &gain_db,
                 "Gain range lo:hi in dB applied last (e.g. -6:6); empty: none");
  opts->Register("seed", &seed,
                 "Seed; with the utterance key it fixes every random choice, so results do not "
                 "depend on order or data splitting");
}

void AugmentOptions::Validate() const {
  if (!(aug_prob >= 0 && aug_prob <= 1))
    VOX_ERR << "--aug-prob=" << aug_prob << " is invalid: use a probability in [0, 1]";
  RangeOption("noise-snr", noise_snr);
  RangeOption("music-snr", music_snr);
  RangeOption("babble-snr", babble_snr);
  std::pair<float, float> talkers = RangeOption("babble-speakers", babble_speakers);
  if (talkers.first < 1 || talkers.first != std::floor(talkers.first) ||
      talkers.second != std::floor(talkers.second) || talkers.second > 100)
    VOX_ERR << "--babble-speakers=" << babble_speakers
            << " is invalid: use integers lo:hi with 1 <= lo <= hi <= 100";
  if (!speeds.empty()) ParseSpeeds(speeds);
  if (!gain_db.empty()) {
    std::pair<float, float> g = RangeOption("gain-db", gain_db);
    if (g.first < -60 || g.second > 60)
      VOX_ERR << "--gain-db=" << gain_db << " is invalid: use a range within -60:60";
  }
}

std::string AugmentOptions::ToString() const {
  std::ostringstream os;
  os << "AugmentOptions: rir-scp='" << rir_scp << "' noise-scp='" << noise_scp
     << "' music-scp='" << music_scp << "' speech-scp='" << speech_scp
     << "' aug-prob=" << aug_prob << " noise-snr=" << noise_snr << " music-snr=" << music_snr
     << " babble-snr=" << babble_snr << " babble-speakers=" << babble_speakers << " speeds='"
     << speeds << "' gain-db='" << gain_db << "' seed=" << seed;
  return os.str();
}

const char *AugmentListName(AugmentList list) {
  switch (list) {
    case AugmentList::kRir: return "rir";
    case AugmentList::kNoise: return "noise";
    case AugmentList::kMusic: return "music";
    case AugmentList::kSpeech: return "speech";
  }
  return "?";
}

const char *AugmentTypeName(AugmentType type) {
  switch (type) {
    case AugmentType::kNone: return "none";
    case AugmentType::kReverb: return "reverb";
    case AugmentType::kNoise: return "noise";
    case AugmentType::kMusic: return "music";
    case AugmentType::kBabble: return "babble";
  }
  return "?";
}

void InMemoryAugmentSources::Add(AugmentList list, const std::string &key, float rate_hz,
                                 const Matrix<float> &audio) {
  items_[static_cast<int>(list)].push_back(Item{key, rate_hz, audio});
}

int64_t InMemoryAugmentSources::Size(AugmentList list) const {
  return static_cast<int64_t>(items_[static_cast<int>(list)].size());
}

const std::string &InMemoryAugmentSources::Key(AugmentList list, int64_t index) const {
  return items_[static_cast<int>(list)].at(index).key;
}

void InMemoryAugmentSources::Load(AugmentList list, int64_t index, Matrix<float> *audio,
                                  float *rate_hz) const {
  const Item &item = items_[static_cast<int>(list)].at(index);
  *audio = item.audio;
  *rate_hz = item.rate_hz;
}

std::string AugmentResult::ToString() const {
  std::ostringstream os;
  char buf[32];
  os << "speed=" << speed << ";type=" << AugmentTypeName(type);
  if (!sources.empty()) {
    os << ";source=";
    for (size_t i = 0; i < sources.size(); i++) os << (i ? "+" : "") << sources[i];
  }
  if (!snrs_db.empty()) {
    os << ";snr=";
    for (size_t i = 0; i < snrs_db.size(); i++) {
      std::snprintf(buf, sizeof(buf), "%.2f", snrs_db[i]);
      os << (i ? "+" : "") << buf;
    }
  }
  std::snprintf(buf, sizeof(buf), "%.2f", gain_db);
  os << ";gain=" << buf;
  return os.str();
}

Augmenter::Augmenter(const AugmentOptions &opts, const AugmentSources *sources)
    : opts_(opts), sources_(sources) {
  opts.Validate();
  VOX_ASSERT(sources != nullptr);
  noise_snr_ = RangeOption("noise-snr", opts.noise_snr);
  music_snr_ = RangeOption("music-snr", opts.music_snr);
  babble_snr_ = RangeOption("babble-snr", opts.babble_snr);
  std::pair<float, float> talkers = RangeOption("babble-speakers", opts.babble_speakers);
  babble_speakers_ = {static_cast<int32_t>(talkers.first), static_cast<int32_t>(talkers.second)};
  if (!opts.speeds.empty()) speeds_ = ParseSpeeds(opts.speeds);
  use_gain_ = !opts.gain_db.empty();
  if (use_gain_) gain_db_ = RangeOption("gain-db", opts.gain_db);
  const std::pair<AugmentList, AugmentType> kinds[] = {
      {AugmentList::kRir, AugmentType::kReverb},
      {AugmentList::kNoise, AugmentType::kNoise},
      {AugmentList::kMusic, AugmentType::kMusic},
      {AugmentList::kSpeech, AugmentType::kBabble}};
  for (const auto &kind : kinds)
    if (sources->Size(kind.first) > 0) types_.push_back(kind.second);
  if (opts.aug_prob > 0 && types_.empty())
    VOX_ERR << "--aug-prob=" << opts.aug_prob << " but no RIR, noise, music or speech list "
            << "holds anything to augment with (give --rir-scp, --noise-scp, --music-scp or "
            << "--speech-scp, or --aug-prob=0)";
}

std::vector<float> Augmenter::LoadSource(AugmentList list, int64_t index, float rate_hz) const {
  const std::string &key = sources_->Key(list, index);
  Matrix<float> audio;
  float rate = 0;
  sources_->Load(list, index, &audio, &rate);
  if (rate != rate_hz)
    VOX_ERR << AugmentListName(list) << " " << key << " is sampled at " << rate
            << " Hz but the utterance at " << rate_hz << " Hz (resample the list first, e.g. "
            << "wav-to-h5 --sample-rate=" << rate_hz << ")";
  if (audio.NumRows() == 0 || audio.NumCols() == 0)
    VOX_ERR << AugmentListName(list) << " " << key << " holds no samples";
  const float *row = audio.Row(0);
  for (int64_t i = 0; i < audio.NumCols(); i++)
    if (!std::isfinite(row[i]))
      VOX_ERR << AugmentListName(list) << " " << key << " has a non-finite sample at " << i;
  return std::vector<float>(row, row + audio.NumCols());
}

void Augmenter::Augment(const std::string &key, float rate_hz, Matrix<float> *wave,
                        AugmentResult *result) const {
  if (wave->NumRows() != 1)
    VOX_ERR << "augmentation needs mono audio, got " << wave->NumRows() << " channels";
  *result = AugmentResult();
  Random rng(DitherSeed(opts_.seed, key) ^ kAugmentSalt);
  if (!speeds_.empty()) {
    result->speed = speeds_[rng.Index(static_cast<int64_t>(speeds_.size()))];
    SpeedPerturb(result->speed, rate_hz, wave);
  }
  const int64_t n = wave->NumCols();
  float *x = wave->Row(0);
  if (!types_.empty() && rng.Uniform() < opts_.aug_prob && n > 0) {
    result->type = types_[rng.Index(static_cast<int64_t>(types_.size()))];
    AugmentList list = AugmentList::kNoise;
    std::pair<float, float> snr_range = noise_snr_;
    int32_t num_sources = 1;
    switch (result->type) {
      case AugmentType::kReverb: list = AugmentList::kRir; break;
      case AugmentType::kMusic: list = AugmentList::kMusic; snr_range = music_snr_; break;
      case AugmentType::kBabble:
        list = AugmentList::kSpeech;
        snr_range = babble_snr_;
        num_sources = babble_speakers_.first +
                      static_cast<int32_t>(rng.Index(babble_speakers_.second -
                                                     babble_speakers_.first + 1));
        break;
      default: break;
    }
    if (result->type == AugmentType::kReverb) {
      const int64_t index = rng.Index(sources_->Size(list));
      result->sources.push_back(sources_->Key(list, index));
      std::vector<float> rir = LoadSource(list, index, rate_hz);
      Reverberate(rir.data(), static_cast<int64_t>(rir.size()), x, n);
    } else {
      // Every talker's SNR is against the clean utterance, not the sum so far.
      const double power = MeanPower(x, n);
      std::vector<float> mix(n, 0.0f);
      for (int32_t s = 0; s < num_sources; s++) {
        const int64_t index = rng.Index(sources_->Size(list));
        result->sources.push_back(sources_->Key(list, index));
        std::vector<float> noise = LoadSource(list, index, rate_hz);
        const int64_t num_noise = static_cast<int64_t>(noise.size());
        const int64_t offset = num_noise > n ? rng.Index(num_noise - n + 1) : 0;
        std::vector<float> fitted = FitNoiseLength(noise.data(), num_noise, n, offset);
        const float snr = static_cast<float>(rng.Uniform(snr_range.first, snr_range.second));
        result->snrs_db.push_back(snr);
        AddScaled(fitted.data(), n, NoiseScaleForSnr(power, MeanPower(fitted.data(), n), snr),
                  mix.data());
      }
      AddScaled(mix.data(), n, 1.0, x);
    }
  }
  if (use_gain_) {
    result->gain_db = static_cast<float>(rng.Uniform(gain_db_.first, gain_db_.second));
    ApplyGainDb(result->gain_db, wave);
  }
}

}  // namespace voxtools

// src/bin/augment-wav.cc
// Writes augmented copies of utterances (noise, music, babble, reverberation, speed, gain:
// feat/augment.h), reproducibly: every choice follows from --seed and the key.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/progress.h"
#include "base/tool-main.h"
#include "feat/augment.h"
#include "feat/resample.h"
#include "io/holders.h"
#include "io/kaldi-stream.h"
#include "io/table-spec.h"
#include "io/table.h"
#include "io/wave-reader.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Augment audio for embedding training, as Kaldi's x-vector recipe and WeSpeaker do:\n"
    "speed perturbation (--speeds), then with probability --aug-prob one of reverberation\n"
    "(--rir-scp), noise (--noise-scp), music (--music-scp) or babble of 3-7 talkers\n"
    "(--speech-scp), drawn uniformly among the lists given, at an SNR drawn from the\n"
    "type's range; then gain (--gain-db). The lists are Kaldi wav.scp files (e.g. the\n"
    "data/musan_{noise,music,speech}/wav.scp of make_musan.sh) at the utterances' sample\n"
    "rate. Reverberation keeps each utterance's length and timing (aligned on the RIR's\n"
    "direct path); speed changes both (length / factor). Every choice follows from --seed\n"
    "and the utterance key, so a rerun, or a run on a split of the data, gives the same\n"
    "audio. --write-augmentation records per key what was done, e.g.\n"
    "  utt1 speed=1;type=noise;source=noise-free-sound-0001;snr=7.31;gain=0.00\n"
    "Output is 16-bit audio; an utterance whose peak exceeds the 16-bit range is scaled\n"
    "down to fit (--limit-peak). --sample-rate resamples the input (libsoxr).\n"
    "\n"
    "Usage: augment-wav [options] <wav-rspecifier> <wav-wspecifier>\n"
    "e.g.: augment-wav --noise-scp=data/musan_noise/wav.scp --music-scp=data/musan_music/wav.scp \\\n"
    "        --speech-scp=data/musan_speech/wav.scp --rir-scp=data/rirs/wav.scp --aug-prob=1 \\\n"
    "        --write-augmentation=ark,t:data/train_aug/aug.txt scp:data/train/wav.scp \\\n"
    "        ark,scp:data/train_aug/wav.ark,data/train_aug/wav.scp\n"
    "      augment-wav --speeds=0.9,1.0,1.1 --aug-prob=0 --seed=2 scp:wav.scp h5:sp.h5\n"
    "See also: wav-to-h5, compute-fbank-feats, wav-to-duration\n";

struct AugmentWavOptions {
  std::string write_augmentation;
  bool limit_peak = true;
  int64_t max_errors = 0;

  void Register(OptionsItf *opts) {
    opts->Register("write-augmentation", &write_augmentation,
                   "Wspecifier for what was done to each utterance, one token per key (e.g. "
                   "ark,t:aug.txt)");
    opts->Register("limit-peak", &limit_peak,
                   "Scale an utterance down if its peak exceeds the 16-bit range (the writer "
                   "would otherwise clip it)");
    opts->Register("max-errors", &max_errors,
                   "Fail (and write nothing) if more than this many utterances fail; 0: fail "
                   "if any");
  }
  void Validate() const {
    if (max_errors < 0) VOX_ERR << "--max-errors=" << max_errors << " must be >= 0";
  }
  std::string ToString() const {
    return "AugmentWavOptions: write-augmentation='" + write_augmentation +
           "' limit-peak=" + (limit_peak ? "true" : "false") +
           " max-errors=" + std::to_string(max_errors);
  }
};

// The four lists as wav.scp files, each entry read when it is drawn.
class ScpAugmentSources : public AugmentSources {
 public:
  explicit ScpAugmentSources(const AugmentOptions &opts) {
    const std::pair<AugmentList, const std::string *> lists[] = {
        {AugmentList::kRir, &opts.rir_scp},
        {AugmentList::kNoise, &opts.noise_scp},
        {AugmentList::kMusic, &opts.music_scp},
        {AugmentList::kSpeech, &opts.speech_scp}};
    for (const auto &list : lists) {
      if (list.second->empty()) continue;
      std::vector<ScpEntry> &entries = entries_[static_cast<int>(list.first)];
      entries = ReadScpFile(*list.second);
      if (entries.empty())
        VOX_ERR << "--" << AugmentListName(list.first) << "-scp=" << *list.second
                << " holds no entries";
    }
  }
  int64_t Size(AugmentList list) const override {
    return static_cast<int64_t>(entries_[static_cast<int>(list)].size());
  }
  const std::string &Key(AugmentList list, int64_t index) const override {
    return entries_[static_cast<int>(list)].at(index).key;
  }
  void Load(AugmentList list, int64_t index, Matrix<float> *audio,
            float *rate_hz) const override {
    const ScpEntry &entry = entries_[static_cast<int>(list)].at(index);
    try {
      Input input(entry.rxfilename);
      WaveData wave;
      wave.Read(input.Stream());
      input.Close();  // a command's exit status is known here
      *rate_hz = wave.SampFreq();
      *audio = std::move(wave.Data());
    } catch (const Error &e) {
      VOX_ERR << AugmentListName(list) << " " << entry.key << ": cannot read '"
              << entry.rxfilename << "': " << e.reason();
    }
  }

 private:
  std::array<std::vector<ScpEntry>, kNumAugmentLists> entries_;
};

// Scales *wave down so that its peak is 32767 if it is above; true if it did. Scaling keeps
// the SNR; clipping would add distortion no recipe asked for.
bool LimitPeak(Matrix<float> *wave) {
  float peak = 0;
  const float *d = wave->Data();
  for (int64_t i = 0; i < wave->NumElements(); i++) peak = std::max(peak, std::fabs(d[i]));
  if (peak <= 32767.0f) return false;
  const float scale = 32767.0f / peak;
  float *w = wave->Data();
  for (int64_t i = 0; i < wave->NumElements(); i++) w[i] *= scale;
  return true;
}

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  WaveReaderOptions wave_opts;
  AugmentOptions aug_opts;
  AugmentWavOptions opts;
  wave_opts.Register(&po);
  aug_opts.Register(&po);
  opts.Register(&po);
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  const std::string wav_rspecifier = po.GetArg(1), wav_wspecifier = po.GetArg(2);
  wave_opts.Validate();
  aug_opts.Validate();
  opts.Validate();
  VOX_VLOG(1) << wave_opts.ToString();
  VOX_VLOG(1) << aug_opts.ToString();
  VOX_VLOG(1) << opts.ToString();

  ScpAugmentSources sources(aug_opts);
  Augmenter augmenter(aug_opts, &sources);
  WaveReader reader(wav_rspecifier, wave_opts, ResampleSoxr);
  TableWriter<WaveHolder> writer(wav_wspecifier);
  TableWriter<TokenHolder> aug_writer;
  if (!opts.write_augmentation.empty()) aug_writer.Open(opts.write_augmentation);
  ProgressReporter progress("utterances", reader.NumItems());

  int64_t num_done = 0, num_errors = 0, num_limited = 0;
  std::string key, error;
  WaveData wave;
  AugmentResult result;
  while (reader.Next(&key, &wave, &error)) {
    progress.Tick();
    if (!error.empty()) {
      VOX_WARN << error;
      num_errors++;
      continue;
    }
    try {
      if (wave.Data().NumCols() == 0) VOX_ERR << "no audio samples";
      augmenter.Augment(key, wave.SampFreq(), &wave.Data(), &result);
    } catch (const Error &e) {
      VOX_WARN << "utterance " << key << ": " << e.reason();
      num_errors++;
      continue;
    }
    if (opts.limit_peak && LimitPeak(&wave.Data())) {
      VOX_VLOG(1) << key << ": scaled down to fit the 16-bit range";
      num_limited++;
    }
    writer.Write(key, wave);
    if (aug_writer.IsOpen()) aug_writer.Write(key, result.ToString());
    num_done++;
  }
  progress.Finish();
  if (num_limited > 0)
    VOX_LOG << num_limited << " utterance(s) scaled down to fit the 16-bit range";
  VOX_LOG << "Done " << num_done << ", errors " << num_errors;
  // Throwing makes the writers remove what they wrote: no partial output on failure.
  CheckItemErrors(num_done, num_errors, opts.max_errors);
  writer.Close();
  if (aug_writer.IsOpen()) aug_writer.Close();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

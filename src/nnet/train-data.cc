// src/nnet/train-data.cc
#include "nnet/train-data.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/stat.h>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/text-utils.h"
#include "feat/window.h"
#include "io/table.h"

namespace voxtools {

uint64_t MixSeed(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  auto mix = [](uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  return mix(mix(mix(mix(seed) ^ a) ^ b) ^ c);
}

LabelMap::LabelMap(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  names_ = std::move(names);
  for (size_t i = 0; i < names_.size(); i++) index_[names_[i]] = static_cast<int64_t>(i);
}

int64_t LabelMap::Index(const std::string &name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

std::map<std::string, std::string> ReadUttLabels(const std::string &path) {
  std::ifstream is(path);
  if (!is) VOX_ERR << "cannot open label file " << path;
  std::map<std::string, std::string> labels;
  std::string line;
  for (int64_t n = 1; std::getline(is, line); n++) {
    std::vector<std::string> fields = SplitString(line, " \t\r", true);
    if (fields.empty()) continue;
    if (fields.size() != 2) {
      VOX_ERR << path << " line " << n << ": expected 'utterance label', got '" << line << "'";
    }
    if (!labels.emplace(fields[0], fields[1]).second) {
      VOX_ERR << path << " line " << n << ": utterance " << fields[0] << " appears twice";
    }
  }
  return labels;
}

void SpecAugmentOptions::Register(OptionsItf *opts) {
  opts->Register("prob", &prob, "Chance that a chunk gets SpecAugment masks (0 = off)");
  opts->Register("num-time-masks", &num_time_masks, "Time masks per masked chunk");
  opts->Register("max-time-width", &max_time_width, "Widest time mask, in frames");
  opts->Register("num-freq-masks", &num_freq_masks, "Frequency masks per masked chunk");
  opts->Register("max-freq-width", &max_freq_width, "Widest frequency mask, in bins");
}

void SpecAugmentOptions::Validate() const {
  if (!(prob >= 0 && prob <= 1)) VOX_ERR << "--spec-aug.prob=" << prob << " must be in [0, 1]";
  if (num_time_masks < 0 || num_freq_masks < 0 || max_time_width < 0 || max_freq_width < 0) {
    VOX_ERR << "--spec-aug mask counts and widths must be >= 0";
  }
}

void TrainDataOptions::Register(OptionsItf *opts) {
  opts->Register("input", &input,
                 "Training input: wav (the data dir's wav.scp, fbank computed on the fly, "
                 "augmentation possible) or feats (its feats.scp)");
  opts->Register("label-file", &label_file,
                 "The data dir's file naming each utterance's class: utt2spk or utt2lang");
  opts->Register("chunk-frames", &chunk_frames, "Frames per training chunk (200 = 2 s)");
  opts->Register("batch-size", &batch_size, "Chunks per batch");
  opts->Register("chunks-per-utt", &chunks_per_utt,
                 "Random chunks drawn from each utterance per epoch");
  opts->Register("pad-short", &pad_short,
                 "Repeat utterances shorter than --chunk-frames to that length (else they "
                 "are an error)");
  opts->Register("cmn", &cmn, "Subtract each chunk's mean feature vector (WeSpeaker's CMN)");
  opts->Register("drop-last", &drop_last, "Drop an epoch's last, incomplete batch");
  opts->Register("seed", &seed, "Seed of the order, chunk starts and SpecAugment masks");
  PrefixOptions spec("spec-aug", opts);
  spec_aug.Register(&spec);
  PrefixOptions augp("aug", opts);
  aug.Register(&augp);
}

TrainInput TrainDataOptions::Input() const {
  if (input == "wav") return TrainInput::kWav;
  if (input == "feats") return TrainInput::kFeats;
  VOX_ERR << "--input=" << input << ": expected wav or feats";
  return TrainInput::kWav;
}

void TrainDataOptions::Validate() const {
  TrainInput in = Input();
  if (label_file.empty() || label_file.find('/') != std::string::npos) {
    VOX_ERR << "--label-file=" << label_file << " must name a file of the data dir (utt2spk)";
  }
  if (chunk_frames < 2) VOX_ERR << "--chunk-frames=" << chunk_frames << " must be >= 2";
  if (batch_size < 1) VOX_ERR << "--batch-size=" << batch_size << " must be >= 1";
  if (chunks_per_utt < 1) VOX_ERR << "--chunks-per-utt=" << chunks_per_utt << " must be >= 1";
  spec_aug.Validate();
  bool augments = !aug.rir_scp.empty() || !aug.noise_scp.empty() || !aug.music_scp.empty() ||
                  !aug.speech_scp.empty() || !aug.speeds.empty() || !aug.gain_db.empty();
  if (augments) {
    aug.Validate();
    if (in == TrainInput::kFeats) {
      VOX_ERR << "--aug.* augments waveforms: it needs --input=wav, not --input=feats";
    }
  }
}

std::string TrainDataOptions::ToString() const {
  std::ostringstream os;
  os << "--input=" << input << " --label-file=" << label_file << " --chunk-frames="
     << chunk_frames << " --batch-size=" << batch_size << " --chunks-per-utt=" << chunks_per_utt
     << " --pad-short=" << pad_short << " --cmn=" << cmn << " --drop-last=" << drop_last
     << " --seed=" << seed << " --spec-aug.prob=" << spec_aug.prob << " " << aug.ToString();
  return os.str();
}

namespace {

bool FileExists(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

bool AllFinite(const Matrix<float> &m) {
  const float *p = m.Data();
  for (int64_t i = 0; i < m.NumElements(); i++) {
    if (!std::isfinite(p[i])) return false;
  }
  return true;
}

void LoadAugmentList(const std::string &scp, AugmentList list, float rate,
                     const WaveResampler &resampler, InMemoryAugmentSources *sources) {
  if (scp.empty()) return;
  WaveReaderOptions ropts;
  ropts.sample_rate = rate;
  WaveReader reader("scp:" + scp, ropts, resampler);
  std::string key, error;
  WaveData wave;
  int64_t n = 0;
  while (reader.Next(&key, &wave, &error)) {
    if (!error.empty()) VOX_ERR << "augmentation list " << scp << ": " << error;
    sources->Add(list, key, wave.SampFreq(), wave.Data());
    n++;
  }
  if (n == 0) VOX_ERR << "augmentation list " << scp << " is empty";
}

// Subtracts each column's mean.
void SubtractMean(Matrix<float> *m) {
  int64_t rows = m->NumRows(), cols = m->NumCols();
  if (rows == 0) return;
  std::vector<double> mean(cols, 0.0);
  for (int64_t t = 0; t < rows; t++) {
    const float *row = m->Row(t);
    for (int64_t j = 0; j < cols; j++) mean[j] += row[j];
  }
  for (int64_t j = 0; j < cols; j++) mean[j] /= rows;
  for (int64_t t = 0; t < rows; t++) {
    float *row = m->Row(t);
    for (int64_t j = 0; j < cols; j++) row[j] -= static_cast<float>(mean[j]);
  }
}

}  // namespace

TrainDataSet::TrainDataSet(const std::string &data_dir, const TrainDataOptions &opts,
                           const FbankOptions &fbank_opts, const WaveResampler &resampler,
                           const LabelMap *labels)
    : opts_(opts), fbank_opts_(fbank_opts) {
  opts_.Validate();
  input_ = opts_.Input();
  if (input_ == TrainInput::kWav) fbank_opts_.Validate();
  struct stat st;
  if (stat(data_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    VOX_ERR << "data dir " << data_dir << " does not exist";
  }
  std::string label_path = data_dir + "/" + opts_.label_file;
  std::string list = data_dir + (input_ == TrainInput::kWav ? "/wav.scp" : "/feats.scp");
  if (!FileExists(list)) {
    VOX_ERR << "data dir " << data_dir << " has no " << list.substr(data_dir.size() + 1)
            << " (--input=" << opts_.input << ")";
  }
  if (!FileExists(label_path)) VOX_ERR << "data dir " << data_dir << " has no " << opts_.label_file;
  std::map<std::string, std::string> utt_labels = ReadUttLabels(label_path);

  const float rate = fbank_opts_.frame.samp_freq;
  std::vector<std::string> names;
  auto add = [&](const std::string &key, Matrix<float> m, float r) {
    auto it = utt_labels.find(key);
    if (it == utt_labels.end()) {
      VOX_ERR << "utterance " << key << " of " << list << " has no label in " << label_path;
    }
    if (!AllFinite(m)) VOX_ERR << "utterance " << key << " of " << list << " holds NaN or Inf";
    int64_t frames = input_ == TrainInput::kWav ? NumFrames(m.NumCols(), fbank_opts_.frame)
                                                : m.NumRows();
    if (frames < opts_.chunk_frames && !opts_.pad_short) {
      VOX_ERR << "utterance " << key << " has " << frames << " frames, fewer than --chunk-frames="
              << opts_.chunk_frames << " (shorten the chunk, remove the utterance, or "
              << "--pad-short=true to repeat it)";
    }
    if (frames < 1) VOX_ERR << "utterance " << key << " has no frames";
    keys_.push_back(key);
    names.push_back(it->second);
    data_.push_back(std::move(m));
    rates_.push_back(r);
  };
  if (input_ == TrainInput::kWav) {
    WaveReaderOptions ropts;
    ropts.sample_rate = rate;
    WaveReader reader("scp:" + list, ropts, resampler);
    std::string key, error;
    WaveData wave;
    while (reader.Next(&key, &wave, &error)) {
      if (!error.empty()) VOX_ERR << error;
      Matrix<float> mono = wave.Data().Range(0, 1, 0, wave.Data().NumCols());
      add(key, std::move(mono), wave.SampFreq());
    }
    FbankComputer computer(fbank_opts_);
    feat_dim_ = computer.Dim();
  } else {
    SequentialTableReader<FloatMatrixHolder> reader("scp:" + list);
    for (; !reader.Done(); reader.Next()) {
      const Matrix<float> &m = reader.Value();
      if (feat_dim_ == 0) feat_dim_ = m.NumCols();
      if (m.NumCols() != feat_dim_) {
        VOX_ERR << "utterance " << reader.Key() << " of " << list << " has dimension "
                << m.NumCols() << ", the first had " << feat_dim_;
      }
      add(reader.Key(), m, 0.0f);
    }
  }
  if (keys_.empty()) VOX_ERR << list << " lists no utterances";

  if (labels != nullptr) {
    labels_ = *labels;
  } else {
    labels_ = LabelMap(names);
  }
  labels_idx_.resize(keys_.size());
  for (size_t i = 0; i < keys_.size(); i++) {
    labels_idx_[i] = labels_.Index(names[i]);
    if (labels_idx_[i] < 0) {
      VOX_ERR << "utterance " << keys_[i] << " has label " << names[i]
              << ", which the training data does not have";
    }
  }

  speeds_ = {1.0f};
  if (!opts_.aug.speeds.empty()) {
    for (const std::string &s : SplitString(opts_.aug.speeds, ",", true)) {
      float f = 0;
      if (!ConvertToFloat(s, &f)) VOX_ERR << "--aug.speeds: bad factor '" << s << "'";
      if (std::find(speeds_.begin(), speeds_.end(), f) == speeds_.end()) speeds_.push_back(f);
    }
  }
  bool lists = !opts_.aug.rir_scp.empty() || !opts_.aug.noise_scp.empty() ||
               !opts_.aug.music_scp.empty() || !opts_.aug.speech_scp.empty();
  if (lists || !opts_.aug.speeds.empty() || !opts_.aug.gain_db.empty()) {
    aug_sources_ = std::make_unique<InMemoryAugmentSources>();
    LoadAugmentList(opts_.aug.rir_scp, AugmentList::kRir, rate, resampler, aug_sources_.get());
    LoadAugmentList(opts_.aug.noise_scp, AugmentList::kNoise, rate, resampler, aug_sources_.get());
    LoadAugmentList(opts_.aug.music_scp, AugmentList::kMusic, rate, resampler, aug_sources_.get());
    LoadAugmentList(opts_.aug.speech_scp, AugmentList::kSpeech, rate, resampler,
                    aug_sources_.get());
    AugmentOptions aopts = opts_.aug;
    if (!lists) aopts.aug_prob = 0.0f;  // speed or gain only
    augmenter_ = std::make_unique<Augmenter>(aopts, aug_sources_.get());
  }
}

TrainDataSet::~TrainDataSet() = default;

int64_t TrainDataSet::NumClasses() const {
  return labels_.Size() * static_cast<int64_t>(speeds_.size());
}

std::vector<std::vector<ChunkSpec>> TrainDataSet::EpochBatches(int64_t epoch) const {
  std::vector<ChunkSpec> items;
  for (int64_t r = 0; r < opts_.chunks_per_utt; r++) {
    for (int64_t u = 0; u < NumUtterances(); u++) items.push_back({u, 0});
  }
  std::mt19937_64 rng(MixSeed(opts_.seed, epoch));
  // Fisher-Yates with our own index draws: std::shuffle's use of the engine is unspecified,
  // and the order must be the same with every standard library.
  for (size_t i = items.size(); i > 1; i--) {
    size_t j = static_cast<size_t>(rng() % i);
    std::swap(items[i - 1], items[j]);
  }
  for (size_t i = 0; i < items.size(); i++) items[i].seed = MixSeed(opts_.seed, epoch, i, 1);
  std::vector<std::vector<ChunkSpec>> batches;
  for (size_t b = 0; b < items.size(); b += opts_.batch_size) {
    size_t e = std::min(items.size(), b + static_cast<size_t>(opts_.batch_size));
    if (e - b < static_cast<size_t>(opts_.batch_size) && opts_.drop_last && !batches.empty()) {
      break;
    }
    batches.emplace_back(items.begin() + b, items.begin() + e);
  }
  return batches;
}

Matrix<float> TrainDataSet::Features(int64_t utt, bool augment, uint64_t seed,
                                     int64_t *speed_index) const {
  *speed_index = 0;
  if (input_ == TrainInput::kFeats) return data_[utt];
  Matrix<float> wave = data_[utt];
  if (augment && augmenter_) {
    AugmentResult result;
    augmenter_->Augment(keys_[utt] + "@" + std::to_string(seed), rates_[utt], &wave, &result);
    for (size_t k = 0; k < speeds_.size(); k++) {
      if (std::fabs(speeds_[k] - result.speed) < 1e-4f) *speed_index = static_cast<int64_t>(k);
    }
  }
  FbankComputer computer(fbank_opts_);
  Matrix<float> feats;
  ComputeFeatures(&computer, wave.Data(), wave.NumCols(), rates_[utt], 1.0f,
                  augment ? seed : MixSeed(fbank_opts_.frame.seed, utt), &feats);
  if (feats.NumRows() == 0) VOX_ERR << "utterance " << keys_[utt] << " gives no fbank frames";
  return feats;
}

Matrix<float> TrainDataSet::UtteranceFeatures(int64_t utt) const {
  int64_t speed_index;
  Matrix<float> feats = Features(utt, false, 0, &speed_index);
  if (opts_.cmn) SubtractMean(&feats);
  return feats;
}

void TrainDataSet::MakeBatch(const std::vector<ChunkSpec> &specs, TrainBatch *batch) const {
  const int64_t batch_size = static_cast<int64_t>(specs.size());
  const int64_t frames = opts_.chunk_frames, dim = feat_dim_;
  batch->feats = Tensor(Shape({batch_size, frames, dim}));
  batch->labels.resize(batch_size);
  batch->keys.resize(batch_size);
  for (int64_t b = 0; b < batch_size; b++) {
    const ChunkSpec &spec = specs[b];
    std::mt19937_64 rng(spec.seed);
    int64_t speed_index;
    Matrix<float> feats = Features(spec.utt, true, spec.seed, &speed_index);
    // The chunk: a random window, or the utterance repeated (speed perturbation can make an
    // utterance that passed the length check shorter than the chunk).
    Matrix<float> chunk(frames, dim);
    int64_t num_rows = feats.NumRows();
    int64_t start = num_rows > frames ? static_cast<int64_t>(rng() % (num_rows - frames + 1)) : 0;
    for (int64_t t = 0; t < frames; t++) {
      const float *src = feats.Row((start + t) % num_rows);
      std::copy(src, src + dim, chunk.Row(t));
    }
    if (opts_.cmn) SubtractMean(&chunk);
    const SpecAugmentOptions &sa = opts_.spec_aug;
    if (sa.prob > 0 && (rng() >> 40) * (1.0 / (1 << 24)) < sa.prob) {
      for (int32_t i = 0; i < sa.num_time_masks && sa.max_time_width > 0; i++) {
        int64_t w = static_cast<int64_t>(rng() % (sa.max_time_width + 1));
        int64_t t0 = static_cast<int64_t>(rng() % std::max<int64_t>(1, frames - w + 1));
        for (int64_t t = t0; t < std::min(frames, t0 + w); t++) {
          std::fill(chunk.Row(t), chunk.Row(t) + dim, 0.0f);
        }
      }
      for (int32_t i = 0; i < sa.num_freq_masks && sa.max_freq_width > 0; i++) {
        int64_t w = static_cast<int64_t>(rng() % (sa.max_freq_width + 1));
        int64_t f0 = static_cast<int64_t>(rng() % std::max<int64_t>(1, dim - w + 1));
        for (int64_t t = 0; t < frames; t++) {
          for (int64_t f = f0; f < std::min(dim, f0 + w); f++) chunk(t, f) = 0.0f;
        }
      }
    }
    std::copy(chunk.Data(), chunk.Data() + frames * dim, batch->feats.Data() + b * frames * dim);
    batch->labels[b] = labels_idx_[spec.utt] + speed_index * labels_.Size();
    batch->keys[b] = keys_[spec.utt];
  }
}

BatchLoader::BatchLoader(const TrainDataSet *data, int32_t prefetch)
    : data_(data), prefetch_(std::max(1, prefetch)) {}

BatchLoader::~BatchLoader() { Stop(); }

void BatchLoader::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cond_.notify_all();
  if (thread_.joinable()) thread_.join();
  queue_.clear();
  error_ = nullptr;
  stop_ = false;
}

void BatchLoader::StartEpoch(int64_t epoch) {
  Stop();
  std::vector<std::vector<ChunkSpec>> batches = data_->EpochBatches(epoch);
  num_batches_ = static_cast<int64_t>(batches.size());
  taken_ = 0;
  thread_ = std::thread(&BatchLoader::Run, this, std::move(batches), epoch);
}

void BatchLoader::Run(std::vector<std::vector<ChunkSpec>> batches, int64_t epoch) {
  try {
    for (size_t i = 0; i < batches.size(); i++) {
      TrainBatch batch;
      data_->MakeBatch(batches[i], &batch);
      batch.epoch = epoch;
      batch.index = static_cast<int64_t>(i);
      std::unique_lock<std::mutex> lock(mutex_);
      cond_.wait(lock, [&] { return stop_ || queue_.size() < static_cast<size_t>(prefetch_); });
      if (stop_) return;
      queue_.push_back(std::move(batch));
      cond_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
    cond_.notify_all();
  }
}

bool BatchLoader::Next(TrainBatch *batch) {
  if (taken_ >= num_batches_) return false;
  std::unique_lock<std::mutex> lock(mutex_);
  cond_.wait(lock, [&] { return !queue_.empty() || error_ != nullptr; });
  if (queue_.empty() && error_ != nullptr) std::rethrow_exception(error_);
  *batch = std::move(queue_.front());
  queue_.pop_front();
  taken_++;
  cond_.notify_all();
  return true;
}

}  // namespace voxtools

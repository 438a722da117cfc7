// src/nnet/train-data.h
// Training data for embedding networks, as WeSpeaker's data pipeline prepares it: a Kaldi data
// directory read once, then per epoch a shuffled list of fixed-length random chunks, each
// optionally augmented (feat/augment.h: noise, reverb, speed), turned into log-mel filterbanks
// on the fly (or cut from precomputed features), mean-normalised over the chunk (CMN) and
// optionally SpecAugment-masked (Park et al., Interspeech 2019), grouped into batches.
//
//   TrainDataOptions opts;          // --input=wav|feats, --chunk-frames, --batch-size, ...
//   TrainDataSet data("data/train", opts, fbank_opts, resampler);  // reads and checks it all
//   BatchLoader loader(&data, /*prefetch=*/2);
//   loader.StartEpoch(epoch);                      // epochs count from 1
//   TrainBatch batch;
//   while (loader.Next(&batch)) { ... batch.feats (B, T, D), batch.labels ... }
//
// Reproducibility: everything random about an item (its chunk start, augmentation, masks)
// is drawn from a stream seeded by (--seed, epoch, position in the epoch), and the epoch's
// order from (--seed, epoch), so an epoch's batches do not depend on what ran before it, on
// the reader thread's timing, or on whether the run was resumed from a checkpoint.
//
// Labels: utt2spk (or utt2lang, --label-file) names each utterance's class; classes are
// numbered in sorted order of their names (LabelMap). With speed perturbation (--aug.speeds),
// each speed other than 1 makes new classes, as WeSpeaker does (speaker x speed): class
// c at the k-th non-1 speed of the list is c + k * NumBaseClasses().
//
// Memory: the whole set is held in memory (waveforms as float, or features), which suits
// the corpora a single machine trains on in a recipe like egs/mini; sharded reading for
// VoxCeleb-sized sets is TODO(#7).
#ifndef VOXTOOLS_NNET_TRAIN_DATA_H_
#define VOXTOOLS_NNET_TRAIN_DATA_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/options-itf.h"
#include "feat/augment.h"
#include "feat/fbank.h"
#include "io/wave-reader.h"
#include "matrix/matrix.h"
#include "matrix/tensor.h"

namespace voxtools {

// Class names <-> indices 0..N-1, in sorted order of the names.
class LabelMap {
 public:
  LabelMap() = default;
  explicit LabelMap(std::vector<std::string> names);  // sorts and deduplicates
  int64_t Size() const { return static_cast<int64_t>(names_.size()); }
  const std::string &Name(int64_t index) const { return names_.at(index); }
  // -1 if absent.
  int64_t Index(const std::string &name) const;
  const std::vector<std::string> &Names() const { return names_; }

 private:
  std::vector<std::string> names_;
  std::map<std::string, int64_t> index_;
};

// Reads "utt label" lines (utt2spk, utt2lang). Throws Error naming the file and line for a
// malformed line or a repeated utterance.
std::map<std::string, std::string> ReadUttLabels(const std::string &path);

enum class TrainInput { kWav, kFeats };

struct SpecAugmentOptions {
  float prob = 0.0f;        // chance that a chunk is masked (WeSpeaker: 0.6 when enabled)
  int32_t num_time_masks = 1;
  int32_t max_time_width = 10;  // frames
  int32_t num_freq_masks = 1;
  int32_t max_freq_width = 8;   // bins

  void Register(OptionsItf *opts);
  void Validate() const;
};

struct TrainDataOptions {
  std::string input = "wav";        // wav: wav.scp + on-the-fly fbank; feats: feats.scp
  std::string label_file = "utt2spk";  // in the data dir: utt2spk or utt2lang
  int32_t chunk_frames = 200;       // frames per training chunk (2 s at 10 ms, WeSpeaker)
  int32_t batch_size = 32;
  int32_t chunks_per_utt = 1;       // chunks drawn from each utterance per epoch
  bool pad_short = false;           // repeat short utterances to the chunk length (WeSpeaker)
  bool cmn = true;                  // subtract the chunk's mean of each feature dimension
  bool drop_last = true;            // drop the last incomplete batch (batch-norm statistics)
  int32_t seed = 777;               // order, chunk starts, masks; --aug.seed for augmentation
  SpecAugmentOptions spec_aug;      // --spec-aug.*
  AugmentOptions aug;               // --aug.*: waveform augmentation (wav input only)

  // The options with the fbank's and the wave reader's (registered by the tool).
  void Register(OptionsItf *opts);
  // Throws Error naming the option; augmentation or speed with --input=feats is an Error.
  void Validate() const;
  std::string ToString() const;
  TrainInput Input() const;
};

// One chunk to make: which utterance, and the seed of its random stream.
struct ChunkSpec {
  int64_t utt = 0;
  uint64_t seed = 0;
};

struct TrainBatch {
  Tensor feats;                    // (B, chunk_frames, feat_dim)
  std::vector<int64_t> labels;     // (B), with speed classes
  std::vector<std::string> keys;   // utterance of each row
  int64_t epoch = 0, index = 0;    // the batch's position (index from 0 within the epoch)
};

class TrainDataSet {
 public:
  // Reads <data_dir>/wav.scp (or feats.scp) and the label file. Throws Error naming the file
  // and key for: a missing or empty directory or list, an utterance without a label, audio
  // or features that cannot be read or hold NaN/Inf, audio at another rate than the fbank's
  // --sample-frequency (with no resampler), an utterance shorter than --chunk-frames
  // (unless --pad-short), or a label not in `labels` when one is given (validation sets
  // use the training set's map). Augmentation lists are read here too.
  TrainDataSet(const std::string &data_dir, const TrainDataOptions &opts,
               const FbankOptions &fbank_opts, const WaveResampler &resampler,
               const LabelMap *labels = nullptr);
  ~TrainDataSet();

  int64_t NumUtterances() const { return static_cast<int64_t>(keys_.size()); }
  const std::string &Key(int64_t utt) const { return keys_[utt]; }
  const LabelMap &Labels() const { return labels_; }
  int64_t NumBaseClasses() const { return labels_.Size(); }
  // NumBaseClasses() times the number of distinct speeds (1 without speed perturbation).
  int64_t NumClasses() const;
  int64_t FeatDim() const { return feat_dim_; }
  const TrainDataOptions &Options() const { return opts_; }

  // The epoch's chunks in training order, cut into batches (the last one is dropped when
  // incomplete and --drop-last). Depends on (--seed, epoch) only.
  std::vector<std::vector<ChunkSpec>> EpochBatches(int64_t epoch) const;
  // Makes the batch: augmentation, fbank, chunk, CMN, SpecAugment. Const and thread-safe
  // (fbank state is local), so a reader thread can run it while the trainer computes.
  void MakeBatch(const std::vector<ChunkSpec> &specs, TrainBatch *batch) const;
  // The whole utterance's features, as evaluation sees them: no augmentation or masks,
  // CMN over the utterance when --cmn.
  Matrix<float> UtteranceFeatures(int64_t utt) const;
  // Base-class label of an utterance.
  int64_t Label(int64_t utt) const { return labels_idx_[utt]; }

 private:
  // Features of one utterance, augmented from `seed` when augment is true.
  Matrix<float> Features(int64_t utt, bool augment, uint64_t seed, int64_t *speed_index) const;

  TrainDataOptions opts_;
  FbankOptions fbank_opts_;
  TrainInput input_;
  std::vector<std::string> keys_;
  std::vector<int64_t> labels_idx_;
  std::vector<Matrix<float>> data_;  // waveforms (1 x samples) or features (T x D)
  std::vector<float> rates_;
  LabelMap labels_;
  int64_t feat_dim_ = 0;
  std::vector<float> speeds_;  // the distinct speed factors, 1 first
  std::unique_ptr<InMemoryAugmentSources> aug_sources_;
  std::unique_ptr<Augmenter> augmenter_;
};

// Makes an epoch's batches on a background thread, `prefetch` batches ahead, so data
// preparation overlaps the trainer's compute. An Error on the thread is rethrown by Next().
class BatchLoader {
 public:
  BatchLoader(const TrainDataSet *data, int32_t prefetch = 2);
  ~BatchLoader();
  BatchLoader(const BatchLoader &) = delete;
  BatchLoader &operator=(const BatchLoader &) = delete;

  // Starts making the batches of `epoch` (stopping any epoch still in progress).
  void StartEpoch(int64_t epoch);
  int64_t NumBatches() const { return num_batches_; }
  // The next batch in order; false at the end of the epoch.
  bool Next(TrainBatch *batch);

 private:
  void Stop();
  void Run(std::vector<std::vector<ChunkSpec>> batches, int64_t epoch);

  const TrainDataSet *data_;
  int32_t prefetch_;
  int64_t num_batches_ = 0, taken_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<TrainBatch> queue_;
  bool stop_ = false;
  std::exception_ptr error_;
};

// A stream seed from a base seed and up to three indices (splitmix64 mixing), so draws for
// (seed, epoch, item) are independent of each other and of the order they are made in.
uint64_t MixSeed(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_TRAIN_DATA_H_

// src/nnet/ssl-feature-extractor.h
// What the feature tools (compute-ssl-feats) ask of an SslModel: which outputs, as the user
// names them, assembled into matrices per utterance; utterances batched by length, and long
// recordings cut into overlapping windows whose frames are merged back onto the utterance.
#ifndef VOXTOOLS_NNET_SSL_FEATURE_EXTRACTOR_H_
#define VOXTOOLS_NNET_SSL_FEATURE_EXTRACTOR_H_

#include <functional>
#include <string>
#include <vector>

#include "base/options-itf.h"
#include "matrix/matrix.h"
#include "nnet/ssl-model.h"

namespace voxtools {

// Which outputs a feature tool writes per utterance, as the user names them.
//   --layer=X     one output: N (0..L, the official/s3prl numbering above), cnn, proj, final;
//   --layers=LIST several, comma-separated ("4,8,12", "cnn,proj,0,12"), "all" (0..L) or
//                 "s3prl" (0..L-1 and final: s3prl's hidden states, which hook each layer's
//                 input and the encoder's output; final = L for post-norm models),
//                 combined by one of
//     --layers-layout=concat  side by side, one (T, sum of dims) matrix, in the order given;
//     --layers-layout=keys    one (T, dim) matrix per output, under "<utt>-<name>"
//                             (OutputNames(): L<n>, cnn, proj, final);
//     --layers-layout=stack   one (L, T, D) array per utterance (an h5 dataset; tool side);
//     --mean                  their mean, one (T, D) matrix (all dims equal);
//     --layer-weights=W       their weighted sum, one (T, D) matrix: W is a comma list or a
//                             file, one weight per output in --layers order; softmax-normalised
//                             first by default (s3prl's learned featurizer weights are logits),
//                             optionally each output layer-normalised first (s3prl's
//                             Featurizer normalize=True).
// Windowed mode (--window-secs, --window-shift): see SslWindowPlan below.
struct SslFeatureOptions {
  std::string layer = "final";
  std::string layers;
  std::string layers_layout = "concat";
  bool mean = false;
  std::string layer_weights;
  bool layer_weights_softmax = true;
  bool layer_weights_norm = false;
  int64_t attention_block = 0;
  double window_secs = 0.0;
  double window_shift = 0.0;

  void Register(OptionsItf *opts);
  // Syntax only (the range of N and the frame counts need the model: SslFeatureExtractor
  // checks them). Throws Error naming the option.
  void Validate() const;
  std::string ToString() const;
};

// How utterances (or windows) share forward passes. Batching never changes the results: it
// uses the exact batched SslModel::Forward (per-utterance lengths).
struct SslBatchOptions {
  int32_t batch_size = 1;
  double max_batch_secs = 120.0;

  void Register(OptionsItf *opts);
  void Validate() const;
  std::string ToString() const;
};

// One piece of audio the model runs on: samples [start, start + length) of utterance `utt`.
// Its frames j in [keep_begin, keep_end) are the utterance's frames start / stride + j
// (start is a multiple of the total stride, so the conv grids coincide exactly).
struct SslChunk {
  int64_t utt = 0;
  int64_t start = 0, length = 0;
  int64_t keep_begin = 0, keep_end = 0;
};

// Windows of one utterance of num_samples samples (T = config.NumFrames(num_samples) >= 1
// frames), each window_frames frames long (window_frames * stride + receptive field - stride
// samples), starting every shift_frames frames (1 <= shift_frames <= window_frames); the last
// window is moved back to end at frame T, so every window is full length. Each frame is
// taken from the window whose centre is nearest, i.e. in which it is farthest from a window
// edge (ties: the earlier window). window_frames 0 (off) or >= T: one chunk, the whole
// utterance. The kept ranges tile 0..T exactly once.
std::vector<SslChunk> SslWindowPlan(const SslConfig &config, int64_t utt, int64_t num_samples,
                                    int64_t window_frames, int64_t shift_frames);

// Groups chunks of these lengths (samples) into batches: sorted longest first (ties in input
// order), each batch consecutive in that order, with at most max_per_batch chunks and at most
// max_samples padded samples (count x longest), except that a chunk longer than max_samples
// runs alone. max_samples <= 0: no cap. Returns indices into `lengths`.
std::vector<std::vector<int64_t>> SslBatchPlan(const std::vector<int64_t> &lengths,
                                               int64_t max_per_batch, int64_t max_samples);

class SslFeatureExtractor {
 public:
  // Throws Error naming the option if a layer is out of range, dims do not match what the
  // layout or reduction needs, the weights do not match the layers, or the window is shorter
  // than one frame.
  SslFeatureExtractor(const SslModel &model, const SslFeatureOptions &opts);
  // Columns of each output matrix.
  int64_t Dim() const { return dim_; }
  // Matrices per utterance: the number of selected outputs for --layers-layout=keys/stack,
  // else 1.
  int64_t NumOutputs() const { return static_cast<int64_t>(output_names_.size()); }
  // Per output, for keys: "L4", "cnn", "proj", "final" (for one output: the same, unused).
  const std::vector<std::string> &OutputNames() const { return output_names_; }
  // Window and shift in frames (0 when windowing is off).
  int64_t WindowFrames() const { return window_frames_; }
  int64_t ShiftFrames() const { return shift_frames_; }

  // Throws Error if n samples cannot make one frame or hold NaN/Inf (names no key).
  void CheckInput(const float *samples, int64_t n) const;

  // Features of several utterances: waves[u] on the [-1, 1] scale at config().sample_rate,
  // each accepted by CheckInput. Normalises each utterance over its own samples when the
  // model says so, cuts windows (SslWindowPlan), runs them in batches (SslBatchPlan), and
  // assembles (*feats)[u]: NumOutputs() matrices of (T_u, Dim()). A failed forward is retried
  // one chunk at a time; an utterance whose chunk still fails gets the reason in (*errors)[u]
  // (empty on success) and no features. on_chunks, if given, is called after each batch with
  // the number of chunks (utterances or windows) it held: progress on long recordings.
  void Compute(const std::vector<std::vector<float>> &waves, const SslBatchOptions &batch,
               std::vector<std::vector<Matrix<float>>> *feats, std::vector<std::string> *errors,
               const std::function<void(int64_t)> &on_chunks = nullptr) const;
  // One utterance, one output (NumOutputs() == 1), no batching: (T, Dim()). Throws Error.
  void Compute(const float *samples, int64_t n, Matrix<float> *feats) const;

 private:
  enum class Kind { kCnn, kProj, kLayer, kFinal };
  struct Item {
    Kind kind;
    int64_t index;  // into SslOutputs::layers for kLayer
    int64_t dim;
  };
  enum class Combine { kConcat, kSeparate, kWeighted };
  // Runs the chunks (of the same group) in one forward and copies each one's kept frames
  // into its utterance's outputs. Throws Error.
  void RunBatch(const std::vector<const float *> &waves, const std::vector<SslChunk> &chunks,
                std::vector<std::vector<Matrix<float>>> *feats) const;
  // Frame f of batch row b of `out` assembled into the NumOutputs() rows dst[o].
  void AssembleFrame(const SslOutputs &out, int64_t b, int64_t f, float *const *dst) const;

  const SslModel &model_;
  SslFeatureOptions opts_;
  std::vector<Item> items_;
  SslOutputRequest request_;
  Combine combine_ = Combine::kConcat;
  std::vector<float> weights_;  // kWeighted: final weights (after softmax), one per item
  std::vector<std::string> output_names_;
  int64_t dim_ = 0;
  int64_t window_frames_ = 0, shift_frames_ = 0;
};

// The weights of --layer-weights: a comma list of numbers, or else a file of numbers (any
// whitespace between them). Throws Error naming the value or the file.
std::vector<float> ReadSslLayerWeights(const std::string &value);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_SSL_FEATURE_EXTRACTOR_H_

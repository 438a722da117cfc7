// src/nnet/ssl-feature-encoder.h
// The front of the wav2vec 2.0 family (Baevski et al. 2020, section 2; fairseq's
// ConvFeatureExtractionModel, torchaudio's FeatureExtractor): a stack of strided 1-D
// convolutions from the raw waveform to frames, then the feature projection (LayerNorm over
// the conv channels and a Linear to the transformer's width).
//
// Each conv block is Conv1d (no padding) -> norm -> exact GELU. Blocks pass time-first frames
// (B, T, C), the layout the transformer takes, so that the wide convolutions need no patch
// matrix (Conv1dTimeFirst). A group-norm block normalises the time-first columns itself in
// inference; with gradients it runs channels first (the GroupNorm op's layout) and transposes
// its output. The norm depends on the mode:
//   group_norm: only block 0 has one, a GroupNorm with one group per channel, so each channel
//               is normalised over time: with the statistics of the whole (padded) input row
//               as the official code does, or, given per-row lengths, of the row's own valid
//               frames only (so that a batch gives each utterance's single-input result);
//   layer_norm: every block has a LayerNorm over channels, per frame.
// A conv output frame depends only on input frames at or before its receptive field's end, so
// with per-row lengths the valid frames of each block are the first (len - kernel) / stride + 1
// and never see padding; only the group norm's statistics need the lengths.
// In inference (no gradient recorded) a long input runs through the stack in pieces of
// output frames (ForwardInPieces): the conv stack's intermediate outputs are ~160k floats per
// 20 ms frame (1.9 GB per minute of audio for Base models), while a piece needs its own
// samples only, since frame t sees samples [t * hop, t * hop + receptive field). Block 0's
// GroupNorm statistics come first, from a pass over the whole input that keeps only the
// per-channel sums. The result equals the whole computation (float rounding aside).
// Parameter paths (Hugging Face's module names):
//   feature_extractor/conv_layers/<i>/conv/{weight,bias}
//   feature_extractor/conv_layers/<i>/layer_norm/{weight,bias}
//   feature_projection/layer_norm/{weight,bias}, feature_projection/projection/{weight,bias}
#ifndef VOXTOOLS_NNET_SSL_FEATURE_ENCODER_H_
#define VOXTOOLS_NNET_SSL_FEATURE_ENCODER_H_

#include <memory>
#include <string>
#include <vector>

#include "nnet/layers.h"
#include "nnet/linear.h"
#include "nnet/module.h"
#include "nnet/ssl-config.h"

namespace voxtools {

class SslConvBlock : public Module {
 public:
  // norm: none, GroupNorm(C groups), or LayerNorm(C).
  enum class Norm { kNone, kGroup, kLayer };
  SslConvBlock(int64_t in_dim, const SslConvLayer &layer, bool bias, Norm norm, float eps,
               RandomGenerator *rng);
  std::string TypeName() const override { return "SslConvBlock"; }
  std::string Describe() const override;
  // x (B, L, Cin) -> (B, Lout, Cout), Lout = (L - kernel) / stride + 1. lengths: empty (every
  // row fully valid), or the valid input positions of each row (B values, each <= L); then the
  // group norm uses each row's valid output frames only and *lengths becomes the output's
  // valid lengths. Frames past a row's valid length hold unspecified values.
  Var Forward(const Var &x, std::vector<int64_t> *lengths = nullptr) const;

  // Inference pieces of a group-norm block on time-first frames (SslFeatureEncoder and
  // Forward without gradients): the conv alone, x (B, L, Cin) -> (B, Lout, Cout); the group
  // norm's per-channel mean and 1/sqrt(var + eps) over the first `frames` frames of one row
  // y (T, C), from its sums (in double) or from the row; and the rest of the block in place
  // on a row's frames: y <- GELU(GroupNorm(y)) with those statistics.
  bool HasGroupNorm() const { return group_norm_ != nullptr; }
  Var Conv(const Var &x) const { return conv_->ForwardTimeFirst(x); }
  void FinishStatistics(const std::vector<double> &sum, const std::vector<double> &sum_sq,
                        int64_t frames, std::vector<float> *mean,
                        std::vector<float> *inv_std) const;
  void GroupNormStatistics(const float *y, int64_t frames, int64_t channels,
                           std::vector<float> *mean, std::vector<float> *inv_std) const;
  void NormAndGelu(float *y, int64_t frames, const std::vector<float> &mean,
                   const std::vector<float> &inv_std) const;

 private:
  Norm norm_;
  int64_t kernel_, stride_;
  float eps_;
  std::shared_ptr<Conv1dLayer> conv_;
  std::shared_ptr<GroupNormLayer> group_norm_;
  std::shared_ptr<LayerNormLayer> layer_norm_;
};

// "feature_extractor": the conv stack.
class SslFeatureEncoder : public Module {
 public:
  explicit SslFeatureEncoder(const SslConfig &config, RandomGenerator *rng = nullptr);
  std::string TypeName() const override { return "SslFeatureEncoder"; }
  // wave (B, N) samples in [-1, 1] (or normalised) -> (B, T, C_conv), T = config.NumFrames(N).
  // Throws Error if N is shorter than the receptive field.
  // piece_frames: output frames per piece in inference (see above); 0 = 250, < 0 = never.
  Var Forward(const Var &wave, int64_t piece_frames = -1) const;
  // Rows of different lengths: row b holds lengths[b] <= N valid samples (B values, each at
  // least the receptive field). Row b's frames t < config.NumFrames(lengths[b]) equal those
  // of Forward on its valid samples alone; later frames hold unspecified values.
  Var Forward(const Var &wave, const std::vector<int64_t> &lengths,
              int64_t piece_frames = -1) const;

 private:
  // The inference path: rows one at a time, row b over its first lengths[b] samples (all N
  // if lengths is empty); frames past a row's own are 0.
  Var ForwardInPieces(const Var &wave, const std::vector<int64_t> &lengths,
                      int64_t piece_frames) const;
  static int64_t PieceFrames(int64_t requested) { return requested == 0 ? 250 : requested; }
  SslConfig config_;
  std::shared_ptr<ModuleList> conv_layers_;
};

// "feature_projection": LayerNorm(C_conv) then Linear(C_conv -> E).
class SslFeatureProjection : public Module {
 public:
  SslFeatureProjection(const SslConfig &config, RandomGenerator *rng = nullptr);
  std::string TypeName() const override { return "SslFeatureProjection"; }
  // x (B, T, C_conv) -> (B, T, E).
  Var Forward(const Var &x) const;

 private:
  std::shared_ptr<LayerNormLayer> layer_norm_;
  std::shared_ptr<Linear> projection_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_SSL_FEATURE_ENCODER_H_

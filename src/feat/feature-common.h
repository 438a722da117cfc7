// src/feat/feature-common.h
// What fbank and MFCC share: the per-frame computer interface and the loop that frames a
// waveform (after Kaldi's resampling when the rates differ and the user allowed it) and
// fills one feature row per frame. Kaldi's OfflineFeatureTpl, as a plain base class.
#ifndef VOXTOOLS_FEAT_FEATURE_COMMON_H_
#define VOXTOOLS_FEAT_FEATURE_COMMON_H_

#include <cstdint>
#include <string>

#include "feat/window.h"
#include "matrix/matrix.h"

namespace voxtools {

// One feature type computed frame by frame. An object owns its workspaces (no allocation per
// frame) and so serves one thread.
class FrameComputer {
 public:
  explicit FrameComputer(const FrameOptions &opts) : extractor_(opts) {}
  virtual ~FrameComputer() = default;
  virtual int32_t Dim() const = 0;
  const FrameOptions &GetFrameOptions() const { return extractor_.Options(); }
  // The framing with its window function, made once per option set.
  const FrameExtractor &Extractor() const { return extractor_; }
  // True if ComputeFrame needs the log energy of the frame before pre-emphasis and window.
  virtual bool NeedRawLogEnergy() const = 0;
  // PaddedWindowSize() floats where the framing writes the windowed frame.
  virtual float *FrameBuffer() = 0;
  // Turns the windowed frame in FrameBuffer() into feature[0..Dim()). May overwrite the
  // buffer.
  virtual void ComputeFrame(float raw_log_energy, float vtln_warp, float *feature) = 0;

 private:
  FrameExtractor extractor_;
};

// Computes features of wave[0..num_samples) sampled at samp_freq Hz into *out
// (NumFrames x Dim; 0 x 0 if the wave is shorter than one frame with --snip-edges).
// If samp_freq differs from the options' --sample-frequency, the wave is resampled with
// Kaldi's LinearResample when --allow-upsample / --allow-downsample permit it, and an Error
// is thrown otherwise. dither_seed seeds the dither noise (see DitherSeed).
void ComputeFeatures(FrameComputer *computer, const float *wave, int64_t num_samples,
                     float samp_freq, float vtln_warp, uint64_t dither_seed,
                     Matrix<float> *out);

// A per-utterance dither seed from the user's --seed and the utterance key (FNV-1a), so that
// the noise does not depend on the order in which utterances come or how the data is split.
uint64_t DitherSeed(int32_t seed, const std::string &key);

}  // namespace voxtools

#endif  // VOXTOOLS_FEAT_FEATURE_COMMON_H_

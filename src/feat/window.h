// src/feat/window.h
// Framing and windowing of a waveform, exactly as Kaldi's feature-window.{h,cc} defines them
// (the facts of the algorithm: frame count, frame placement, reflection at the edges, the
// order dither -> DC removal -> raw energy -> pre-emphasis -> window). Matching Kaldi here
// is what makes our features equal to Kaldi's and torchaudio.compliance.kaldi's.
#ifndef VOXTOOLS_FEAT_WINDOW_H_
#define VOXTOOLS_FEAT_WINDOW_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "base/options-itf.h"

namespace voxtools {

enum class WindowType { kHamming, kHanning, kPovey, kRectangular, kBlackman, kSine };

// Kaldi's FrameExtractionOptions, same option names and defaults.
struct FrameOptions {
  float samp_freq = 16000.0f;
  float frame_shift_ms = 10.0f;
  float frame_length_ms = 25.0f;
  float dither = 1.0f;  // Kaldi's default; recipes that compare numbers use --dither=0
  float preemph_coeff = 0.97f;
  bool remove_dc_offset = true;
  std::string window_type = "povey";
  bool round_to_power_of_two = true;
  float blackman_coeff = 0.42f;
  bool snip_edges = true;
  bool allow_downsample = false;
  bool allow_upsample = false;
  int32_t seed = 0;  // dither seed (not in Kaldi, whose dither is not reproducible)

  void Register(OptionsItf *opts);
  // Throws Error naming the option, its value and the allowed range.
  void Validate() const;
  std::string ToString() const;

  // The window type as an enum; Validate() guarantees it parses.
  WindowType Type() const;
  // Samples per shift / per frame, and the FFT size (the frame length rounded up to a power
  // of two when round_to_power_of_two).
  int32_t WindowShift() const { return static_cast<int32_t>(samp_freq * 0.001f * frame_shift_ms); }
  int32_t WindowSize() const { return static_cast<int32_t>(samp_freq * 0.001f * frame_length_ms); }
  int32_t PaddedWindowSize() const;
};

// Number of frames for `num_samples` samples. With snip_edges: frames that fit entirely,
// 1 + (n - size) / shift (0 if n < size). Without: round(n / shift), the frames centred on
// multiples of the shift, with the edges reflected.
int64_t NumFrames(int64_t num_samples, const FrameOptions &opts);

// Index of the first sample of frame t (negative without snip_edges, for the first frames).
int64_t FirstSampleOfFrame(int64_t t, const FrameOptions &opts);

// The window function, length WindowSize(), computed in double as Kaldi does.
std::vector<float> MakeWindowFunction(const FrameOptions &opts);

// Cuts frames out of a waveform and prepares them for the FFT. Holds the window function and
// nothing per frame, so one extractor serves a whole run (one per thread).
class FrameExtractor {
 public:
  explicit FrameExtractor(const FrameOptions &opts);

  // Writes frame t of wave[0..num_samples) into out[0..PaddedWindowSize()): samples
  // (reflected at the edges when !snip_edges), dither (from *rng, if dither != 0), DC
  // removal, then pre-emphasis and the window; zeros pad to the FFT size. If raw_log_energy
  // is not null it receives log(max(sum x^2, FLT_EPSILON)) taken after DC removal and before
  // pre-emphasis (Kaldi's --raw-energy).
  void Extract(const float *wave, int64_t num_samples, int64_t t, std::mt19937 *rng,
               float *out, float *raw_log_energy) const;

  const FrameOptions &Options() const { return opts_; }

 private:
  FrameOptions opts_;
  std::vector<float> window_;
  int32_t frame_length_, padded_length_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_FEAT_WINDOW_H_

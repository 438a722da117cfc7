// src/feat/mel-banks.h
// Triangular mel filter banks as Kaldi defines them (mel-computations.{h,cc}): mel(f) =
// 1127 ln(1 + f / 700), num_bins triangles equally spaced on the mel axis between low-freq
// and high-freq, evaluated at the FFT bin frequencies k * fs / N for k < N/2 (the Nyquist
// bin is never used), optionally warped by VTLN's piecewise-linear function.
#ifndef VOXTOOLS_FEAT_MEL_BANKS_H_
#define VOXTOOLS_FEAT_MEL_BANKS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/options-itf.h"
#include "feat/window.h"

namespace voxtools {

struct MelBanksOptions {
  int32_t num_bins = 25;  // each feature type sets its own default (fbank 23, MFCC 23)
  float low_freq = 20.0f;
  float high_freq = 0.0f;  // <= 0: offset from the Nyquist frequency
  float vtln_low = 100.0f;
  float vtln_high = -500.0f;  // < 0: offset from the Nyquist frequency

  explicit MelBanksOptions(int32_t bins = 25) : num_bins(bins) {}
  void Register(OptionsItf *opts);
  // Checks the frequencies against the sample rate (the Nyquist frequency).
  void Validate(float samp_freq) const;
  std::string ToString() const;
};

float MelScale(float freq);
float InverseMelScale(float mel);

// VTLN's piecewise-linear warp of a frequency (Kaldi's VtlnWarpFreq): linear with slope
// 1/warp between the cut-offs, and lines to (low_freq, low_freq) and (high_freq, high_freq)
// outside them, so the band edges stay fixed.
float VtlnWarpFreq(float vtln_low_cutoff, float vtln_high_cutoff, float low_freq,
                   float high_freq, float vtln_warp_factor, float freq);

class MelBanks {
 public:
  // Throws Error if the frequencies are out of range for frame_opts.samp_freq.
  MelBanks(const MelBanksOptions &opts, const FrameOptions &frame_opts, float vtln_warp);

  int32_t NumBins() const { return static_cast<int32_t>(offsets_.size()); }
  // out[b] = sum_k weight_b[k] * power[k], power holding at least N/2 floats.
  void Compute(const float *power, float *out) const;
  // The filter b as (first FFT bin, weights), for tests.
  int32_t Offset(int32_t b) const { return offsets_[b]; }
  const std::vector<float> &Weights(int32_t b) const { return weights_[b]; }
  float CenterFreq(int32_t b) const { return center_freqs_[b]; }

 private:
  std::vector<int32_t> offsets_;
  std::vector<std::vector<float>> weights_;
  std::vector<float> center_freqs_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_FEAT_MEL_BANKS_H_

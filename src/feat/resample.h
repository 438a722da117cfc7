// src/feat/resample.h
// Two resamplers, for two jobs:
//
// - Kaldi's LinearResample (windowed sinc, Hann window, 6 zeros, cut-off 0.99 * the lower
//   Nyquist frequency), behind compute-fbank-feats' --allow-upsample/--allow-downsample, so
//   that our features of resampled audio equal Kaldi's. Its stop band is only about -40 dB.
//
// - libsoxr (Debian's libsoxr, the SoX resampler) at its "very high quality" setting, for
//   the general --sample-rate path of every tool that reads audio: a linear-phase filter
//   whose stop band is below -150 dB and pass band flat to 0.01 dB up to ~0.91 of the lower
//   Nyquist frequency (tests/unit/feat/resample-test.cc measures -80 dB / 0.1 dB).
#ifndef VOXTOOLS_FEAT_RESAMPLE_H_
#define VOXTOOLS_FEAT_RESAMPLE_H_

#include <cstdint>
#include <vector>

#include "matrix/matrix.h"

namespace voxtools {

// Kaldi's LinearResample of a whole signal (flush at the end): output sample j at time
// j / rate_out is sum_i x_i h(i / rate_in - j / rate_out) / rate_in, with
// h(t) = 2 fc sinc(2 fc t) * (0.5 + 0.5 cos(2 pi fc t / num_zeros)) for |t| < num_zeros/(2 fc).
// Rates must be integers in Hz (Kaldi's unit of repetition is their gcd).
class LinearResampler {
 public:
  LinearResampler(int32_t rate_in, int32_t rate_out, double filter_cutoff_hz,
                  int32_t num_zeros);
  // The number of output samples for num_samples_in input samples (Kaldi: the output times
  // in [0, num_samples_in / rate_in)).
  int64_t NumOutputSamples(int64_t num_samples_in) const;
  std::vector<float> Resample(const float *in, int64_t num_samples_in) const;

 private:
  int32_t rate_in_, rate_out_;
  int32_t in_per_unit_, out_per_unit_;
  std::vector<int32_t> first_index_;         // per output sample in a unit
  std::vector<std::vector<float>> weights_;  // per output sample in a unit
};

// Kaldi's ResampleWaveform: LinearResampler with cut-off 0.99 * min(rates) / 2, 6 zeros.
// Throws Error if a rate is not a positive integer.
std::vector<float> ResampleWaveformKaldi(float rate_in, const float *in, int64_t num_samples_in,
                                         float rate_out);

// High-quality resampling with libsoxr (SOXR_VHQ), one row per channel. Output length is
// round(num_samples * rate_out / rate_in). Throws Error on a bad rate or a libsoxr failure.
void ResampleSoxr(const Matrix<float> &in, double rate_in, double rate_out, Matrix<float> *out);

}  // namespace voxtools

#endif  // VOXTOOLS_FEAT_RESAMPLE_H_

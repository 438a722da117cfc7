// src/feat/fft.h
// Real-input FFT of a fixed size, on FFTW (float, Debian's libfftw3-dev). FFTW rather than a
// hand-written split-radix FFT: it is well kept and SIMD-tuned, and it is as fast at the
// non-power-of-two sizes of --round-to-power-of-two=false (320, 400) as at 512, where a
// radix-2 code would need a separate slow path. Throughput: tests/bench/fbank.sh.
//
// The plan is made once per object, with FFTW_ESTIMATE so that results do not depend on
// timing measurements (FFTW_MEASURE may pick a different algorithm on each run, changing the
// last bits). An object owns its buffers: use one per thread.
#ifndef VOXTOOLS_FEAT_FFT_H_
#define VOXTOOLS_FEAT_FFT_H_

#include <cstdint>

namespace voxtools {

class RealFft {
 public:
  // n >= 1, any size (FFTW handles mixed radices).
  explicit RealFft(int32_t n);
  ~RealFft();
  RealFft(const RealFft &) = delete;
  RealFft &operator=(const RealFft &) = delete;

  int32_t Size() const { return n_; }
  // The input buffer, n floats: fill it, then call a Compute function.
  float *Input() { return in_; }

  // power[k] = |X_k|^2 for k = 0..n/2, where X_k = sum_j x_j exp(-2 pi i j k / n)
  // (unnormalised). power must hold n/2 + 1 floats. Overwrites nothing but power.
  void ComputePowerSpectrum(float *power);
  // re[k], im[k] of X_k for k = 0..n/2.
  void Compute(float *re, float *im);

 private:
  int32_t n_;
  float *in_;
  void *out_;   // fftwf_complex[n/2 + 1]
  void *plan_;  // fftwf_plan
};

}  // namespace voxtools

#endif  // VOXTOOLS_FEAT_FFT_H_

// src/feat/fft.cc
#include "feat/fft.h"

#include <fftw3.h>

#include <cstring>
#include <mutex>

#include "base/log.h"

namespace voxtools {
namespace {
// FFTW's planner is not thread-safe (its execute functions are); this lock serialises plan
// creation and destruction only, never the transforms.
std::mutex &PlannerMutex() {
  static std::mutex m;
  return m;
}
}  // namespace

RealFft::RealFft(int32_t n) : n_(n) {
  VOX_ASSERT(n >= 1);
  in_ = static_cast<float *>(fftwf_malloc(sizeof(float) * n));
  out_ = fftwf_malloc(sizeof(fftwf_complex) * (n / 2 + 1));
  if (in_ == nullptr || out_ == nullptr) VOX_ERR << "out of memory for an FFT of size " << n;
  std::memset(in_, 0, sizeof(float) * n);
  std::lock_guard<std::mutex> lock(PlannerMutex());
  plan_ = fftwf_plan_dft_r2c_1d(n, in_, static_cast<fftwf_complex *>(out_), FFTW_ESTIMATE);
  if (plan_ == nullptr) VOX_ERR << "FFTW could not plan a real FFT of size " << n;
}

RealFft::~RealFft() {
  std::lock_guard<std::mutex> lock(PlannerMutex());
  fftwf_destroy_plan(static_cast<fftwf_plan>(plan_));
  fftwf_free(in_);
  fftwf_free(out_);
}

void RealFft::ComputePowerSpectrum(float *power) {
  fftwf_execute(static_cast<fftwf_plan>(plan_));
  const fftwf_complex *x = static_cast<const fftwf_complex *>(out_);
  const int32_t m = n_ / 2 + 1;
  for (int32_t k = 0; k < m; k++) power[k] = x[k][0] * x[k][0] + x[k][1] * x[k][1];
}

void RealFft::Compute(float *re, float *im) {
  fftwf_execute(static_cast<fftwf_plan>(plan_));
  const fftwf_complex *x = static_cast<const fftwf_complex *>(out_);
  const int32_t m = n_ / 2 + 1;
  for (int32_t k = 0; k < m; k++) {
    re[k] = x[k][0];
    im[k] = x[k][1];
  }
}

}  // namespace voxtools

// src/feat/augment-ops.cc
#include "feat/augment-ops.h"

#include <algorithm>
#include <cmath>

#include "base/log.h"
#include "feat/fft.h"
#include "feat/resample.h"

namespace voxtools {

namespace {

// Below this many RIR taps a direct convolution costs less than three FFTs of the padded
// length (and is exact, which keeps an impulse RIR bit-exact).
constexpr int64_t kMaxDirectTaps = 64;

// The smallest 2^a 3^b 5^c >= n: FFTW is fastest on such sizes, and they are dense enough
// (a few percent apart) that padding to one costs little.
int64_t FastFftSize(int64_t n) {
  int64_t best = 1;
  while (best < n) best *= 2;
  for (int64_t p5 = 1; p5 < 2 * n; p5 *= 5) {
    for (int64_t p35 = p5; p35 < 2 * n; p35 *= 3) {
      int64_t s = p35;
      while (s < n) s *= 2;
      best = std::min(best, s);
    }
  }
  return best;
}

// out[t] = sum_j h[j] x[t + p - j], t in [0, n), by definition (short RIRs).
void ConvolveDirect(const std::vector<float> &h, int64_t p, const float *x, int64_t n,
                    float *out) {
  const int64_t m = static_cast<int64_t>(h.size());
  for (int64_t t = 0; t < n; t++) {
    double sum = 0;
    for (int64_t j = std::max<int64_t>(0, t + p - n + 1); j < m && j <= t + p; j++)
      sum += static_cast<double>(h[j]) * x[t + p - j];
    out[t] = static_cast<float>(sum);
  }
}

// The same by FFT. The inverse transform reuses the forward real FFT (feat/fft.h, whose
// planner is already serialised for threads): for the spectrum Y of a real signal y of
// length L, with C_k = Re Y_k + Im Y_k (k = 0..L-1, using Y_{L-k} = conj Y_k), the forward
// transform D of the real sequence C gives L y_q = Re D_q + Im D_q (the Hartley-transform
// identity: Re Y is even and Im Y odd, so their transforms are real and imaginary).
void ConvolveFft(const std::vector<float> &h, int64_t p, float *x, int64_t n) {
  const int64_t m = static_cast<int64_t>(h.size());
  const int64_t size = FastFftSize(n + m - 1);  // no circular wrap into the kept samples
  if (size > INT32_MAX) VOX_ERR << "signal too long to reverberate (" << n << " samples)";
  RealFft fft(static_cast<int32_t>(size));
  const int64_t half = size / 2 + 1;
  std::vector<float> xr(half), xi(half), hr(half), hi(half);
  float *in = fft.Input();
  std::fill(in, in + size, 0.0f);
  std::copy(x, x + n, in);
  fft.Compute(xr.data(), xi.data());
  std::fill(in, in + size, 0.0f);
  std::copy(h.begin(), h.end(), in);
  fft.Compute(hr.data(), hi.data());
  for (int64_t k = 0; k < half; k++) {
    const float re = xr[k] * hr[k] - xi[k] * hi[k];
    const float im = xr[k] * hi[k] + xi[k] * hr[k];
    xr[k] = re;
    xi[k] = im;
  }
  for (int64_t k = 0; k < size; k++)
    in[k] = k < half ? xr[k] + xi[k] : xr[size - k] - xi[size - k];
  fft.Compute(hr.data(), hi.data());
  const double inv = 1.0 / static_cast<double>(size);
  for (int64_t t = 0; t < n; t++) {
    const int64_t q = t + p;
    const double v = q < half ? hr[q] + hi[q] : hr[size - q] - hi[size - q];
    x[t] = static_cast<float>(v * inv);
  }
}

}  // namespace

double MeanPower(const float *x, int64_t n) {
  if (n <= 0) return 0.0;
  double sum = 0;
  for (int64_t i = 0; i < n; i++) sum += static_cast<double>(x[i]) * x[i];
  return sum / static_cast<double>(n);
}

std::vector<float> FitNoiseLength(const float *noise, int64_t num_noise, int64_t length,
                                  int64_t offset) {
  if (num_noise <= 0) VOX_ERR << "the noise holds no samples";
  std::vector<float> out(std::max<int64_t>(length, 0));
  if (num_noise >= length) {
    if (offset < 0 || offset > num_noise - length)
      VOX_ERR << "noise offset " << offset << " is outside [0, " << num_noise - length << "]";
    std::copy(noise + offset, noise + offset + length, out.begin());
    return out;
  }
  for (int64_t i = 0; i < length; i += num_noise)
    std::copy(noise, noise + std::min(num_noise, length - i), out.begin() + i);
  return out;
}

double NoiseScaleForSnr(double signal_power, double noise_power, double snr_db) {
  if (!(signal_power > 0) || !(noise_power > 0)) return 0.0;
  return std::sqrt(signal_power / noise_power * std::pow(10.0, -snr_db / 10.0));
}

void AddScaled(const float *noise, int64_t n, double scale, float *signal) {
  const float s = static_cast<float>(scale);
  for (int64_t i = 0; i < n; i++) signal[i] += s * noise[i];
}

void Reverberate(const float *rir, int64_t m, float *wave, int64_t n) {
  if (m <= 0) VOX_ERR << "the room impulse response holds no samples";
  int64_t peak = 0;
  double energy = 0;
  for (int64_t j = 0; j < m; j++) {
    energy += static_cast<double>(rir[j]) * rir[j];
    if (std::fabs(rir[j]) > std::fabs(rir[peak])) peak = j;
  }
  if (!(energy > 0) || !std::isfinite(energy))
    VOX_ERR << "the room impulse response is all zeros (or not finite)";
  const double norm = 1.0 / std::sqrt(energy);
  std::vector<float> h(m);
  for (int64_t j = 0; j < m; j++) h[j] = static_cast<float>(rir[j] * norm);
  if (n == 0) return;
  if (m <= kMaxDirectTaps) {
    std::vector<float> out(n);
    ConvolveDirect(h, peak, wave, n, out.data());
    std::copy(out.begin(), out.end(), wave);
  } else {
    ConvolveFft(h, peak, wave, n);
  }
}

void SpeedPerturb(float factor, float rate_hz, Matrix<float> *wave) {
  if (!(factor > 0 && factor <= 10))
    VOX_ERR << "speed factor " << factor << " is not in (0, 10]";
  if (factor == 1.0f) return;
  Matrix<float> out;
  // Read as if sampled factor times faster, then brought back to the real rate.
  ResampleSoxr(*wave, static_cast<double>(rate_hz) * factor, rate_hz, &out);
  *wave = std::move(out);
}

void ApplyGainDb(float gain_db, Matrix<float> *wave) {
  const float g = static_cast<float>(std::pow(10.0, gain_db / 20.0));
  float *d = wave->Data();
  for (int64_t i = 0; i < wave->NumElements(); i++) d[i] *= g;
}

}  // namespace voxtools

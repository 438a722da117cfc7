// src/matrix/cpu-math.h
// exp and erf for float written with plain arithmetic, so that -O3 vectorises loops that call
// them (libm's expf/erff are scalar calls without -ffast-math, which we do not use).
//
// FastExp: exp(x) = 2^n exp(r), n = round(x / ln 2), r = x - n ln 2 (ln 2 split in two for an
// exact product, Cody & Waite 1980), exp(r) by its Taylor polynomial of degree 7 on
// |r| <= ln(2)/2 (truncation error < 6e-9 relative). Below -87 the result is 0 (no denormals);
// above 88.3 it is exp(88.3) rather than inf (softmax inputs are max-subtracted anyway).
// FastErf: the Maclaurin series below 1, Abramowitz & Stegun 7.1.26 above (|error| <= 1.5e-7
// absolute, within 3 float ulps of 1); odd symmetry.
#ifndef VOXTOOLS_MATRIX_CPU_MATH_H_
#define VOXTOOLS_MATRIX_CPU_MATH_H_

#include <cmath>
#include <cstdint>
#include <cstring>

namespace voxtools {

inline float FastExp(float x_in) {
  const float x = x_in < -87.0f ? -87.0f : (x_in > 88.3f ? 88.3f : x_in);
  // Round to nearest by adding and subtracting 1.5 * 2^23 (|x / ln 2| < 2^22): std::floor
  // would not vectorise without -ffast-math.
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  return x_in < -87.0f ? 0.0f : p * __builtin_bit_cast(float, bits);
}

inline float FastErf(float x) {
  // |x| < 1: the Maclaurin series sum_n (-1)^n x^(2n+1) / (n! (2n+1)) * 2/sqrt(pi), 11 terms
  // (truncation < 1.3e-8); it avoids the cancellation in 1 - p t e^{-x^2} near 0.
  const float x2 = x * x;
  float q = 1.312253296e-08f;
  q = q * x2 + -1.450385222e-07f;
  q = q * x2 + 1.458916900e-06f;
  q = q * x2 + -1.322751323e-05f;
  q = q * x2 + 1.068376068e-04f;
  q = q * x2 + -7.575757576e-04f;
  q = q * x2 + 4.629629630e-03f;
  q = q * x2 + -2.380952381e-02f;
  q = q * x2 + 1.000000000e-01f;
  q = q * x2 + -3.333333333e-01f;
  q = q * x2 + 1.000000000e+00f;
  const float small = 1.12837916709551257f * x * q;
  const float a = std::fabs(x);
  const float t = 1.0f / (1.0f + 0.3275911f * a);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  const float large = std::copysign(1.0f - p * t * FastExp(-x2), x);
  return a < 1.0f ? small : large;
}

// GELU's Gaussian CDF, Phi(x) = (1 + erf(x / sqrt(2))) / 2, with erf by Abramowitz & Stegun
// 7.1.26 alone (|error| <= 1.5e-7 absolute): the formula PyTorch's vectorised GELU uses. An
// absolute error is all that 1 + erf can carry (it is rounded near 1 anyway), so FastErf's
// small-argument series, there for erf's relative accuracy near 0, is not needed here. One
// exponential, exp(-x^2 / 2), is returned in *gauss for the derivative:
// GELU'(x) = Phi(x) + x * gauss / sqrt(2 pi).
inline float GeluCdf(float x, float *gauss) {
  const float z = std::fabs(x) * 0.70710678118654752f;
  const float t = 1.0f / (1.0f + 0.3275911f * z);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  *gauss = FastExp(-0.5f * x * x);
  const float erfc_half = 0.5f * p * t * *gauss;  // (1 - erf(|x| / sqrt 2)) / 2
  return x < 0.0f ? erfc_half : 1.0f - erfc_half;
}

// Max and sum of x[0..n), n >= 1, over 16 independent lanes: a plain loop would not vectorise
// (reassociating float adds needs -ffast-math). The lane order changes the sum's rounding by
// about 1e-7 relative, like any vectorised sum (PyTorch's included).
// n == 0 gives 0 for the sums.
inline float RowMax(const float *x, int64_t n) {
  float acc[16];
  for (int k = 0; k < 16; k++) acc[k] = x[0];
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; k++) acc[k] = x[i + k] > acc[k] ? x[i + k] : acc[k];
  float m = acc[0];
  for (int k = 1; k < 16; k++) m = acc[k] > m ? acc[k] : m;
  for (; i < n; i++) m = x[i] > m ? x[i] : m;
  return m;
}

inline float RowSum(const float *x, int64_t n) {
  float acc[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; k++) acc[k] += x[i + k];
  float s = 0;
  for (int k = 0; k < 16; k++) s += acc[k];
  for (; i < n; i++) s += x[i];
  return s;
}

// sum (x[i] - mean)^2 over 16 lanes, as RowSum.
inline float RowSumSquaredDeviation(const float *x, int64_t n, float mean) {
  float acc[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; k++) acc[k] += (x[i + k] - mean) * (x[i + k] - mean);
  float s = 0;
  for (int k = 0; k < 16; k++) s += acc[k];
  for (; i < n; i++) s += (x[i] - mean) * (x[i] - mean);
  return s;
}

}  // namespace voxtools

#endif  // VOXTOOLS_MATRIX_CPU_MATH_H_

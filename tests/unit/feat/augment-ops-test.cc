// tests/unit/feat/augment-ops-test.cc
// The augmentation signal operations against obvious double-precision reimplementations:
// FFT reverberation at awkward sizes, impulse RIRs giving the input back aligned, SNR
// reached, noise tiling/cropping, speed perturbation's length and pitch, gain.
#include "feat/augment-ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "base/log.h"

namespace voxtools {
namespace {

std::vector<float> RandomSignal(int64_t n, uint32_t seed, float scale = 1000.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> x(n);
  for (float &v : x) v = dist(rng);
  return x;
}

// The definition in augment-ops.h, in double: h = rir / |rir|, p = first argmax |rir|,
// y[t] = sum_j h[j] x[t + p - j].
std::vector<double> SlowReverb(const std::vector<float> &rir, const std::vector<float> &x) {
  const int64_t m = rir.size(), n = x.size();
  int64_t p = 0;
  double energy = 0;
  for (int64_t j = 0; j < m; j++) {
    energy += double(rir[j]) * rir[j];
    if (std::fabs(rir[j]) > std::fabs(rir[p])) p = j;
  }
  std::vector<double> y(n, 0.0);
  for (int64_t t = 0; t < n; t++)
    for (int64_t j = 0; j < m; j++) {
      int64_t s = t + p - j;
      if (s >= 0 && s < n) y[t] += rir[j] / std::sqrt(energy) * x[s];
    }
  return y;
}

TEST(Reverberate, MatchesTheDefinitionAtAwkwardSizes) {
  // Direct path (m <= 64) and FFT path (m > 64), lengths 1, odd, around powers of two, and
  // RIRs longer than the signal. The RIR decays like a real one, with its peak inside.
  for (int64_t n : {1, 7, 64, 65, 1000, 4097}) {
    for (int64_t m : {1, 3, 64, 65, 257, 3001}) {
      const uint32_t seed = static_cast<uint32_t>(n * 10007 + m);
      std::vector<float> x = RandomSignal(n, seed);
      std::vector<float> rir = RandomSignal(m, seed + 1, 1.0f);
      for (int64_t j = 0; j < m; j++) rir[j] *= std::exp(-3.0f * j / m);
      rir[m / 3] = 5.0f;  // the direct path, not at index 0: the alignment is tested too
      std::vector<double> ref = SlowReverb(rir, x);
      std::vector<float> y = x;
      Reverberate(rir.data(), m, y.data(), n);
      double max_ref = 0, max_err = 0;
      for (int64_t t = 0; t < n; t++) {
        max_ref = std::max(max_ref, std::fabs(ref[t]));
        max_err = std::max(max_err, std::fabs(y[t] - ref[t]));
      }
      ASSERT_GT(max_ref, 0.0) << "n=" << n << " m=" << m;
      // float taps and float FFTs of up to 8k points: the worst error measured here is
      // 2.6e-7 of the largest output; 2e-6 leaves a margin of ~8.
      EXPECT_LT(max_err, 2e-6 * max_ref) << "n=" << n << " m=" << m << " seed=" << seed;
    }
  }
}

TEST(Reverberate, ImpulseRirGivesTheInputBackAligned) {
  std::vector<float> x = RandomSignal(16000, 7);
  // Short RIR (direct convolution): exactly the input, whatever the impulse's height.
  std::vector<float> rir(10, 0.0f);
  rir[6] = -0.25f;
  std::vector<float> y = x;
  Reverberate(rir.data(), 10, y.data(), 16000);
  for (int64_t t = 0; t < 16000; t++) ASSERT_EQ(y[t], -x[t]) << t;  // the sign stays
  // Long RIR (FFT): the input up to float FFT rounding (1e-6 of full scale).
  std::vector<float> long_rir(4000, 0.0f);
  long_rir[1234] = 3.0f;
  y = x;
  Reverberate(long_rir.data(), 4000, y.data(), 16000);
  double max_x = 0, max_err = 0;
  for (int64_t t = 0; t < 16000; t++) {
    max_x = std::max(max_x, double(std::fabs(x[t])));
    max_err = std::max(max_err, double(std::fabs(y[t] - x[t])));
  }
  EXPECT_LT(max_err, 1e-6 * max_x);
  // A direct path at 100 and a reflection half as strong 300 samples later: the output is
  // (x[t] + 0.5 x[t - 300]) / sqrt(1.25), aligned on the direct path.
  long_rir.assign(1000, 0.0f);
  long_rir[100] = 1.0f;
  long_rir[400] = 0.5f;
  y = x;
  Reverberate(long_rir.data(), 1000, y.data(), 16000);
  for (int64_t t : {0, 299, 300, 301, 9999, 15999}) {
    double want = (x[t] + (t >= 300 ? 0.5 * x[t - 300] : 0.0)) / std::sqrt(1.25);
    EXPECT_NEAR(y[t], want, 1e-5 * max_x) << t;
  }
}

TEST(Reverberate, BadRirThrows) {
  std::vector<float> x(100, 1.0f), zeros(300, 0.0f);
  EXPECT_THROW(Reverberate(zeros.data(), 300, x.data(), 100), Error);
  EXPECT_THROW(Reverberate(zeros.data(), 0, x.data(), 100), Error);
}

TEST(AdditiveNoise, ReachesTheRequestedSnr) {
  std::vector<float> speech = RandomSignal(12345, 1, 3000.0f);
  std::vector<float> noise = RandomSignal(12345, 2, 50.0f);
  for (double snr : {-5.0, 0.0, 7.3, 20.0}) {
    std::vector<float> y = speech;
    double scale = NoiseScaleForSnr(MeanPower(speech.data(), 12345),
                                    MeanPower(noise.data(), 12345), snr);
    AddScaled(noise.data(), 12345, scale, y.data());
    std::vector<float> added(12345);
    for (int64_t i = 0; i < 12345; i++) added[i] = y[i] - speech[i];
    double achieved = 10 * std::log10(MeanPower(speech.data(), 12345) /
                                      MeanPower(added.data(), 12345));
    EXPECT_NEAR(achieved, snr, 0.1) << "requested " << snr << " dB";
  }
  EXPECT_EQ(NoiseScaleForSnr(0.0, 1.0, 10.0), 0.0);  // silence: nothing to measure against
  EXPECT_EQ(NoiseScaleForSnr(1.0, 0.0, 10.0), 0.0);
}

TEST(AdditiveNoise, FitNoiseLengthTilesShortAndCropsLong) {
  std::vector<float> noise = {1, 2, 3};
  EXPECT_EQ(FitNoiseLength(noise.data(), 3, 8, 0), (std::vector<float>{1, 2, 3, 1, 2, 3, 1, 2}));
  EXPECT_EQ(FitNoiseLength(noise.data(), 3, 2, 1), (std::vector<float>{2, 3}));
  EXPECT_EQ(FitNoiseLength(noise.data(), 3, 3, 0), noise);
  EXPECT_THROW(FitNoiseLength(noise.data(), 3, 2, 2), Error);
  EXPECT_THROW(FitNoiseLength(noise.data(), 0, 2, 0), Error);
}

// Frequency of a sine from its upward zero crossings over the middle of the signal (the
// ends hold the resampler's start-up), interpolated linearly between samples.
double MeasureFrequency(const Matrix<float> &x, double rate) {
  const int64_t n = x.NumCols();
  double first = -1, last = -1;
  int64_t count = 0;
  for (int64_t i = n / 4; i < 3 * n / 4; i++) {
    float a = x(0, i - 1), b = x(0, i);
    if (a < 0 && b >= 0) {
      double at = i - 1 + a / (a - b);
      if (first < 0) first = at;
      last = at;
      count++;
    }
  }
  return (count - 1) * rate / (last - first);
}

TEST(SpeedPerturb, LengthAndPitchChangeByTheFactor) {
  const float rate = 16000;
  for (int64_t n : {1, 11, 16000, 48001}) {
    for (float factor : {0.9f, 1.1f}) {
      Matrix<float> x(1, n);
      for (int64_t i = 0; i < n; i++) x(0, i) = 1000 * std::sin(0.1 * i);
      SpeedPerturb(factor, rate, &x);
      EXPECT_NEAR(x.NumCols(), n / factor, 1.0) << "n=" << n << " factor=" << factor;
    }
  }
  for (float factor : {0.9f, 1.1f}) {
    Matrix<float> x(1, 32000);
    for (int64_t i = 0; i < 32000; i++) x(0, i) = 8000 * std::sin(2 * M_PI * 1000.0 * i / rate);
    ASSERT_NEAR(MeasureFrequency(x, rate), 1000.0, 0.5);
    SpeedPerturb(factor, rate, &x);
    // 0.1% covers the zero-crossing estimate's interpolation error over ~8000 periods.
    EXPECT_NEAR(MeasureFrequency(x, rate), 1000.0 * factor, 1.0) << factor;
  }
  Matrix<float> x(1, 100);
  Matrix<float> same = x;
  SpeedPerturb(1.0f, rate, &x);
  EXPECT_TRUE(x == same);
  EXPECT_THROW(SpeedPerturb(0.0f, rate, &x), Error);
}

TEST(Gain, ScalesByDecibels) {
  Matrix<float> x(1, 3);
  x(0, 0) = 1.0f; x(0, 1) = -2.0f; x(0, 2) = 0.0f;
  ApplyGainDb(20.0f, &x);
  EXPECT_FLOAT_EQ(x(0, 0), 10.0f);
  EXPECT_FLOAT_EQ(x(0, 1), -20.0f);
  ApplyGainDb(-6.0206f, &x);
  EXPECT_NEAR(x(0, 0), 5.0f, 1e-4);
}

}  // namespace
}  // namespace voxtools

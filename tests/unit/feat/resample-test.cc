// tests/unit/feat/resample-test.cc
// libsoxr path: a stepped sine sweep through 44.1 kHz -> 16 kHz and 8 kHz -> 16 kHz must
// have pass-band ripple below 0.1 dB and stop-band leakage (aliases, images) below -80 dB
// (the requirement). Kaldi's LinearResample is checked number for number through
// the fbank fixtures (fbank-test.cc, FbankKaldi.Upsampled8kTo16k/Downsampled16kTo8k); here
// its length rule and a pass-band tone.
#include "feat/resample.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace voxtools {
namespace {

Matrix<float> Tone(double freq, double rate, int64_t n, double amp = 10000.0) {
  Matrix<float> m(1, n);
  for (int64_t i = 0; i < n; i++) m(0, i) = static_cast<float>(amp * std::sin(2 * M_PI * freq * i / rate));
  return m;
}

// Least-squares fit of a sine and cosine at `freq` over the middle half of x (the ends hold
// the filter's start-up); returns the fitted amplitude and the RMS of the residual.
void FitTone(const Matrix<float> &x, double freq, double rate, double *amp, double *resid_rms) {
  const int64_t n = x.NumCols(), lo = n / 4, hi = 3 * n / 4;
  double ss = 0, cc = 0, sc = 0, xs = 0, xc = 0;
  for (int64_t i = lo; i < hi; i++) {
    double s = std::sin(2 * M_PI * freq * i / rate), c = std::cos(2 * M_PI * freq * i / rate);
    ss += s * s; cc += c * c; sc += s * c; xs += x(0, i) * s; xc += x(0, i) * c;
  }
  double det = ss * cc - sc * sc;
  double a = (xs * cc - xc * sc) / det, b = (xc * ss - xs * sc) / det;
  double r = 0;
  for (int64_t i = lo; i < hi; i++) {
    double e = x(0, i) - a * std::sin(2 * M_PI * freq * i / rate) - b * std::cos(2 * M_PI * freq * i / rate);
    r += e * e;
  }
  *amp = std::sqrt(a * a + b * b);
  *resid_rms = std::sqrt(r / (hi - lo));
}

double Db(double ratio) { return 20.0 * std::log10(ratio); }

void CheckSweep(double rate_in, double rate_out) {
  const double amp = 10000.0, rms_in = amp / std::sqrt(2.0);
  const double nyquist = 0.5 * std::min(rate_in, rate_out);
  double min_gain = 1e9, max_gain = -1e9, worst_leak = -1e9;
  int num_pass = 0, num_stop = 0;
  // Pass band: up to 0.9 of the lower Nyquist frequency (SOXR_VHQ's band edge is ~0.91).
  for (double f = 50.0; f <= 0.9 * nyquist; f += 0.9 * nyquist / 37) {
    Matrix<float> out;
    ResampleSoxr(Tone(f, rate_in, static_cast<int64_t>(rate_in / 2), amp), rate_in, rate_out, &out);
    double a, resid;
    FitTone(out, f, rate_out, &a, &resid);
    min_gain = std::min(min_gain, Db(a / amp));
    max_gain = std::max(max_gain, Db(a / amp));
    // Everything but the tone (for upsampling: the images above the input's Nyquist).
    worst_leak = std::max(worst_leak, Db(resid / rms_in));
    num_pass++;
  }
  // Stop band (downsampling only): tones above the output's Nyquist must vanish, from the
  // end of the transition band (~1.0 of the Nyquist frequency for SOXR_VHQ) up.
  if (rate_in > rate_out) {
    for (double f = 1.0 * (rate_out / 2) * 1.02; f < rate_in / 2; f += (rate_in / 2 - rate_out / 2) / 29) {
      Matrix<float> out;
      ResampleSoxr(Tone(f, rate_in, static_cast<int64_t>(rate_in / 2), amp), rate_in, rate_out, &out);
      double r = 0;
      for (int64_t i = out.NumCols() / 4; i < 3 * out.NumCols() / 4; i++) r += out(0, i) * out(0, i);
      worst_leak = std::max(worst_leak, Db(std::sqrt(r / (out.NumCols() / 2)) / rms_in));
      num_stop++;
    }
  }
  std::printf("%g -> %g Hz: %d pass-band tones, gain %.4f..%.4f dB; %d stop-band tones; "
              "worst leakage %.1f dB\n", rate_in, rate_out, num_pass, min_gain, max_gain,
              num_stop, worst_leak);
  EXPECT_LT(max_gain - min_gain, 0.1);
  EXPECT_LT(std::abs(max_gain), 0.1);
  EXPECT_LT(worst_leak, -80.0);
  EXPECT_GT(num_pass, 30);
}

TEST(ResampleSoxr, Sweep44100To16000) { CheckSweep(44100, 16000); }
TEST(ResampleSoxr, Sweep8000To16000) { CheckSweep(8000, 16000); }

TEST(ResampleSoxr, LengthAndChannels) {
  Matrix<float> in(2, 44100), out;
  ResampleSoxr(in, 44100, 16000, &out);
  EXPECT_EQ(out.NumRows(), 2);
  EXPECT_EQ(out.NumCols(), 16000);
  EXPECT_THROW(ResampleSoxr(in, 0, 16000, &out), Error);
}

TEST(LinearResampler, KaldiLengthRuleAndPassBand) {
  // Output times j / rate_out in [0, n / rate_in): 8000 -> 16000 doubles the length.
  LinearResampler up(8000, 16000, 0.99 * 4000, 6);
  EXPECT_EQ(up.NumOutputSamples(100), 200);
  LinearResampler down(16000, 8000, 0.99 * 4000, 6);
  EXPECT_EQ(down.NumOutputSamples(101), 51);
  EXPECT_EQ(down.NumOutputSamples(0), 0);
  Matrix<float> tone = Tone(1000, 8000, 8000);
  std::vector<float> out = up.Resample(tone.Data(), tone.NumCols());
  Matrix<float> m(1, out.size());
  std::copy(out.begin(), out.end(), m.Data());
  double a, resid;
  FitTone(m, 1000, 16000, &a, &resid);
  EXPECT_NEAR(a, 10000.0, 10000.0 * 0.01);  // a 1% pass band is all Kaldi's filter promises
  EXPECT_THROW(ResampleWaveformKaldi(8000.5f, tone.Data(), 10, 16000), Error);
}

}  // namespace
}  // namespace voxtools

// src/feat/resample.cc
#include "feat/resample.h"

#include <soxr.h>

#include <cmath>
#include <numeric>

#include "base/log.h"

namespace voxtools {

namespace {
// The windowed sinc at time offset t seconds (Kaldi's FilterFunc), in single precision as
// Kaldi evaluates it.
float FilterFunc(float t, float cutoff, int32_t num_zeros) {
  float window = 0.0f, filter;
  if (std::fabs(t) < num_zeros / (2.0 * cutoff))
    window = 0.5 * (1 + std::cos(2.0 * M_PI * cutoff / num_zeros * t));
  if (t != 0.0f)
    filter = std::sin(2.0 * M_PI * cutoff * t) / (M_PI * t);
  else
    filter = 2.0f * cutoff;
  return filter * window;
}
}  // namespace

LinearResampler::LinearResampler(int32_t rate_in, int32_t rate_out, double filter_cutoff_hz,
                                 int32_t num_zeros)
    : rate_in_(rate_in), rate_out_(rate_out) {
  if (!(rate_in > 0 && rate_out > 0 && filter_cutoff_hz > 0.0 &&
        filter_cutoff_hz * 2 <= rate_in && filter_cutoff_hz * 2 <= rate_out && num_zeros > 0))
    VOX_ERR << "bad resampler settings: " << rate_in << " Hz -> " << rate_out
            << " Hz, cut-off " << filter_cutoff_hz << " Hz, " << num_zeros << " zeros";
  const float cutoff = static_cast<float>(filter_cutoff_hz);
  int32_t base = std::gcd(rate_in, rate_out);
  in_per_unit_ = rate_in / base;
  out_per_unit_ = rate_out / base;
  first_index_.resize(out_per_unit_);
  weights_.resize(out_per_unit_);
  const double width = num_zeros / (2.0 * cutoff);
  for (int32_t i = 0; i < out_per_unit_; i++) {
    double t_out = i / static_cast<double>(rate_out);
    // ceil/floor: only inputs strictly inside the window have nonzero weight.
    int32_t lo = static_cast<int32_t>(std::ceil((t_out - width) * rate_in));
    int32_t hi = static_cast<int32_t>(std::floor((t_out + width) * rate_in));
    first_index_[i] = lo;
    weights_[i].resize(hi - lo + 1);
    for (int32_t j = lo; j <= hi; j++) {
      double dt = j / static_cast<double>(rate_in) - t_out;
      weights_[i][j - lo] = FilterFunc(static_cast<float>(dt), cutoff, num_zeros) / rate_in;
    }
  }
}

int64_t LinearResampler::NumOutputSamples(int64_t num_samples_in) const {
  // Time in ticks of 1 / lcm(rates), so the count is exact.
  int64_t tick_freq = std::lcm(static_cast<int64_t>(rate_in_), static_cast<int64_t>(rate_out_));
  int64_t ticks_per_in = tick_freq / rate_in_, ticks_per_out = tick_freq / rate_out_;
  int64_t length = num_samples_in * ticks_per_in;
  if (length <= 0) return 0;
  // Output times in the half-open interval [0, length).
  int64_t last = length / ticks_per_out;
  if (last * ticks_per_out == length) last--;
  return last + 1;
}

std::vector<float> LinearResampler::Resample(const float *in, int64_t n) const {
  std::vector<float> out(NumOutputSamples(n));
  for (int64_t j = 0; j < static_cast<int64_t>(out.size()); j++) {
    int64_t unit = j / out_per_unit_;
    int32_t k = static_cast<int32_t>(j - unit * out_per_unit_);
    int64_t first = first_index_[k] + unit * in_per_unit_;
    const std::vector<float> &w = weights_[k];
    const int64_t m = static_cast<int64_t>(w.size());
    float sum = 0.0f;
    if (first >= 0 && first + m <= n) {
      for (int64_t i = 0; i < m; i++) sum += w[i] * in[first + i];
    } else {
      // Past either end the signal is zero.
      for (int64_t i = 0; i < m; i++) {
        int64_t s = first + i;
        if (s >= 0 && s < n) sum += w[i] * in[s];
      }
    }
    out[j] = sum;
  }
  return out;
}

std::vector<float> ResampleWaveformKaldi(float rate_in, const float *in, int64_t n,
                                         float rate_out) {
  if (rate_in != std::floor(rate_in) || rate_out != std::floor(rate_out) || rate_in <= 0 ||
      rate_out <= 0)
    VOX_ERR << "cannot resample " << rate_in << " Hz -> " << rate_out
            << " Hz: rates must be positive integers";
  double cutoff = 0.99 * 0.5 * std::min(rate_in, rate_out);
  LinearResampler r(static_cast<int32_t>(rate_in), static_cast<int32_t>(rate_out), cutoff, 6);
  return r.Resample(in, n);
}

void ResampleSoxr(const Matrix<float> &in, double rate_in, double rate_out,
                  Matrix<float> *out) {
  if (!(rate_in > 0 && rate_out > 0 && std::isfinite(rate_in) && std::isfinite(rate_out)))
    VOX_ERR << "cannot resample " << rate_in << " Hz -> " << rate_out << " Hz";
  const int64_t n_in = in.NumCols();
  const int64_t n_out = static_cast<int64_t>(std::llround(n_in * rate_out / rate_in));
  out->Resize(in.NumRows(), n_out);
  if (n_out == 0) return;
  soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  soxr_runtime_spec_t rt = soxr_runtime_spec(1);  // one thread: the tools parallelise above
  for (int64_t c = 0; c < in.NumRows(); c++) {
    size_t done = 0;
    soxr_error_t err = soxr_oneshot(rate_in, rate_out, 1, in.Row(c), n_in, nullptr,
                                    out->Row(c), n_out, &done, &io, &q, &rt);
    if (err) VOX_ERR << "libsoxr failed to resample " << rate_in << " Hz -> " << rate_out
                     << " Hz: " << err;
    if (static_cast<int64_t>(done) != n_out)
      VOX_ERR << "libsoxr gave " << done << " samples, expected " << n_out;
  }
}

}  // namespace voxtools

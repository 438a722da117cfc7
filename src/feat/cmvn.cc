// src/feat/cmvn.cc
#include "feat/cmvn.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "base/log.h"

namespace voxtools {

void InitCmvnStats(int64_t dim, Matrix<double> *stats) {
  VOX_ASSERT(dim > 0);
  stats->Resize(2, dim + 1);
}

void AccCmvnStats(const Matrix<float> &feats, const Vector<float> *weights,
                  Matrix<double> *stats) {
  const int64_t dim = feats.NumCols();
  if (feats.NumRows() == 0) return;
  if (stats->NumRows() != 2 || stats->NumCols() != dim + 1)
    VOX_ERR << "CMVN stats are " << stats->NumRows() << " x " << stats->NumCols()
            << " but the features have dimension " << dim << " (expected 2 x " << dim + 1
            << ")";
  if (weights != nullptr && weights->Dim() != feats.NumRows())
    VOX_ERR << "weights have " << weights->Dim() << " values for " << feats.NumRows()
            << " frames";
  double *sum = stats->Row(0), *sumsq = stats->Row(1);
  for (int64_t t = 0; t < feats.NumRows(); t++) {
    const float *x = feats.Row(t);
    const double w = weights ? (*weights)(t) : 1.0;
    for (int64_t d = 0; d < dim; d++) {
      if (!std::isfinite(x[d]))
        VOX_ERR << "NaN or Inf in the features at frame " << t << ", dimension " << d;
      sum[d] += w * x[d];
      sumsq[d] += w * x[d] * static_cast<double>(x[d]);
    }
    sum[dim] += w;
  }
}

int32_t ApplyCmvn(const Matrix<double> &stats, bool norm_means, bool norm_vars,
                  Matrix<float> *feats) {
  const int64_t dim = feats->NumCols();
  if (feats->NumRows() == 0) return 0;
  if (stats.NumRows() != 2 || stats.NumCols() != dim + 1)
    VOX_ERR << "CMVN stats are " << stats.NumRows() << " x " << stats.NumCols()
            << " but the features have dimension " << dim << " (expected 2 x " << dim + 1
            << ")";
  if (!norm_means) {
    if (norm_vars) VOX_ERR << "variance normalisation needs mean normalisation";
    return 0;
  }
  const double count = stats(0, dim);
  if (!(count >= 1.0))
    VOX_ERR << "insufficient stats for cepstral mean and variance normalization: count = "
            << count;
  std::vector<float> offset(dim), scale(dim, 1.0f);
  int32_t num_floored = 0;
  for (int64_t d = 0; d < dim; d++) {
    double mean = stats(0, d) / count;
    if (!norm_vars) {
      offset[d] = static_cast<float>(-mean);
      continue;
    }
    double var = stats(1, d) / count - mean * mean;
    const double floor = 1.0e-20;
    if (var < floor) {
      var = floor;
      num_floored++;
    }
    double s = 1.0 / std::sqrt(var);
    if (!std::isfinite(s) || !std::isfinite(mean))
      VOX_ERR << "NaN or infinity in cepstral mean/variance computation (dimension " << d
              << ")";
    scale[d] = static_cast<float>(s);
    offset[d] = static_cast<float>(-(mean * s));
  }
  for (int64_t t = 0; t < feats->NumRows(); t++) {
    float *x = feats->Row(t);
    for (int64_t d = 0; d < dim; d++) x[d] = x[d] * scale[d] + offset[d];
  }
  return num_floored;
}

void SlidingCmnOptions::Register(OptionsItf *opts) {
  opts->Register("cmn-window", &cmn_window,
                 "Window in frames for running average CMN computation");
  opts->Register("min-cmn-window", &min_window,
                 "Minimum CMN window used at start of decoding (adds latency only at start). "
                 "Only applicable if center == false, ignored if center==true");
  opts->Register("max-warnings", &max_warnings,
                 "Maximum warnings to report per utterance. 0 to disable, -1 to show all.");
  opts->Register("norm-vars", &normalize_variance,
                 "If true, normalize variance to one.");
  opts->Register("center", &center,
                 "If true, use a window centered on the current frame (to the extent "
                 "possible, modulo end effects). If false, window is to the left.");
}

void SlidingCmnOptions::Validate() const {
  if (cmn_window < 1) VOX_ERR << "--cmn-window=" << cmn_window << " must be at least 1";
  // Kaldi also insists on this with --center=true, where the value is otherwise unused; we
  // only need it where it matters.
  if (!center && (min_window < 1 || min_window > cmn_window))
    VOX_ERR << "--min-cmn-window=" << min_window << " must be in [1, --cmn-window="
            << cmn_window << "]";
}

std::string SlidingCmnOptions::ToString() const {
  std::ostringstream os;
  os << "SlidingCmnOptions: cmn-window=" << cmn_window << " min-cmn-window=" << min_window
     << " norm-vars=" << normalize_variance << " center=" << center;
  return os.str();
}

int64_t ApplySlidingCmn(const SlidingCmnOptions &opts, const Matrix<float> &in,
                        Matrix<float> *out) {
  opts.Validate();
  const int64_t num_frames = in.NumRows(), dim = in.NumCols();
  out->Resize(num_frames, dim);
  if (num_frames == 0) return 0;
  std::vector<double> sum(dim, 0.0), sumsq(dim, 0.0), var(dim);
  int64_t last_start = -1, last_end = -1, num_floored_frames = 0;
  auto add = [&](int64_t t, double sign) {
    const float *x = in.Row(t);
    for (int64_t d = 0; d < dim; d++) {
      sum[d] += sign * x[d];
      if (opts.normalize_variance) sumsq[d] += sign * x[d] * static_cast<double>(x[d]);
    }
  };
  for (int64_t t = 0; t < num_frames; t++) {
    int64_t start, end;  // window [start, end)
    if (opts.center) {
      start = t - opts.cmn_window / 2;
      end = start + opts.cmn_window;
    } else {
      start = t - opts.cmn_window;
      end = t + 1;
    }
    if (start < 0) {
      end -= start;
      start = 0;
    }
    if (!opts.center && end > t) end = std::max<int64_t>(t + 1, opts.min_window);
    if (end > num_frames) {
      start -= end - num_frames;
      end = num_frames;
      if (start < 0) start = 0;
    }
    if (last_start == -1) {
      for (int64_t s = start; s < end; s++) add(s, 1.0);
    } else {
      // The window moves by at most one frame at each end per step.
      VOX_ASSERT(start == last_start || start == last_start + 1);
      VOX_ASSERT(end == last_end || end == last_end + 1);
      if (start > last_start) add(last_start, -1.0);
      if (end > last_end) add(last_end, 1.0);
    }
    last_start = start;
    last_end = end;
    const int64_t n = end - start;
    const float *x = in.Row(t);
    float *y = out->Row(t);
    const double inv_n = 1.0 / n;
    for (int64_t d = 0; d < dim; d++) y[d] = static_cast<float>(x[d] - inv_n * sum[d]);
    if (opts.normalize_variance) {
      if (n == 1) {
        std::fill(y, y + dim, 0.0f);
        continue;
      }
      bool floored = false;
      for (int64_t d = 0; d < dim; d++) {
        double v = sumsq[d] * inv_n - sum[d] * sum[d] * inv_n * inv_n;
        if (v < 1.0e-10) {
          v = 1.0e-10;
          floored = true;
        }
        y[d] = static_cast<float>(y[d] / std::sqrt(v));
      }
      if (floored) num_floored_frames++;
    }
  }
  return num_floored_frames;
}

}  // namespace voxtools

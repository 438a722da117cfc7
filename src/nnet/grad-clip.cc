// src/nnet/grad-clip.cc
#include "nnet/grad-clip.h"

#include <algorithm>
#include <cmath>

#include "base/log.h"

namespace voxtools {

double GradNorm(const std::vector<Var> &params, double norm_type) {
  const bool inf_norm = std::isinf(norm_type) && norm_type > 0;
  if (!inf_norm && norm_type != 2.0)
    VOX_ERR << "gradient norm type " << norm_type << " (supported: 2, inf)";
  double acc = 0.0;
  for (const Var &p : params) {
    const Tensor &g = p.grad();
    if (!g.Defined()) continue;
    const float *d = g.Data();
    for (int64_t i = 0; i < g.NumElements(); i++) {
      const double v = d[i];
      if (inf_norm) {
        if (std::isnan(v)) return v;  // max() would drop it; torch's amax keeps it
        acc = std::max(acc, std::fabs(v));
      } else {
        acc += v * v;
      }
    }
  }
  return inf_norm ? acc : std::sqrt(acc);
}

double ClipGradNorm(const std::vector<Var> &params, double max_norm, double norm_type) {
  if (!(max_norm > 0)) VOX_ERR << "gradient clipping needs max_norm > 0, got " << max_norm;
  const double total = GradNorm(params, norm_type);
  // PyTorch multiplies by the clamped coefficient even when it is 1 (a no-op) or NaN.
  const double coef = std::min(max_norm / (total + 1e-6), 1.0);
  const double scale = std::isnan(total) ? total : coef;
  if (scale == 1.0) return total;
  const float s = static_cast<float>(scale);
  for (const Var &p : params) {
    Tensor *g = const_cast<Var &>(p).MutableGrad();
    if (g == nullptr || !g->Defined()) continue;
    float *d = g->Data();
    for (int64_t i = 0; i < g->NumElements(); i++) d[i] *= s;
  }
  return total;
}

}  // namespace voxtools

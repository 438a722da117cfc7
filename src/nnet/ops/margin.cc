// src/nnet/ops/margin.cc
#include "nnet/ops/margin.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <utility>

#include "matrix/thread-pool.h"

namespace voxtools {
namespace {

enum : uint8_t { kPlain = 0, kTarget = 1, kTopK = 2 };

// sin(theta) from cos(theta); the clamp keeps rounding (|cos| a hair above 1) from NaN.
inline float SineOf(float c) { return std::sqrt(std::max(0.0f, 1.0f - c * c)); }
// d sin / d cos = -cos / sin, taken as 0 at sin = 0 (see the header).
inline float DSine(float c, float s) { return s > 0.0f ? -c / s : 0.0f; }

struct MarginMath {
  explicit MarginMath(const MarginOptions &o)
      : opts(o), cos_m(std::cos(o.margin)), sin_m(std::sin(o.margin)),
        th(std::cos(static_cast<float>(M_PI) - o.margin)),
        cos_mp(std::cos(o.inter_topk_margin)), sin_mp(std::sin(o.inter_topk_margin)) {
    if (o.fallback == AngularFallback::kWeSpeaker)
      shift = 1.0f + std::cos(static_cast<float>(M_PI) - o.margin);
    else
      shift = std::sin(static_cast<float>(M_PI) - o.margin) * o.margin;
  }
  // Value and derivative (w.r.t. cos) of the target entry, before the scale.
  void Target(float c, float *v, float *d) const {
    if (opts.type == MarginType::kAdditive) {
      *v = c - opts.margin, *d = 1.0f;
      return;
    }
    if (opts.type == MarginType::kNone) {
      *v = c, *d = 1.0f;
      return;
    }
    const bool use_phi = opts.fallback == AngularFallback::kEasy ? c > 0.0f : c > th;
    if (use_phi) {
      const float s = SineOf(c);
      *v = c * cos_m - s * sin_m;
      *d = cos_m - sin_m * DSine(c, s);
    } else if (opts.fallback == AngularFallback::kEasy) {
      *v = c, *d = 1.0f;
    } else {
      *v = c - shift, *d = 1.0f;
    }
  }
  // cos(theta - mp) for a top-k negative.
  void TopK(float c, float *v, float *d) const {
    const float s = SineOf(c);
    *v = c * cos_mp + s * sin_mp;
    *d = cos_mp + sin_mp * DSine(c, s);
  }
  MarginOptions opts;
  float cos_m, sin_m, th, shift, cos_mp, sin_mp;
};

class MarginLogitsNode : public Node {
 public:
  MarginLogitsNode(const Var &cosine, std::vector<uint8_t> kind, const MarginOptions &opts)
      : Node({cosine}), kind_(std::move(kind)), opts_(opts) {}
  const char *Name() const override { return "MarginLogits"; }
  void Backward(const Tensor &gy) override {
    const Tensor &cv = inputs_[0].value();
    const MarginMath mm(opts_);
    Tensor g = Tensor::Empty(cv.shape());
    const float *c = cv.Data(), *pg = gy.Data();
    float *out = g.Data();
    for (int64_t i = 0; i < cv.NumElements(); i++) {
      float v, d = 1.0f;
      if (kind_[i] == kTarget) mm.Target(c[i], &v, &d);
      else if (kind_[i] == kTopK) mm.TopK(c[i], &v, &d);
      out[i] = pg[i] * opts_.scale * d;
    }
    inputs_[0].AccumulateGrad(g);
  }

 private:
  std::vector<uint8_t> kind_;
  MarginOptions opts_;
};

}  // namespace

Var MarginLogits(const Var &cosine, const std::vector<int64_t> &labels, const MarginOptions &opts) {
  if (cosine.Rank() != 2 || static_cast<int64_t>(labels.size()) != cosine.Dim(0))
    VOX_ERR << "MarginLogits: cosine " << cosine.shape().ToString() << " with " << labels.size()
            << " labels";
  const int64_t n = cosine.Dim(0), c = cosine.Dim(1);
  for (int64_t l : labels)
    if (l < 0 || l >= c) VOX_ERR << "MarginLogits: label " << l << " outside [0, " << c << ")";
  if (opts.inter_topk < 0 || (opts.inter_topk > 0 && opts.inter_topk >= c))
    VOX_ERR << "MarginLogits: inter-top-k " << opts.inter_topk << " with " << c << " classes";
  const float *pc = cosine.value().Data();
  std::vector<uint8_t> kind(n * c, kPlain);
  for (int64_t i = 0; i < n; i++) kind[i * c + labels[i]] = kTarget;
  if (opts.inter_topk > 0) {
    ParallelFor(n, 1, [&](int64_t r0, int64_t r1) {
      std::vector<int64_t> idx(c);
      for (int64_t i = r0; i < r1; i++) {
        const float *row = pc + i * c;
        std::iota(idx.begin(), idx.end(), 0);
        // The target sorts last, as torch.topk(cos - 2 one_hot) puts it.
        auto key = [&](int64_t j) { return j == labels[i] ? row[j] - 2.0f : row[j]; };
        std::partial_sort(idx.begin(), idx.begin() + opts.inter_topk, idx.end(),
                          [&](int64_t a, int64_t b) {
                            const float ka = key(a), kb = key(b);
                            return ka > kb || (ka == kb && a < b);
                          });
        for (int64_t k = 0; k < opts.inter_topk; k++) kind[i * c + idx[k]] = kTopK;
      }
    });
  }
  const MarginMath mm(opts);
  Tensor y = Tensor::Empty({n, c});
  float *py = y.Data();
  for (int64_t i = 0; i < n * c; i++) {
    float v = pc[i], d;
    if (kind[i] == kTarget) mm.Target(pc[i], &v, &d);
    else if (kind[i] == kTopK) mm.TopK(pc[i], &v, &d);
    py[i] = opts.scale * v;
  }
  if (!ShouldRecord({&cosine})) return Var(y);
  return Record(y, std::make_shared<MarginLogitsNode>(cosine, std::move(kind), opts));
}

}  // namespace voxtools

// src/nnet/ops/pool.cc
// Max and average pooling (declared in conv.h). 1-d pooling is 2-d pooling with height 1.
#include <limits>
#include <vector>

#include "nnet/ops/conv.h"
#include "nnet/ops/kernels.h"

namespace voxtools {
namespace {

struct PoolGeom {
  int64_t planes, h, w, kh, kw, sh, sw, ph, pw, hout, wout;
};

class PoolNode : public Node {
 public:
  PoolNode(const Var &x, PoolGeom g, bool max, std::vector<int64_t> argmax)
      : Node({x}), g_(g), max_(max), argmax_(std::move(argmax)) {}
  const char *Name() const override { return max_ ? "MaxPool" : "AvgPool"; }
  void Backward(const Tensor &gy) override {
    const PoolGeom &g = g_;
    Tensor gx(inputs_[0].shape());
    const float *pg = gy.Data();
    float *po = gx.Data();
    const float inv = 1.0f / static_cast<float>(g.kh * g.kw);
    for (int64_t p = 0; p < g.planes; p++)
      for (int64_t oh = 0; oh < g.hout; oh++)
        for (int64_t ow = 0; ow < g.wout; ow++) {
          const int64_t o = (p * g.hout + oh) * g.wout + ow;
          if (max_) {
            if (argmax_[o] >= 0) po[p * g.h * g.w + argmax_[o]] += pg[o];
            continue;
          }
          for (int64_t i = 0; i < g.kh; i++) {
            const int64_t ih = oh * g.sh - g.ph + i;
            if (ih < 0 || ih >= g.h) continue;
            for (int64_t j = 0; j < g.kw; j++) {
              const int64_t iw = ow * g.sw - g.pw + j;
              if (iw >= 0 && iw < g.w) po[(p * g.h + ih) * g.w + iw] += pg[o] * inv;
            }
          }
        }
    inputs_[0].AccumulateGrad(gx);
  }

 private:
  PoolGeom g_;
  bool max_;
  std::vector<int64_t> argmax_;  // per output: flat index within its plane, -1 if none
};

Var Pool(const Var &x, PoolGeom g, bool max, const Shape &y_shape) {
  if (g.kh <= 0 || g.kw <= 0 || g.sh <= 0 || g.sw <= 0 || 2 * g.ph > g.kh || 2 * g.pw > g.kw ||
      g.h + 2 * g.ph < g.kh || g.w + 2 * g.pw < g.kw)
    VOX_ERR << "Pool: kernel/stride/padding do not fit input " << x.shape().ToString()
            << " (padding must be at most half the kernel, as PyTorch)";
  Tensor y = Tensor::Empty(y_shape);
  std::vector<int64_t> argmax(max ? y.NumElements() : 0, -1);
  const float *px = x.value().Data();
  float *py = y.Data();
  const float inv = 1.0f / static_cast<float>(g.kh * g.kw);
  for (int64_t p = 0; p < g.planes; p++)
    for (int64_t oh = 0; oh < g.hout; oh++)
      for (int64_t ow = 0; ow < g.wout; ow++) {
        float best = -std::numeric_limits<float>::infinity();
        int64_t best_i = -1;
        double sum = 0;
        for (int64_t i = 0; i < g.kh; i++) {
          const int64_t ih = oh * g.sh - g.ph + i;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t j = 0; j < g.kw; j++) {
            const int64_t iw = ow * g.sw - g.pw + j;
            if (iw < 0 || iw >= g.w) continue;
            const float v = px[(p * g.h + ih) * g.w + iw];
            sum += v;
            if (v > best || best_i < 0) best = v, best_i = ih * g.w + iw;
          }
        }
        const int64_t o = (p * g.hout + oh) * g.wout + ow;
        if (max) {
          py[o] = best;
          argmax[o] = best_i;
        } else {
          py[o] = static_cast<float>(sum) * inv;
        }
      }
  if (!ShouldRecord({&x})) return Var(y);
  return Record(y, std::make_shared<PoolNode>(x, g, max, std::move(argmax)));
}

Var Pool1d(const Var &x, int64_t k, int64_t s, int64_t p, bool max) {
  if (x.Rank() != 3) VOX_ERR << "Pool1d of " << x.shape().ToString() << " (expected (N, C, L))";
  PoolGeom g{x.Dim(0) * x.Dim(1), 1, x.Dim(2), 1, k, 1, s, 0, p, 1, 0};
  g.wout = s > 0 ? (g.w + 2 * p - k) / s + 1 : 0;
  return Pool(x, g, max, Shape{x.Dim(0), x.Dim(1), std::max<int64_t>(g.wout, 0)});
}

Var Pool2d(const Var &x, int64_t k, int64_t s, int64_t p, bool max) {
  if (x.Rank() != 4) VOX_ERR << "Pool2d of " << x.shape().ToString() << " (expected (N, C, H, W))";
  PoolGeom g{x.Dim(0) * x.Dim(1), x.Dim(2), x.Dim(3), k, k, s, s, p, p, 0, 0};
  g.hout = s > 0 ? (g.h + 2 * p - k) / s + 1 : 0;
  g.wout = s > 0 ? (g.w + 2 * p - k) / s + 1 : 0;
  return Pool(x, g, max,
              Shape{x.Dim(0), x.Dim(1), std::max<int64_t>(g.hout, 0), std::max<int64_t>(g.wout, 0)});
}

}  // namespace

Var MaxPool1d(const Var &x, int64_t k, int64_t s, int64_t p) { return Pool1d(x, k, s, p, true); }
Var AvgPool1d(const Var &x, int64_t k, int64_t s, int64_t p) { return Pool1d(x, k, s, p, false); }
Var MaxPool2d(const Var &x, int64_t k, int64_t s, int64_t p) { return Pool2d(x, k, s, p, true); }
Var AvgPool2d(const Var &x, int64_t k, int64_t s, int64_t p) { return Pool2d(x, k, s, p, false); }

}  // namespace voxtools

// src/nnet/ops/reduce.cc
// Reductions and softmax over one axis, viewed as (outer, n, inner) (kernels::AxisView).
// Sums accumulate in double: PyTorch sums in float with pairwise/vectorised order, and double
// keeps us within float rounding of the exact result whichever order it took.
#include "nnet/ops/reduce.h"

#include <cmath>
#include <limits>
#include <vector>

#include "matrix/cpu-math.h"
#include "nnet/ops/kernels.h"
#include "nnet/ops/shape.h"

namespace voxtools {
namespace {

using kernels::AxisView;
using kernels::ReducedShape;

enum class ReduceKind { kSum, kMean, kVar, kMax, kLogSumExp };
const char *const kReduceName[] = {"Sum", "Mean", "Variance", "Max", "LogSumExp"};

struct AxisDims {
  AxisDims(const Shape &s, int axis) { AxisView(s, axis, &outer, &n, &inner); }
  int64_t outer, n, inner;
};

// y[o, j] from x[o, :, j]; `unbiased` only for kVar.
Tensor ReduceForward(ReduceKind kind, const Tensor &x, int axis, bool keepdim, bool unbiased) {
  AxisDims d(x.shape(), axis);
  if (d.n == 0 && (kind == ReduceKind::kMax || kind == ReduceKind::kLogSumExp))
    VOX_ERR << kReduceName[static_cast<int>(kind)] << " over an empty axis of "
            << x.shape().ToString();
  Tensor y = Tensor::Empty(ReducedShape(x.shape(), axis, keepdim));
  const float *px = x.Data();
  float *py = y.Data();
  ParallelFor(d.outer, 1, [&](int64_t o0, int64_t o1) {
    std::vector<double> acc(d.inner), acc2(d.inner);
    for (int64_t o = o0; o < o1; o++) {
      const float *xo = px + o * d.n * d.inner;
      float *yo = py + o * d.inner;
      if (kind == ReduceKind::kMax || kind == ReduceKind::kLogSumExp) {
        for (int64_t j = 0; j < d.inner; j++) yo[j] = xo[j];
        for (int64_t i = 1; i < d.n; i++)
          for (int64_t j = 0; j < d.inner; j++) yo[j] = std::max(yo[j], xo[i * d.inner + j]);
        if (kind == ReduceKind::kMax) continue;
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t i = 0; i < d.n; i++)
          for (int64_t j = 0; j < d.inner; j++) acc[j] += std::exp(xo[i * d.inner + j] - yo[j]);
        for (int64_t j = 0; j < d.inner; j++)
          yo[j] = std::isinf(yo[j]) ? yo[j] : yo[j] + static_cast<float>(std::log(acc[j]));
        continue;
      }
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t i = 0; i < d.n; i++)
        for (int64_t j = 0; j < d.inner; j++) acc[j] += xo[i * d.inner + j];
      if (kind == ReduceKind::kSum) {
        for (int64_t j = 0; j < d.inner; j++) yo[j] = static_cast<float>(acc[j]);
      } else if (kind == ReduceKind::kMean) {
        for (int64_t j = 0; j < d.inner; j++) yo[j] = static_cast<float>(acc[j] / d.n);
      } else {
        std::fill(acc2.begin(), acc2.end(), 0.0);
        for (int64_t i = 0; i < d.n; i++)
          for (int64_t j = 0; j < d.inner; j++) {
            double c = xo[i * d.inner + j] - acc[j] / d.n;
            acc2[j] += c * c;
          }
        const double denom = unbiased ? d.n - 1 : d.n;
        for (int64_t j = 0; j < d.inner; j++)
          yo[j] = static_cast<float>(denom > 0 ? acc2[j] / denom
                                               : std::numeric_limits<double>::quiet_NaN());
      }
    }
  });
  return y;
}

class ReduceNode : public Node {
 public:
  ReduceNode(ReduceKind kind, const Var &x, int axis, bool unbiased, Tensor y)
      : Node({x}), kind_(kind), axis_(axis), unbiased_(unbiased), y_(y) {}
  const char *Name() const override { return kReduceName[static_cast<int>(kind_)]; }
  void Backward(const Tensor &gy) override {
    const Tensor &x = inputs_[0].value();
    AxisDims d(x.shape(), axis_);
    Tensor gx = Tensor::Empty(x.shape());
    const float *px = x.Data(), *pg = gy.Data(), *py = y_.Defined() ? y_.Data() : nullptr;
    float *po = gx.Data();
    ParallelFor(d.outer, 1, [&](int64_t o0, int64_t o1) {
      std::vector<double> mean(d.inner);
      for (int64_t o = o0; o < o1; o++) {
        const float *xo = px + o * d.n * d.inner, *go = pg + o * d.inner;
        float *ro = po + o * d.n * d.inner;
        switch (kind_) {
          case ReduceKind::kSum:
          case ReduceKind::kMean: {
            const float s = kind_ == ReduceKind::kMean ? 1.0f / d.n : 1.0f;
            for (int64_t i = 0; i < d.n; i++)
              for (int64_t j = 0; j < d.inner; j++) ro[i * d.inner + j] = go[j] * s;
            break;
          }
          case ReduceKind::kVar: {
            std::fill(mean.begin(), mean.end(), 0.0);
            for (int64_t i = 0; i < d.n; i++)
              for (int64_t j = 0; j < d.inner; j++) mean[j] += xo[i * d.inner + j];
            const double denom = unbiased_ ? d.n - 1 : d.n;
            for (int64_t i = 0; i < d.n; i++)
              for (int64_t j = 0; j < d.inner; j++)
                ro[i * d.inner + j] = static_cast<float>(
                    2.0 * go[j] * (xo[i * d.inner + j] - mean[j] / d.n) / denom);
            break;
          }
          case ReduceKind::kMax: {
            const float *yo = py + o * d.inner;
            for (int64_t j = 0; j < d.inner; j++) {
              bool taken = false;
              for (int64_t i = 0; i < d.n; i++) {
                bool hit = !taken && xo[i * d.inner + j] == yo[j];
                ro[i * d.inner + j] = hit ? go[j] : 0.0f;
                taken = taken || hit;
              }
            }
            break;
          }
          case ReduceKind::kLogSumExp: {
            const float *yo = py + o * d.inner;
            for (int64_t i = 0; i < d.n; i++)
              for (int64_t j = 0; j < d.inner; j++)
                ro[i * d.inner + j] = go[j] * std::exp(xo[i * d.inner + j] - yo[j]);
            break;
          }
        }
      }
    });
    inputs_[0].AccumulateGrad(gx);
  }
  void Release() override {
    Node::Release();
    y_ = Tensor();
  }

 private:
  ReduceKind kind_;
  int axis_;
  bool unbiased_;
  Tensor y_;  // Max and LogSumExp read the output
};

Var Reduce(ReduceKind kind, const Var &x, int axis, bool keepdim, bool unbiased = false) {
  Tensor y = ReduceForward(kind, x.value(), axis, keepdim, unbiased);
  if (!ShouldRecord({&x})) return Var(y);
  bool save_y = kind == ReduceKind::kMax || kind == ReduceKind::kLogSumExp;
  return Record(y, std::make_shared<ReduceNode>(kind, x, x.shape().Axis(axis), unbiased,
                                                save_y ? y : Tensor()));
}

class SoftmaxNode : public Node {
 public:
  SoftmaxNode(const Var &x, int axis, bool log, Tensor y)
      : Node({x}), axis_(axis), log_(log), y_(y) {}
  const char *Name() const override { return log_ ? "LogSoftmax" : "Softmax"; }
  void Backward(const Tensor &gy) override {
    AxisDims d(y_.shape(), axis_);
    Tensor gx = Tensor::Empty(y_.shape());
    const float *py = y_.Data(), *pg = gy.Data();
    float *po = gx.Data();
    ParallelFor(d.outer, 1, [&](int64_t o0, int64_t o1) {
      std::vector<double> acc(d.inner);
      for (int64_t o = o0; o < o1; o++) {
        const int64_t base = o * d.n * d.inner;
        std::fill(acc.begin(), acc.end(), 0.0);
        // softmax: gx = y (g - sum g y);  log-softmax: gx = g - exp(y) sum g.
        for (int64_t i = 0; i < d.n; i++)
          for (int64_t j = 0; j < d.inner; j++) {
            const int64_t k = base + i * d.inner + j;
            acc[j] += log_ ? pg[k] : double(pg[k]) * py[k];
          }
        for (int64_t i = 0; i < d.n; i++)
          for (int64_t j = 0; j < d.inner; j++) {
            const int64_t k = base + i * d.inner + j;
            po[k] = log_ ? pg[k] - std::exp(py[k]) * static_cast<float>(acc[j])
                         : py[k] * (pg[k] - static_cast<float>(acc[j]));
          }
      }
    });
    inputs_[0].AccumulateGrad(gx);
  }
  void Release() override {
    Node::Release();
    y_ = Tensor();
  }

 private:
  int axis_;
  bool log_;
  Tensor y_;
};

Tensor SoftmaxForward(const Tensor &x, int axis, bool log) {
  AxisDims d(x.shape(), axis);
  Tensor y = Tensor::Empty(x.shape());
  const float *px = x.Data();
  float *py = y.Data();
  ParallelFor(d.outer * d.inner, d.inner == 1 ? std::max<int64_t>(1, 4096 / std::max<int64_t>(d.n, 1)) : 1,
              [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t o = r / d.inner, j = r % d.inner;
      const float *xr = px + o * d.n * d.inner + j;
      float *yr = py + o * d.n * d.inner + j;
      const int64_t s = d.inner;
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t i = 0; i < d.n; i++) m = std::max(m, xr[i * s]);
      if (std::isinf(m) && m < 0) m = 0;  // all -inf (a fully masked row): NaN as PyTorch
      double sum = 0;
      for (int64_t i = 0; i < d.n; i++) {
        float e = FastExp(xr[i * s] - m);
        if (!log) yr[i * s] = e;
        sum += e;
      }
      if (log) {
        const float lse = m + static_cast<float>(std::log(sum));
        for (int64_t i = 0; i < d.n; i++) yr[i * s] = xr[i * s] - lse;
      } else {
        const float inv = static_cast<float>(1.0 / sum);
        for (int64_t i = 0; i < d.n; i++) yr[i * s] *= inv;
      }
    }
  });
  return y;
}

Var SoftmaxImpl(const Var &x, int axis, bool log) {
  Tensor y = SoftmaxForward(x.value(), axis, log);
  if (!ShouldRecord({&x})) return Var(y);
  return Record(y, std::make_shared<SoftmaxNode>(x, x.shape().Axis(axis), log, y));
}

}  // namespace

Var Sum(const Var &x, int axis, bool keepdim) { return Reduce(ReduceKind::kSum, x, axis, keepdim); }
Var Mean(const Var &x, int axis, bool keepdim) {
  return Reduce(ReduceKind::kMean, x, axis, keepdim);
}
Var Variance(const Var &x, int axis, bool unbiased, bool keepdim) {
  return Reduce(ReduceKind::kVar, x, axis, keepdim, unbiased);
}
Var Max(const Var &x, int axis, bool keepdim) { return Reduce(ReduceKind::kMax, x, axis, keepdim); }
Var LogSumExp(const Var &x, int axis, bool keepdim) {
  return Reduce(ReduceKind::kLogSumExp, x, axis, keepdim);
}
Var SumAll(const Var &x) { return Sum(Reshape(x, {-1}), 0); }
Var MeanAll(const Var &x) { return Mean(Reshape(x, {-1}), 0); }
Var Softmax(const Var &x, int axis) { return SoftmaxImpl(x, axis, false); }
Var LogSoftmax(const Var &x, int axis) { return SoftmaxImpl(x, axis, true); }

}  // namespace voxtools

// src/nnet/ops/norm.cc
// Layer, group and batch norm share one kernel: normalise blocks of `size` elements with
// stride pattern (outer, n, inner) -> statistics per (outer-or-inner) slot, then an affine map
// per channel. Their backward is the usual
//   gx = rstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat)),  gxhat = gy * weight,
// with means over the same blocks.
#include "nnet/ops/norm.h"

#include <cmath>
#include <vector>

#include "matrix/cpu-math.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/kernels.h"
#include "nnet/ops/reduce.h"
#include "nnet/ops/shape.h"

namespace voxtools {
namespace {

// Statistics are per "set": x viewed as (outer, sets, inner), set j holds x[o, j, i] for all
// o, i. LayerNorm: (1, rows, D); GroupNorm: (1, N * G, (C / G) * L); BatchNorm: (N, C, L).
struct Layout {
  int64_t outer, sets, inner;
};

// mean and 1/sqrt(var + eps) per set (biased variance), in double.
void SetStats(const float *x, const Layout &l, float eps, std::vector<double> *mean,
              std::vector<double> *rstd, std::vector<double> *var_out = nullptr) {
  mean->assign(l.sets, 0.0);
  rstd->assign(l.sets, 0.0);
  std::vector<double> sq(l.sets, 0.0);
  const double count = static_cast<double>(l.outer * l.inner);
  ParallelFor(l.sets, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t j = s0; j < s1; j++) {
      // Float partial sums over 16 lanes per contiguous run, combined in double.
      double s = 0;
      for (int64_t o = 0; o < l.outer; o++) s += RowSum(x + (o * l.sets + j) * l.inner, l.inner);
      const double m = s / count;
      double v = 0;
      for (int64_t o = 0; o < l.outer; o++)
        v += RowSumSquaredDeviation(x + (o * l.sets + j) * l.inner, l.inner,
                                    static_cast<float>(m));
      (*mean)[j] = m;
      sq[j] = v / count;
      (*rstd)[j] = 1.0 / std::sqrt(v / count + eps);
    }
  });
  if (var_out) *var_out = sq;
}

enum class NormKind { kLayer, kGroup, kBatch };

struct NormSpec {
  NormKind kind;
  Layout layout;        // statistics layout
  int64_t channels;     // weight/bias length
  int64_t chan_inner;   // element index e -> channel (e / chan_inner) % channels
};

int64_t Channel(const NormSpec &s, int64_t e) { return (e / s.chan_inner) % s.channels; }

// Calls fn(e, n, c) for the runs of elements [begin, begin + length) that share channel c;
// for layer norm (the channel is the position in the row) one call with c = -1.
template <class F>
void ForRuns(const NormSpec &s, int64_t begin, int64_t length, F fn) {
  if (s.chan_inner == 1 && length == s.channels) {
    fn(begin, length, int64_t{-1});
    return;
  }
  for (int64_t i = 0; i < length;) {
    const int64_t e = begin + i;
    const int64_t run = std::min(length - i, s.chan_inner - e % s.chan_inner);
    fn(e, run, Channel(s, e));
    i += run;
  }
}

class NormNode : public Node {
 public:
  NormNode(NormSpec spec, const Var &x, const Var &w, const Var &b, std::vector<double> mean,
           std::vector<double> rstd)
      : Node({x, w, b}), spec_(spec), mean_(std::move(mean)), rstd_(std::move(rstd)) {}
  const char *Name() const override {
    return spec_.kind == NormKind::kLayer ? "LayerNorm"
                                          : spec_.kind == NormKind::kGroup ? "GroupNorm" : "BatchNorm";
  }
  void Backward(const Tensor &gy) override {
    const Tensor &x = inputs_[0].value();
    const float *px = x.Data(), *pg = gy.Data();
    const float *pw = inputs_[1].Defined() ? inputs_[1].value().Data() : nullptr;
    const Layout &l = spec_.layout;
    const double count = static_cast<double>(l.outer * l.inner);
    Tensor gx = Tensor::Empty(x.shape());
    float *po = gx.Data();
    // Per set: m1 = mean(gxhat), m2 = mean(gxhat xhat), then gx; gxhat = gy * weight[channel].
    ParallelFor(l.sets, 1, [&](int64_t s0, int64_t s1) {
      for (int64_t j = s0; j < s1; j++) {
        const float mean = static_cast<float>(mean_[j]), rstd = static_cast<float>(rstd_[j]);
        double m1 = 0, m2 = 0;
        for (int64_t o = 0; o < l.outer; o++)
          ForRuns(spec_, (o * l.sets + j) * l.inner, l.inner, [&](int64_t e, int64_t n, int64_t c) {
            for (int64_t k = 0; k < n; k++) {
              const float w = pw ? pw[c < 0 ? k : c] : 1.0f;
              const float gxhat = pg[e + k] * w;
              m1 += gxhat;
              m2 += gxhat * (px[e + k] - mean) * rstd;
            }
          });
        const float f1 = static_cast<float>(m1 / count), f2 = static_cast<float>(m2 / count);
        for (int64_t o = 0; o < l.outer; o++)
          ForRuns(spec_, (o * l.sets + j) * l.inner, l.inner, [&](int64_t e, int64_t n, int64_t c) {
            for (int64_t k = 0; k < n; k++) {
              const float w = pw ? pw[c < 0 ? k : c] : 1.0f;
              const float xhat = (px[e + k] - mean) * rstd;
              po[e + k] = rstd * (pg[e + k] * w - f1 - xhat * f2);
            }
          });
      }
    });
    if (NeedsGrad(0)) inputs_[0].AccumulateGrad(gx);
    const bool want_w = inputs_[1].Defined() && NeedsGrad(1);
    const bool want_b = inputs_[2].Defined() && NeedsGrad(2);
    if (!want_w && !want_b) return;
    std::vector<double> gw(spec_.channels, 0.0), gb(spec_.channels, 0.0);
    for (int64_t o = 0; o < l.outer; o++)
      for (int64_t j = 0; j < l.sets; j++) {
        const float mean = static_cast<float>(mean_[j]), rstd = static_cast<float>(rstd_[j]);
        ForRuns(spec_, (o * l.sets + j) * l.inner, l.inner, [&](int64_t e, int64_t n, int64_t c) {
          if (c < 0) {
            for (int64_t k = 0; k < n; k++) {
              gw[k] += pg[e + k] * (px[e + k] - mean) * rstd;
              gb[k] += pg[e + k];
            }
            return;
          }
          double sw = 0, sb = 0;
          for (int64_t k = 0; k < n; k++) {
            sw += pg[e + k] * (px[e + k] - mean) * rstd;
            sb += pg[e + k];
          }
          gw[c] += sw;
          gb[c] += sb;
        });
      }
    auto to_tensor = [&](const std::vector<double> &v) {
      Tensor t = Tensor::Empty({spec_.channels});
      for (int64_t c = 0; c < spec_.channels; c++) t.Data()[c] = static_cast<float>(v[c]);
      return t;
    };
    if (want_w) inputs_[1].AccumulateGrad(to_tensor(gw));
    if (want_b) inputs_[2].AccumulateGrad(to_tensor(gb));
  }

 private:
  NormSpec spec_;
  std::vector<double> mean_, rstd_;
};

void CheckAffine(const Var &p, int64_t channels, const char *what, const Shape &x) {
  if (p.Defined() && (p.Rank() != 1 || p.Dim(0) != channels))
    VOX_ERR << what << " of shape " << p.shape().ToString() << " for input " << x.ToString()
            << " (expected (" << channels << "))";
}

// y = (x - mean) * rstd * w + b on row r of the (outer * sets, inner) view, set r % sets.
void ApplyRow(const NormSpec &spec, int64_t r, float m, float s, const float *px,
              const float *pw, const float *pb, float *py) {
  const Layout &l = spec.layout;
  const int64_t base = r * l.inner;
  const float *xr = px + base;
  float *yr = py + base;
  if (spec.chan_inner == 1 && l.inner == spec.channels) {
    // Layer norm: the channel is the position in the row.
    for (int64_t i = 0; i < l.inner; i++)
      yr[i] = (xr[i] - m) * s * (pw ? pw[i] : 1.0f) + (pb ? pb[i] : 0.0f);
    return;
  }
  // Group/batch norm: runs of chan_inner elements share a channel.
  for (int64_t i = 0; i < l.inner;) {
    const int64_t c = Channel(spec, base + i);
    const int64_t run = std::min(l.inner - i, spec.chan_inner - (base + i) % spec.chan_inner);
    const float a = s * (pw ? pw[c] : 1.0f), b0 = (pb ? pb[c] : 0.0f) - m * a;
    for (int64_t k = i; k < i + run; k++) yr[k] = xr[k] * a + b0;
    i += run;
  }
}

// y = (x - mean) * rstd * w + b with given per-set statistics.
Var ApplyNorm(const NormSpec &spec, const Var &x, const Var &w, const Var &b,
              std::vector<double> mean, std::vector<double> rstd, bool record) {
  const Layout &l = spec.layout;
  Tensor y = Tensor::Empty(x.shape());
  const float *px = x.value().Data();
  const float *pw = w.Defined() ? w.value().Data() : nullptr;
  const float *pb = b.Defined() ? b.value().Data() : nullptr;
  ParallelFor(l.outer * l.sets, std::max<int64_t>(1, kernels::kGrain / std::max<int64_t>(l.inner, 1)),
              [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++)
      ApplyRow(spec, r, static_cast<float>(mean[r % l.sets]), static_cast<float>(rstd[r % l.sets]),
               px, pw, pb, y.Data());
  });
  if (!record) return Var(y);
  return Record(y, std::make_shared<NormNode>(spec, x, w, b, std::move(mean), std::move(rstd)));
}

// Layer and group norm, whose sets are contiguous rows (outer == 1): each row's statistics and
// output in one visit, while the row is in cache (wav2vec2's first-layer group norm: rows of
// 12 KB, a 26 MB tensor read once instead of three times).
Var NormalizeRows(const NormSpec &spec, const Var &x, const Var &w, const Var &b, float eps) {
  const Layout &l = spec.layout;
  Tensor y = Tensor::Empty(x.shape());
  const float *px = x.value().Data();
  const float *pw = w.Defined() ? w.value().Data() : nullptr;
  const float *pb = b.Defined() ? b.value().Data() : nullptr;
  std::vector<double> mean(l.sets), rstd(l.sets);
  ParallelFor(l.sets, std::max<int64_t>(1, kernels::kGrain / std::max<int64_t>(l.inner, 1)),
              [&](int64_t s0, int64_t s1) {
    for (int64_t j = s0; j < s1; j++) {
      // As SetStats: float partial sums over 16 lanes, combined in double.
      const float *row = px + j * l.inner;
      const double m = RowSum(row, l.inner) / static_cast<double>(l.inner);
      const double v = RowSumSquaredDeviation(row, l.inner, static_cast<float>(m)) /
                       static_cast<double>(l.inner);
      mean[j] = m;
      rstd[j] = 1.0 / std::sqrt(v + eps);
      ApplyRow(spec, j, static_cast<float>(m), static_cast<float>(rstd[j]), px, pw, pb, y.Data());
    }
  });
  if (!ShouldRecord({&x, &w, &b})) return Var(y);
  return Record(y, std::make_shared<NormNode>(spec, x, w, b, std::move(mean), std::move(rstd)));
}

}  // namespace

Var LayerNorm(const Var &x, const Var &weight, const Var &bias, float eps) {
  const int64_t d = x.Dim(-1);
  CheckAffine(weight, d, "LayerNorm weight", x.shape());
  CheckAffine(bias, d, "LayerNorm bias", x.shape());
  NormSpec spec{NormKind::kLayer, {1, x.NumElements() / std::max<int64_t>(d, 1), d}, d, 1};
  return NormalizeRows(spec, x, weight, bias, eps);
}

Var GroupNorm(const Var &x, int64_t groups, const Var &weight, const Var &bias, float eps) {
  if (x.Rank() < 2 || groups <= 0 || x.Dim(1) % groups != 0)
    VOX_ERR << "GroupNorm: " << groups << " groups for input " << x.shape().ToString();
  const int64_t n = x.Dim(0), c = x.Dim(1), spatial = x.NumElements() / std::max<int64_t>(n * c, 1);
  CheckAffine(weight, c, "GroupNorm weight", x.shape());
  CheckAffine(bias, c, "GroupNorm bias", x.shape());
  NormSpec spec{NormKind::kGroup, {1, n * groups, (c / groups) * spatial}, c, spatial};
  return NormalizeRows(spec, x, weight, bias, eps);
}

namespace {

// GroupNorm over each row's first lengths[n] positions of x (N, C, L). Statistics per
// (row, group) set s = n * G + g, over the group's channels and the valid positions.
class LengthGroupNormNode : public Node {
 public:
  LengthGroupNormNode(const Var &x, const Var &w, const Var &b, int64_t groups,
                      std::vector<int64_t> lengths, std::vector<double> mean,
                      std::vector<double> rstd)
      : Node({x, w, b}), groups_(groups), lengths_(std::move(lengths)), mean_(std::move(mean)),
        rstd_(std::move(rstd)) {}
  const char *Name() const override { return "GroupNorm"; }
  // Within a set, as NormNode: gx = rstd (gxhat - mean(gxhat) - xhat mean(gxhat xhat)) on
  // valid positions; padded positions fed nothing forward and get 0.
  void Backward(const Tensor &gy) override {
    const Tensor &x = inputs_[0].value();
    const int64_t n = x.Dim(0), c = x.Dim(1), len = x.Dim(2), cg = c / groups_;
    const float *px = x.Data(), *pg = gy.Data();
    const float *pw = inputs_[1].Defined() ? inputs_[1].value().Data() : nullptr;
    if (NeedsGrad(0)) {
      Tensor gx(x.shape());
      float *po = gx.Data();
      ParallelFor(n * groups_, 1, [&](int64_t s0, int64_t s1) {
        for (int64_t s = s0; s < s1; s++) {
          const int64_t r = s / groups_, g = s % groups_, valid = lengths_[r];
          const float mean = static_cast<float>(mean_[s]), rstd = static_cast<float>(rstd_[s]);
          double m1 = 0, m2 = 0;
          for (int64_t ch = g * cg; ch < (g + 1) * cg; ch++) {
            const float w = pw ? pw[ch] : 1.0f;
            const float *xr = px + (r * c + ch) * len, *gr = pg + (r * c + ch) * len;
            for (int64_t i = 0; i < valid; i++) {
              const float gxhat = gr[i] * w;
              m1 += gxhat;
              m2 += gxhat * (xr[i] - mean) * rstd;
            }
          }
          const double count = static_cast<double>(cg * valid);
          const float f1 = static_cast<float>(m1 / count), f2 = static_cast<float>(m2 / count);
          for (int64_t ch = g * cg; ch < (g + 1) * cg; ch++) {
            const float w = pw ? pw[ch] : 1.0f;
            const int64_t base = (r * c + ch) * len;
            for (int64_t i = 0; i < valid; i++) {
              const float xhat = (px[base + i] - mean) * rstd;
              po[base + i] = rstd * (pg[base + i] * w - f1 - xhat * f2);
            }
          }
        }
      });
      inputs_[0].AccumulateGrad(gx);
    }
    const bool want_w = inputs_[1].Defined() && NeedsGrad(1);
    const bool want_b = inputs_[2].Defined() && NeedsGrad(2);
    if (!want_w && !want_b) return;
    Tensor gw = Tensor::Empty({c}), gb = Tensor::Empty({c});
    ParallelFor(c, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t ch = c0; ch < c1; ch++) {
        double sw = 0, sb = 0;
        for (int64_t r = 0; r < n; r++) {
          const int64_t s = r * groups_ + ch / cg;
          const float mean = static_cast<float>(mean_[s]), rstd = static_cast<float>(rstd_[s]);
          const float *xr = px + (r * c + ch) * len, *gr = pg + (r * c + ch) * len;
          for (int64_t i = 0; i < lengths_[r]; i++) {
            sw += gr[i] * (xr[i] - mean) * rstd;
            sb += gr[i];
          }
        }
        gw.Data()[ch] = static_cast<float>(sw);
        gb.Data()[ch] = static_cast<float>(sb);
      }
    });
    if (want_w) inputs_[1].AccumulateGrad(gw);
    if (want_b) inputs_[2].AccumulateGrad(gb);
  }

 private:
  int64_t groups_;
  std::vector<int64_t> lengths_;
  std::vector<double> mean_, rstd_;
};

}  // namespace

Var GroupNorm(const Var &x, int64_t groups, const Var &weight, const Var &bias,
              const std::vector<int64_t> &lengths, float eps) {
  if (x.Rank() != 3 || groups <= 0 || x.Dim(1) % groups != 0)
    VOX_ERR << "GroupNorm with lengths: " << groups << " groups for input "
            << x.shape().ToString() << " (expected (N, C, L), C a multiple of the groups)";
  const int64_t n = x.Dim(0), c = x.Dim(1), len = x.Dim(2), cg = c / groups;
  if (static_cast<int64_t>(lengths.size()) != n)
    VOX_ERR << "GroupNorm: " << lengths.size() << " lengths for input " << x.shape().ToString();
  for (int64_t r = 0; r < n; r++)
    if (lengths[r] < 1 || lengths[r] > len)
      VOX_ERR << "GroupNorm: length " << lengths[r] << " of row " << r << " is outside 1.."
              << len;
  CheckAffine(weight, c, "GroupNorm weight", x.shape());
  CheckAffine(bias, c, "GroupNorm bias", x.shape());
  const float *px = x.value().Data();
  const float *pw = weight.Defined() ? weight.value().Data() : nullptr;
  const float *pb = bias.Defined() ? bias.value().Data() : nullptr;
  // Per set, as SetStats does for a contiguous row: float partial sums per channel run,
  // combined in double (so a set of one channel sums exactly as GroupNorm of the slice).
  std::vector<double> mean(n * groups), rstd(n * groups);
  Tensor y(x.shape());
  float *py = y.Data();
  ParallelFor(n * groups, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; s++) {
      const int64_t r = s / groups, g = s % groups, valid = lengths[r];
      const double count = static_cast<double>(cg * valid);
      double sum = 0;
      for (int64_t ch = g * cg; ch < (g + 1) * cg; ch++)
        sum += RowSum(px + (r * c + ch) * len, valid);
      const double m = sum / count;
      double v = 0;
      for (int64_t ch = g * cg; ch < (g + 1) * cg; ch++)
        v += RowSumSquaredDeviation(px + (r * c + ch) * len, valid, static_cast<float>(m));
      mean[s] = m;
      rstd[s] = 1.0 / std::sqrt(v / count + eps);
      const float mf = static_cast<float>(m), sf = static_cast<float>(rstd[s]);
      for (int64_t ch = g * cg; ch < (g + 1) * cg; ch++) {
        const float a = sf * (pw ? pw[ch] : 1.0f), b0 = (pb ? pb[ch] : 0.0f) - mf * a;
        const float *xr = px + (r * c + ch) * len;
        float *yr = py + (r * c + ch) * len;
        for (int64_t i = 0; i < valid; i++) yr[i] = xr[i] * a + b0;
      }
    }
  });
  if (!ShouldRecord({&x, &weight, &bias})) return Var(y);
  return Record(y, std::make_shared<LengthGroupNormNode>(x, weight, bias, groups, lengths,
                                                         std::move(mean), std::move(rstd)));
}

Var BatchNorm(const Var &x, const Var &weight, const Var &bias, Var *running_mean,
              Var *running_var, bool training, float momentum, float eps) {
  if (x.Rank() < 2) VOX_ERR << "BatchNorm of " << x.shape().ToString();
  const int64_t n = x.Dim(0), c = x.Dim(1), spatial = x.NumElements() / std::max<int64_t>(n * c, 1);
  CheckAffine(weight, c, "BatchNorm weight", x.shape());
  CheckAffine(bias, c, "BatchNorm bias", x.shape());
  CheckAffine(*running_mean, c, "BatchNorm running_mean", x.shape());
  CheckAffine(*running_var, c, "BatchNorm running_var", x.shape());
  NormSpec spec{NormKind::kBatch, {n, c, spatial}, c, spatial};
  std::vector<double> mean, rstd, var;
  if (training) {
    const double count = static_cast<double>(n * spatial);
    if (count <= 1) VOX_ERR << "BatchNorm training needs more than one value per channel, got "
                            << x.shape().ToString();
    SetStats(x.value().Data(), spec.layout, eps, &mean, &rstd, &var);
    float *rm = running_mean->MutableValue().Data(), *rv = running_var->MutableValue().Data();
    for (int64_t j = 0; j < c; j++) {
      rm[j] = static_cast<float>((1.0 - momentum) * rm[j] + momentum * mean[j]);
      rv[j] = static_cast<float>((1.0 - momentum) * rv[j] + momentum * var[j] * count / (count - 1));
    }
    return ApplyNorm(spec, x, weight, bias, std::move(mean), std::move(rstd),
                     ShouldRecord({&x, &weight, &bias}));
  }
  // Evaluation: a fixed per-channel affine map, differentiated as such (batch statistics do
  // not depend on x), so the composed ops give its gradient.
  std::vector<int64_t> dims(x.Rank(), 1);
  dims[1] = c;
  Tensor scale = Tensor::Empty(Shape(dims)), shift = Tensor::Empty(Shape(dims));
  const float *rm = running_mean->value().Data(), *rv = running_var->value().Data();
  for (int64_t j = 0; j < c; j++) {
    const float s = 1.0f / std::sqrt(rv[j] + eps);
    scale.Data()[j] = s;
    shift.Data()[j] = -rm[j] * s;
  }
  Var y = Add(Mul(x, Var(scale)), Var(shift));
  if (weight.Defined()) y = Mul(y, Reshape(weight, dims));
  if (bias.Defined()) y = Add(y, Reshape(bias, dims));
  return y;
}

namespace {

class WeightNormNode : public Node {
 public:
  WeightNormNode(const Var &v, const Var &g, int dim, std::vector<double> norm)
      : Node({v, g}), dim_(dim), norm_(std::move(norm)) {}
  const char *Name() const override { return "WeightNorm"; }
  // w = g v / n:  dL/dg_k = sum(gw v)_k / n_k,  dL/dv = g_k / n_k (gw - v sum(gw v)_k / n_k^2).
  void Backward(const Tensor &gw) override {
    const Tensor &v = inputs_[0].value(), &g = inputs_[1].value();
    int64_t outer, n, inner;
    kernels::AxisView(v.shape(), dim_, &outer, &n, &inner);
    std::vector<double> dot(n, 0.0);
    const float *pv = v.Data(), *pg = gw.Data();
    for (int64_t o = 0; o < outer; o++)
      for (int64_t k = 0; k < n; k++)
        for (int64_t i = 0; i < inner; i++) {
          const int64_t e = (o * n + k) * inner + i;
          dot[k] += double(pg[e]) * pv[e];
        }
    if (NeedsGrad(0)) {
      Tensor gv = Tensor::Empty(v.shape());
      for (int64_t o = 0; o < outer; o++)
        for (int64_t k = 0; k < n; k++)
          for (int64_t i = 0; i < inner; i++) {
            const int64_t e = (o * n + k) * inner + i;
            gv.Data()[e] = static_cast<float>(g.Data()[k] / norm_[k] *
                                              (pg[e] - pv[e] * dot[k] / (norm_[k] * norm_[k])));
          }
      inputs_[0].AccumulateGrad(gv);
    }
    if (NeedsGrad(1)) {
      Tensor gg = Tensor::Empty(g.shape());
      for (int64_t k = 0; k < n; k++) gg.Data()[k] = static_cast<float>(dot[k] / norm_[k]);
      inputs_[1].AccumulateGrad(gg);
    }
  }

 private:
  int dim_;
  std::vector<double> norm_;
};

}  // namespace

Var WeightNorm(const Var &v, const Var &g, int dim) {
  const int d = v.shape().Axis(dim);
  int64_t outer, n, inner;
  kernels::AxisView(v.shape(), d, &outer, &n, &inner);
  if (g.NumElements() != n || g.Rank() != v.Rank() || g.Dim(d) != n)
    VOX_ERR << "WeightNorm: g " << g.shape().ToString() << " for v " << v.shape().ToString()
            << " along dim " << dim;
  std::vector<double> norm(n, 0.0);
  const float *pv = v.value().Data(), *pg = g.value().Data();
  for (int64_t o = 0; o < outer; o++)
    for (int64_t k = 0; k < n; k++)
      for (int64_t i = 0; i < inner; i++) {
        const double x = pv[(o * n + k) * inner + i];
        norm[k] += x * x;
      }
  for (double &x : norm) x = std::sqrt(x);
  Tensor w = Tensor::Empty(v.shape());
  for (int64_t o = 0; o < outer; o++)
    for (int64_t k = 0; k < n; k++) {
      const float s = static_cast<float>(pg[k] / norm[k]);
      for (int64_t i = 0; i < inner; i++) {
        const int64_t e = (o * n + k) * inner + i;
        w.Data()[e] = pv[e] * s;
      }
    }
  if (!ShouldRecord({&v, &g})) return Var(w);
  return Record(w, std::make_shared<WeightNormNode>(v, g, d, std::move(norm)));
}

Var L2Normalize(const Var &x, int axis, float eps) {
  return Div(x, ClampMin(Sqrt(Sum(Square(x), axis, true)), eps));
}

Var CosineSimilarity(const Var &a, const Var &b, int axis, float eps) {
  Var dot = Sum(Mul(a, b), axis);
  Var norms = Mul(Sum(Square(a), axis), Sum(Square(b), axis));
  return Div(dot, Sqrt(ClampMin(norms, eps * eps)));
}

}  // namespace voxtools

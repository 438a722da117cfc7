// src/nnet/ops/conv-time-first.cc
// Conv1d on time-first (N, L, C) tensors, the layout transformers keep their frames in.
// No patch matrix: tap k of output frame t reads input row r = stride t - padding + dilation k,
// and the rows of consecutive outputs lie `stride` rows apart, so for one sample, group and
// tap they form a matrix with row stride stride * Cin that a GEMM reads in place:
//   y[t, o] += sum_c x[r, c] wt[k][o][c],   wt[k][o][c] = w[o][c][k] (re-laid once per call).
// (One GEMM over all taps would need overlapping rows, which cblas rejects: lda < columns.)
// Channels-first im2col writes and re-reads Cin K values per output frame; this reads the
// input as it is (wav2vec2's second layer: 25-30% less time on the same GEMMs).
// A layer with few input channels per group (wav2vec2's first: 1 channel, 10 taps) would make
// GEMMs of depth 1; there the patches are gathered into (Lout, Cin/g K) rows (kGatherBelow).
#include <algorithm>
#include <cstring>

#include "matrix/gemm.h"
#include "matrix/thread-pool.h"
#include "nnet/ops/conv.h"
#include "nnet/ops/kernels.h"

namespace voxtools {
namespace {

// Groups of fewer input channels than this are gathered (one GEMM of depth Cin/g K); wider
// ones run one GEMM per tap of depth Cin/g.
constexpr int64_t kGatherBelow = 16;

struct TimeFirstGeom {
  int64_t n, l, cin, cout, k, lout, groups, stride, pad, dil;
  int64_t CinG() const { return cin / groups; }
  int64_t CoutG() const { return cout / groups; }
  bool Gather() const { return CinG() < kGatherBelow; }
  // Input row of output frame t at tap j (may lie in the zero padding).
  int64_t Row(int64_t t, int64_t j) const { return stride * t - pad + dil * j; }
  // Output frames [*lo, *hi) whose tap-j row lies inside the input.
  void TapRange(int64_t j, int64_t *lo, int64_t *hi) const {
    const int64_t off = dil * j - pad;
    *lo = std::min(lout, off >= 0 ? 0 : (-off + stride - 1) / stride);
    *hi = std::max(*lo, std::min(lout, l - 1 - off >= 0 ? (l - 1 - off) / stride + 1 : 0));
  }
};

// wt[j][o][c] = w[o][c][j]: the weights of tap j as a (Cout, Cin/g) matrix.
Tensor WeightsByTap(const TimeFirstGeom &g, const float *w) {
  const int64_t cing = g.CinG();
  Tensor wt = Tensor::Empty({g.k, g.cout, cing});
  float *dst = wt.Data();
  ParallelFor(g.cout, std::max<int64_t>(1, kernels::kGrain / (cing * g.k)),
              [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++)
      for (int64_t c = 0; c < cing; c++)
        for (int64_t j = 0; j < g.k; j++)
          dst[(j * g.cout + o) * cing + c] = w[(o * cing + c) * g.k + j];
  });
  return wt;
}

// p[t - t0][c K + j] = x[Row(t, j)][c] for frames [t0, t1) of group gr of one sample (0 in
// the padding): the layout of a weight row, so y_g = p w_g^T needs no re-laid weights.
void GatherPatches(const TimeFirstGeom &g, const float *xs, int64_t gr, int64_t t0, int64_t t1,
                   float *p) {
  const int64_t cing = g.CinG(), width = cing * g.k;
  for (int64_t t = t0; t < t1; t++)
    for (int64_t j = 0; j < g.k; j++) {
      const int64_t r = g.Row(t, j);
      const bool inside = r >= 0 && r < g.l;
      const float *src = xs + r * g.cin + gr * cing;
      for (int64_t c = 0; c < cing; c++) p[(t - t0) * width + c * g.k + j] = inside ? src[c] : 0.0f;
    }
}

// The adjoint of GatherPatches: dx rows += the patches' gradients.
void ScatterPatchesAdd(const TimeFirstGeom &g, const float *gp, int64_t gr, float *gxs) {
  const int64_t cing = g.CinG(), width = cing * g.k;
  // Serial over t: with stride < K, frames share input rows.
  for (int64_t t = 0; t < g.lout; t++)
    for (int64_t j = 0; j < g.k; j++) {
      const int64_t r = g.Row(t, j);
      if (r < 0 || r >= g.l) continue;
      float *dst = gxs + r * g.cin + gr * cing;
      for (int64_t c = 0; c < cing; c++) dst[c] += gp[t * width + c * g.k + j];
    }
}

class ConvTimeFirstNode : public Node {
 public:
  ConvTimeFirstNode(const TimeFirstGeom &g, const Var &x, const Var &w, const Var &b,
                    Tensor wt)
      : Node({x, w, b}), g_(g), wt_(std::move(wt)) {}
  const char *Name() const override { return "Conv1dTimeFirst"; }
  void Backward(const Tensor &gy) override {
    const TimeFirstGeom &g = g_;
    const int64_t cing = g.CinG(), coutg = g.CoutG(), width = cing * g.k;
    const float *px = inputs_[0].value().Data(), *pw = inputs_[1].value().Data();
    Tensor gx, gw;
    if (NeedsGrad(0)) gx = Tensor(inputs_[0].shape());
    // Gathered: gw directly in w's layout; by tap: gwt[j][o][c], re-laid at the end.
    if (NeedsGrad(1)) gw = g.Gather() ? Tensor(inputs_[1].shape()) : Tensor({g.k, g.cout, cing});
    Tensor p = g.Gather() ? Tensor::Empty({g.lout * width}) : Tensor();
    for (int64_t s = 0; s < g.n; s++) {
      const float *xs = px + s * g.l * g.cin, *gys = gy.Data() + s * g.lout * g.cout;
      for (int64_t gr = 0; gr < g.groups; gr++) {
        const float *gyg = gys + gr * coutg;
        if (g.Gather()) {
          if (NeedsGrad(1)) {
            GatherPatches(g, xs, gr, 0, g.lout, p.Data());
            Sgemm(Trans::kYes, Trans::kNo, coutg, width, g.lout, 1.0f, gyg, g.cout, p.Data(),
                  width, 1.0f, gw.Data() + gr * coutg * width, width);
          }
          if (NeedsGrad(0)) {
            Sgemm(Trans::kNo, Trans::kNo, g.lout, width, coutg, 1.0f, gyg, g.cout,
                  pw + gr * coutg * width, width, 0.0f, p.Data(), width);
            ScatterPatchesAdd(g, p.Data(), gr, gx.Data() + s * g.l * g.cin);
          }
          continue;
        }
        for (int64_t j = 0; j < g.k; j++) {
          int64_t lo, hi;
          g.TapRange(j, &lo, &hi);
          if (lo == hi) continue;
          const int64_t row = g.Row(lo, j) * g.cin + gr * cing, ld = g.stride * g.cin;
          const float *gyt = gyg + lo * g.cout;
          if (NeedsGrad(1))
            Sgemm(Trans::kYes, Trans::kNo, coutg, cing, hi - lo, 1.0f, gyt, g.cout, xs + row, ld,
                  1.0f, gw.Data() + (j * g.cout + gr * coutg) * cing, cing);
          if (NeedsGrad(0))
            Sgemm(Trans::kNo, Trans::kNo, hi - lo, cing, coutg, 1.0f, gyt, g.cout,
                  wt_.Data() + (j * g.cout + gr * coutg) * cing, cing, 1.0f,
                  gx.Data() + s * g.l * g.cin + row, ld);
        }
      }
    }
    if (NeedsGrad(0)) inputs_[0].AccumulateGrad(gx);
    if (NeedsGrad(1)) {
      if (!g.Gather()) {
        Tensor w = Tensor::Empty(inputs_[1].shape());
        for (int64_t o = 0; o < g.cout; o++)
          for (int64_t c = 0; c < cing; c++)
            for (int64_t j = 0; j < g.k; j++)
              w.Data()[(o * cing + c) * g.k + j] = gw.Data()[(j * g.cout + o) * cing + c];
        gw = w;
      }
      inputs_[1].AccumulateGrad(gw);
    }
    if (inputs_[2].Defined() && NeedsGrad(2))
      inputs_[2].AccumulateGrad(kernels::SumToShape(gy, Shape{g.cout}));
  }

 private:
  TimeFirstGeom g_;
  Tensor wt_;  // WeightsByTap (undefined when gathering)
};

}  // namespace

Var Conv1dTimeFirst(const Var &x, const Var &weight, const Var &bias, const Conv1dOptions &o) {
  if (x.Rank() != 3 || weight.Rank() != 3 || o.groups <= 0 ||
      weight.Dim(1) * o.groups != x.Dim(2) || weight.Dim(0) % o.groups != 0)
    VOX_ERR << "Conv1dTimeFirst: input " << x.shape().ToString() << " (N, L, Cin), weight "
            << weight.shape().ToString() << " (Cout, Cin / groups, K), groups " << o.groups;
  if (bias.Defined() && (bias.Rank() != 1 || bias.Dim(0) != weight.Dim(0)))
    VOX_ERR << "Conv1dTimeFirst: bias " << bias.shape().ToString() << " for " << weight.Dim(0)
            << " channels";
  const int64_t span = o.dilation * (weight.Dim(2) - 1) + 1;
  if (o.stride <= 0 || o.dilation <= 0 || o.padding < 0 || x.Dim(1) + 2 * o.padding < span)
    VOX_ERR << "Conv1dTimeFirst: input length " << x.Dim(1) << " (padding " << o.padding
            << ") shorter than the kernel span " << span << ", or a bad stride/dilation";
  TimeFirstGeom g{x.Dim(0), x.Dim(1), x.Dim(2), weight.Dim(0), weight.Dim(2), 0, o.groups,
                  o.stride, o.padding, o.dilation};
  g.lout = (g.l + 2 * g.pad - span) / g.stride + 1;
  const int64_t cing = g.CinG(), coutg = g.CoutG(), width = cing * g.k;
  const float *px = x.value().Data(), *pw = weight.value().Data();
  const float *pb = bias.Defined() ? bias.value().Data() : nullptr;

  Tensor y = Tensor::Empty({g.n, g.lout, g.cout});
  // Every tap covers every output frame unless there is padding; then (or with a bias, or
  // gathering) y starts as the bias rows and every GEMM adds (beta = 1), else the first tap
  // writes.
  bool full = true;
  for (int64_t j = 0; j < g.k && full; j++) {
    int64_t lo, hi;
    g.TapRange(j, &lo, &hi);
    full = lo == 0 && hi == g.lout;
  }
  const bool preset = pb || !full || g.Gather();
  Tensor wt = g.Gather() ? Tensor() : WeightsByTap(g, pw);
  // Work items of consecutive output frames of one sample, on our threads with OpenBLAS at
  // one thread each: OpenBLAS's own split of these tall, narrow products scales poorly
  // (wav2vec2's third layer, 799 x 512 x 512 per tap: no faster on 2 threads than on 1).
  const int64_t per_sample = std::max<int64_t>(
      1, std::min((GetNumThreads() + g.n - 1) / g.n, g.lout / 64));
  const int64_t chunk = (g.lout + per_sample - 1) / per_sample;
  ParallelForSerialBlas(g.n * per_sample, 1, [&](int64_t i0, int64_t i1) {
    Tensor p = g.Gather() ? Tensor::Empty({chunk * width}) : Tensor();
    for (int64_t item = i0; item < i1; item++) {
      const int64_t s = item / per_sample, t0 = item % per_sample * chunk;
      const int64_t t1 = std::min(g.lout, t0 + chunk);
      const float *xs = px + s * g.l * g.cin;
      float *ys = y.Data() + s * g.lout * g.cout;
      if (preset)
        for (int64_t t = t0; t < t1; t++)
          for (int64_t c = 0; c < g.cout; c++) ys[t * g.cout + c] = pb ? pb[c] : 0.0f;
      for (int64_t gr = 0; gr < g.groups; gr++) {
        if (g.Gather()) {
          GatherPatches(g, xs, gr, t0, t1, p.Data());
          Sgemm(Trans::kNo, Trans::kYes, t1 - t0, coutg, width, 1.0f, p.Data(), width,
                pw + gr * coutg * width, width, 1.0f, ys + t0 * g.cout + gr * coutg, g.cout);
          continue;
        }
        for (int64_t j = 0; j < g.k; j++) {
          int64_t lo, hi;
          g.TapRange(j, &lo, &hi);
          lo = std::max(lo, t0), hi = std::min(hi, t1);
          if (lo >= hi) continue;
          Sgemm(Trans::kNo, Trans::kYes, hi - lo, coutg, cing, 1.0f,
                xs + g.Row(lo, j) * g.cin + gr * cing, g.stride * g.cin,
                wt.Data() + (j * g.cout + gr * coutg) * cing, cing,
                preset || j > 0 ? 1.0f : 0.0f, ys + lo * g.cout + gr * coutg, g.cout);
        }
      }
    }
  });
  if (!ShouldRecord({&x, &weight, &bias})) return Var(y);
  return Record(y, std::make_shared<ConvTimeFirstNode>(g, x, weight, bias, wt));
}

}  // namespace voxtools

// src/nnet/ops/conv-time-first.cc
// Conv1d on time-first (N, L, C) tensors, the layout transformers keep their frames in.
// No patch matrix: tap k of output frame t reads input row r = stride t - padding + dilation k,
// and the rows of consecutive outputs lie `stride` rows apart, so for one sample, group and
// tap they form a matrix with row stride stride * Cin that a GEMM reads in place:
//   y[t, o] += sum_c x[r, c] wt[k][o][c],   wt[k][o][c] = w[o][c][k] (re-laid once per call).
// (One GEMM over all taps would need overlapping rows, which cblas rejects: lda < columns.)
// Channels-first im2col writes and re-reads Cin K values per output frame; this reads the
// input as it is (wav2vec2's second layer, 4 x 1 s: 37-47 ms against 44-61 ms).
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
// Work items of fewer output frames than this run per tap even where ConvPairs applies.
constexpr int64_t kMinPairedFrames = 512;

struct TimeFirstGeom {
  int64_t n, l, cin, cout, k, lout, groups, stride, pad, dil;
  int64_t CinG() const { return cin / groups; }
  int64_t CoutG() const { return cout / groups; }
  bool Gather() const { return CinG() < kGatherBelow; }
  // wav2vec2's layers 1-4: frames in pairs (ConvPairs).
  bool Paired() const {
    return k == 3 && stride == 2 && dil == 1 && pad == 0 && groups == 1 && !Gather();
  }
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
  // Rows (j, o) in parallel, each written contiguously (a strided read of w's row o).
  ParallelFor(g.k * g.cout, std::max<int64_t>(1, kernels::kGrain / cing),
              [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t j = r / g.cout, o = r % g.cout;
      const float *src = w + o * cing * g.k + j;
      float *row = dst + r * cing;
      for (int64_t c = 0; c < cing; c++) row[c] = src[c * g.k];
    }
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

// Frames [t0, t1) (t0 even) of one sample for kernel 3, stride 2, no padding, one group,
// with wt from WeightsByTap and w02 = wt[0] + wt[2]. Frames 2u and 2u + 1 share input row
// 4u + 2 (tap 2 of one, tap 0 of the other), and Winograd's minimal filtering F(2, 2) gives
// both their outer-tap sums with three products instead of four:
//   y[2u]     = W0 (x[4u] - x[4u+2])     + (W0 + W2) x[4u+2] + W1 x[4u+1]
//   y[2u + 1] = W2 (x[4u+4] - x[4u+2])   + (W0 + W2) x[4u+2] + W1 x[4u+3]
// Five Cin x Cout products per pair instead of six (a sixth fewer multiply-adds), for two
// difference rows per pair and a copy of the shared product. Worth it for long items only
// (kMinPairedFrames): on shorter ones the thinner products lose what the sixth saves.
// Rounding: the differences add one rounding of the inputs, well inside float32's usual
// error of such sums.
// beta: 0 to write y, 1 to add to it (y holds the bias).
void ConvPairs(const TimeFirstGeom &g, const float *xs, const float *wt, const float *w02,
               int64_t t0, int64_t t1, float beta, float *ys) {
  const int64_t cin = g.cin, cout = g.cout, pairs = (t1 - t0) / 2;
  const float *w0 = wt, *w1 = wt + cout * cin, *w2 = wt + 2 * cout * cin;
  if (pairs > 0) {
    Tensor d = Tensor::Empty({2, pairs, cin});
    float *d0 = d.Data(), *d2 = d0 + pairs * cin;
    const float *x0 = xs + 2 * t0 * cin;  // pair u's first row, 4u + 2 t0, is x0 + 4 u cin
    for (int64_t u = 0; u < pairs; u++) {
      const float *r = x0 + 4 * u * cin;
      for (int64_t c = 0; c < cin; c++) {
        d0[u * cin + c] = r[c] - r[2 * cin + c];
        d2[u * cin + c] = r[4 * cin + c] - r[2 * cin + c];
      }
    }
    float *even = ys + t0 * cout, *odd = even + cout;  // rows 2 cout apart
    // The shared product first, into the even frames, copied to the odd ones; then the rest
    // adds to each.
    Sgemm(Trans::kNo, Trans::kYes, pairs, cout, cin, 1.0f, x0 + 2 * cin, 4 * cin, w02, cin,
          beta, even, 2 * cout);
    for (int64_t u = 0; u < pairs; u++)
      std::memcpy(odd + 2 * u * cout, even + 2 * u * cout, cout * sizeof(float));
    Sgemm(Trans::kNo, Trans::kYes, pairs, cout, cin, 1.0f, d0, cin, w0, cin, 1.0f, even,
          2 * cout);
    Sgemm(Trans::kNo, Trans::kYes, pairs, cout, cin, 1.0f, x0 + cin, 4 * cin, w1, cin, 1.0f,
          even, 2 * cout);
    Sgemm(Trans::kNo, Trans::kYes, pairs, cout, cin, 1.0f, d2, cin, w2, cin, 1.0f, odd,
          2 * cout);
    Sgemm(Trans::kNo, Trans::kYes, pairs, cout, cin, 1.0f, x0 + 3 * cin, 4 * cin, w1, cin, 1.0f,
          odd, 2 * cout);
  }
  if ((t1 - t0) % 2 == 1) {  // the last frame alone, tap by tap
    const int64_t t = t1 - 1;
    for (int64_t j = 0; j < 3; j++)
      Sgemm(Trans::kNo, Trans::kYes, 1, cout, cin, 1.0f, xs + (2 * t + j) * cin, cin,
            wt + j * cout * cin, cin, j > 0 ? 1.0f : beta, ys + t * cout, cout);
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
  // Every tap covers every output frame unless there is padding; then (or with a bias) y
  // starts as the bias rows and every GEMM adds (beta = 1), else the first GEMM writes.
  // Gathered patches hold the padding's zeros, so one GEMM per group covers every frame.
  bool full = true;
  for (int64_t j = 0; j < g.k && full; j++) {
    int64_t lo, hi;
    g.TapRange(j, &lo, &hi);
    full = lo == 0 && hi == g.lout;
  }
  const bool preset = pb || (!full && !g.Gather());
  Tensor wt = g.Gather() ? Tensor() : WeightsByTap(g, pw);
  // Work items of consecutive output frames of one sample, on our threads with OpenBLAS at
  // one thread each: OpenBLAS's own split of these tall, narrow products scales poorly
  // (wav2vec2's third layer, 799 x 512 x 512 per tap: no faster on 2 threads than on 1).
  const int64_t per_sample = std::max<int64_t>(
      1, std::min((GetNumThreads() + g.n - 1) / g.n, g.lout / 64));
  int64_t chunk = (g.lout + per_sample - 1) / per_sample;
  Tensor w02;
  if (g.Paired()) {
    chunk += chunk % 2;  // items start on even frames
    w02 = Tensor::Empty({g.cout, g.cin});
    const float *w0 = wt.Data(), *w2 = w0 + 2 * g.cout * g.cin;
    kernels::Map2(w0, w2, w02.Data(), g.cout * g.cin, [](float a, float b) { return a + b; });
  }
  ParallelForSerialBlas(g.n * per_sample, 1, [&](int64_t i0, int64_t i1) {
    Tensor p = g.Gather() ? Tensor::Empty({chunk * width}) : Tensor();
    for (int64_t item = i0; item < i1; item++) {
      const int64_t s = item / per_sample, t0 = item % per_sample * chunk;
      const int64_t t1 = std::min(g.lout, t0 + chunk);
      if (t0 >= t1) continue;
      const float *xs = px + s * g.l * g.cin;
      float *ys = y.Data() + s * g.lout * g.cout;
      if (preset)
        for (int64_t t = t0; t < t1; t++)
          for (int64_t c = 0; c < g.cout; c++) ys[t * g.cout + c] = pb ? pb[c] : 0.0f;
      if (g.Paired() && t1 - t0 >= kMinPairedFrames) {
        ConvPairs(g, xs, wt.Data(), w02.Data(), t0, t1, preset ? 1.0f : 0.0f, ys);
        continue;
      }
      for (int64_t gr = 0; gr < g.groups; gr++) {
        if (g.Gather()) {
          GatherPatches(g, xs, gr, t0, t1, p.Data());
          Sgemm(Trans::kNo, Trans::kYes, t1 - t0, coutg, width, 1.0f, p.Data(), width,
                pw + gr * coutg * width, width, preset ? 1.0f : 0.0f,
                ys + t0 * g.cout + gr * coutg, g.cout);
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

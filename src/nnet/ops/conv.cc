// src/nnet/ops/conv.cc
// Convolution by im2col: for one sample and group, col (Cg * KH * KW, Hout * Wout) holds the
// input patches, and y_g = W_g col is one GEMM. Backward: dW_g += dy_g col^T,
// dcol = W_g^T dy_g, scattered back into dx (col2im).
#include "nnet/ops/conv.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "matrix/gemm.h"
#include "nnet/ops/kernels.h"

namespace voxtools {
namespace {

// Samples whose outputs are shorter than this go side by side into one GEMM (up to this many
// columns in all; see SamplesPerGemm).
constexpr int64_t kGemmCols = 8192;

struct ConvGeom {
  int64_t n, cin, h, w, cout, kh, kw, hout, wout, groups;
  int64_t stride[2], pad[2], dil[2];
  int64_t CinG() const { return cin / groups; }
  int64_t CoutG() const { return cout / groups; }
  int64_t ColRows() const { return CinG() * kh * kw; }
  int64_t ColCols() const { return hout * wout; }
};

// col[(c, i, j), (oh, ow)] = x[c, oh * s0 - p0 + i * d0, ow * s1 - p1 + j * d1] (0 outside);
// rows of col are `ld` apart (ld >= ColCols(): several samples side by side).
// Channels in parallel: each writes its own rows of col.
void Im2Col(const ConvGeom &g, const float *x, float *col, int64_t ld) {
  const int64_t cols = g.ColCols();
  ParallelFor(g.CinG(), std::max<int64_t>(1, kernels::kGrain / std::max<int64_t>(g.kh * g.kw * cols, 1)),
              [&](int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; c++)
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++) {
        float *dst = col + ((c * g.kh + i) * g.kw + j) * ld;
        for (int64_t oh = 0; oh < g.hout; oh++) {
          const int64_t ih = oh * g.stride[0] - g.pad[0] + i * g.dil[0];
          float *d = dst + oh * g.wout;
          if (ih < 0 || ih >= g.h) {
            std::memset(d, 0, g.wout * sizeof(float));
            continue;
          }
          const float *src = x + (c * g.h + ih) * g.w;
          const int64_t off = j * g.dil[1] - g.pad[1], st = g.stride[1];
          // Outputs [lo, hi) read inside the row; the rest is zero padding. Splitting the
          // range keeps the copy loop free of branches (it vectorises).
          const int64_t lo = std::min(g.wout, off >= 0 ? 0 : (-off + st - 1) / st);
          const int64_t hi = std::max(lo, std::min(g.wout, g.w - off > 0 ? (g.w - off + st - 1) / st : 0));
          for (int64_t ow = 0; ow < lo; ow++) d[ow] = 0.0f;
          if (st == 1) {
            for (int64_t ow = lo; ow < hi; ow++) d[ow] = src[ow + off];
          } else {
            for (int64_t ow = lo; ow < hi; ow++) d[ow] = src[ow * st + off];
          }
          for (int64_t ow = hi; ow < g.wout; ow++) d[ow] = 0.0f;
        }
      }
  });
}

// dx += col2im(dcol), the adjoint of Im2Col (rows of col `ld` apart); channels in parallel
// (each owns its rows of dx).
void Col2ImAdd(const ConvGeom &g, const float *col, int64_t ld, float *dx) {
  const int64_t cols = g.ColCols();
  ParallelFor(g.CinG(), std::max<int64_t>(1, kernels::kGrain / std::max<int64_t>(g.kh * g.kw * cols, 1)),
              [&](int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; c++)
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++) {
        const float *src = col + ((c * g.kh + i) * g.kw + j) * ld;
        for (int64_t oh = 0; oh < g.hout; oh++) {
          const int64_t ih = oh * g.stride[0] - g.pad[0] + i * g.dil[0];
          if (ih < 0 || ih >= g.h) continue;
          float *d = dx + (c * g.h + ih) * g.w;
          const float *s = src + oh * g.wout;
          const int64_t off = j * g.dil[1] - g.pad[1], st = g.stride[1];
          // Only outputs [lo, hi) land inside the row (as in Im2Col): no test per element.
          const int64_t lo = std::min(g.wout, off >= 0 ? 0 : (-off + st - 1) / st);
          const int64_t hi = std::max(lo, std::min(g.wout, g.w - off > 0 ? (g.w - off + st - 1) / st : 0));
          for (int64_t ow = lo; ow < hi; ow++) d[ow * st + off] += s[ow];
        }
      }
  });
}

// A 1x1 convolution with stride 1 and no padding needs no im2col: col is the input itself.
bool IsPointwise(const ConvGeom &g) {
  return g.kh == 1 && g.kw == 1 && g.stride[0] == 1 && g.stride[1] == 1 && g.pad[0] == 0 &&
         g.pad[1] == 0;
}

// Samples per GEMM. One GEMM per sample re-packs the weights for every sample and, for short
// outputs (wav2vec2's last layers: 49 frames per second of audio), is a thin product that
// OpenBLAS runs far below its peak; so samples' patches go side by side into one GEMM of up to
// kGemmCols columns, and the product is scattered to (N, Cout, ...) afterwards.
// A GEMM with few patch rows (wav2vec2's first layer: 10) is bound by writing its output,
// which the scatter would only add to.
int64_t SamplesPerGemm(const ConvGeom &g) {
  if (IsPointwise(g) || g.ColRows() < 64) return 1;
  return std::max<int64_t>(1, std::min(g.n, kGemmCols / std::max<int64_t>(g.ColCols(), 1)));
}

class ConvNode : public Node {
 public:
  ConvNode(const ConvGeom &g, const Var &x, const Var &w, const Var &b, Shape x_shape)
      : Node({x, w, b}), g_(g), x_shape_(x_shape) {}
  const char *Name() const override { return "Conv"; }
  void Backward(const Tensor &gy) override {
    const ConvGeom &g = g_;
    const float *px = inputs_[0].value().Data(), *pw = inputs_[1].value().Data();
    const int64_t rows = g.ColRows(), cols = g.ColCols(), coutg = g.CoutG();
    const bool pointwise = IsPointwise(g);
    Tensor gx, gw;
    if (NeedsGrad(0)) gx = Tensor(x_shape_);
    if (NeedsGrad(1)) gw = Tensor(inputs_[1].shape());
    // As in the forward, SamplesPerGemm() samples side by side per GEMM (dy gathered into
    // that layout first).
    const int64_t per = SamplesPerGemm(g);
    // From the tensor cache: no zero fill, no fresh pages on every call.
    Tensor col_t = pointwise ? Tensor() : Tensor::Empty({rows * per * cols});
    Tensor gcol_t = pointwise || !NeedsGrad(0) ? Tensor() : Tensor::Empty({rows * per * cols});
    Tensor gyb_t = per > 1 ? Tensor::Empty({coutg * per * cols}) : Tensor();
    float *col = pointwise ? nullptr : col_t.Data();
    for (int64_t s0 = 0; s0 < g.n; s0 += per) {
      const int64_t cnt = std::min(per, g.n - s0), ld = cnt * cols;
      for (int64_t gr = 0; gr < g.groups; gr++) {
        const float *xs = px + (s0 * g.cin + gr * g.CinG()) * g.h * g.w;
        const float *gys = gy.Data() + (s0 * g.cout + gr * coutg) * cols;
        const float *wg = pw + gr * coutg * rows;
        if (per > 1) {
          float *gyb = gyb_t.Data();
          ParallelFor(cnt * coutg, std::max<int64_t>(1, kernels::kGrain / cols),
                      [&](int64_t r0, int64_t r1) {
            for (int64_t r = r0; r < r1; r++) {
              const int64_t s = r / coutg, o = r % coutg;
              std::copy_n(gys + (s * g.cout + o) * cols, cols, gyb + o * ld + s * cols);
            }
          });
          gys = gyb;
        }
        if (NeedsGrad(1)) {
          const float *c = xs;
          if (!pointwise) {
            for (int64_t s = 0; s < cnt; s++)
              Im2Col(g, xs + s * g.cin * g.h * g.w, col + s * cols, ld);
            c = col;
          }
          Sgemm(Trans::kNo, Trans::kYes, coutg, rows, ld, 1.0f, gys, ld, c, ld, 1.0f,
                gw.Data() + gr * coutg * rows, rows);
        }
        if (NeedsGrad(0)) {
          float *gxs = gx.Data() + (s0 * g.cin + gr * g.CinG()) * g.h * g.w;
          if (pointwise) {
            Sgemm(Trans::kYes, Trans::kNo, rows, cols, coutg, 1.0f, wg, rows, gys, cols, 1.0f,
                  gxs, cols);
          } else {
            Sgemm(Trans::kYes, Trans::kNo, rows, ld, coutg, 1.0f, wg, rows, gys, ld, 0.0f,
                  gcol_t.Data(), ld);
            for (int64_t s = 0; s < cnt; s++)
              Col2ImAdd(g, gcol_t.Data() + s * cols, ld, gxs + s * g.cin * g.h * g.w);
          }
        }
      }
    }
    if (NeedsGrad(0)) inputs_[0].AccumulateGrad(gx);
    if (NeedsGrad(1)) inputs_[1].AccumulateGrad(gw);
    if (inputs_[2].Defined() && NeedsGrad(2)) {
      std::vector<double> acc(g.cout, 0.0);
      for (int64_t s = 0; s < g.n; s++)
        for (int64_t c = 0; c < g.cout; c++) {
          const float *p = gy.Data() + (s * g.cout + c) * cols;
          for (int64_t i = 0; i < cols; i++) acc[c] += p[i];
        }
      Tensor gb = Tensor::Empty({g.cout});
      for (int64_t c = 0; c < g.cout; c++) gb.Data()[c] = static_cast<float>(acc[c]);
      inputs_[2].AccumulateGrad(gb);
    }
  }

 private:
  ConvGeom g_;
  Shape x_shape_;
};

// x as (N, Cin, H, W), weight as (Cout, Cin/g, KH, KW); y_shape is the caller's output shape.
Var ConvImpl(const Var &x, const Var &weight, const Var &bias, ConvGeom g, const Shape &y_shape) {
  if (g.groups <= 0 || g.cin % g.groups != 0 || g.cout % g.groups != 0)
    VOX_ERR << "Conv: " << g.groups << " groups for " << g.cin << " input and " << g.cout
            << " output channels";
  if (bias.Defined() && (bias.Rank() != 1 || bias.Dim(0) != g.cout))
    VOX_ERR << "Conv: bias " << bias.shape().ToString() << " for " << g.cout << " channels";
  const int64_t rows = g.ColRows(), cols = g.ColCols(), coutg = g.CoutG();
  Tensor y = Tensor::Empty(y_shape);
  const float *px = x.value().Data(), *pw = weight.value().Data();
  const float *pb = bias.Defined() ? bias.value().Data() : nullptr;
  const bool pointwise = IsPointwise(g);
  const int64_t per = SamplesPerGemm(g);
  // The patch matrix comes from the tensor cache: a std::vector would zero-fill it and fault
  // in fresh pages on every call (98 MB for wav2vec2's second layer on 10 s of audio).
  Tensor col_t = pointwise ? Tensor() : Tensor::Empty({rows * per * cols});
  Tensor tmp_t = per > 1 ? Tensor::Empty({coutg * per * cols}) : Tensor();
  float *col = pointwise ? nullptr : col_t.Data();
  for (int64_t s0 = 0; s0 < g.n; s0 += per) {
    const int64_t cnt = std::min(per, g.n - s0), ld = cnt * cols;
    for (int64_t gr = 0; gr < g.groups; gr++) {
      const float *xs = px + (s0 * g.cin + gr * g.CinG()) * g.h * g.w;
      const float *wg = pw + gr * coutg * rows;
      float *ys = y.Data() + (s0 * g.cout + gr * coutg) * cols;
      if (per > 1) {
        // Several samples: one GEMM into tmp, then scattered to y with the bias.
        for (int64_t s = 0; s < cnt; s++)
          Im2Col(g, xs + s * g.cin * g.h * g.w, col + s * cols, ld);
        Sgemm(Trans::kNo, Trans::kNo, coutg, ld, rows, 1.0f, wg, rows, col, ld, 0.0f,
              tmp_t.Data(), ld);
        ParallelFor(cnt * coutg, std::max<int64_t>(1, kernels::kGrain / cols),
                    [&](int64_t r0, int64_t r1) {
          for (int64_t r = r0; r < r1; r++) {
            const int64_t s = r / coutg, o = r % coutg;
            const float *src = tmp_t.Data() + o * ld + s * cols;
            float *dst = ys + (s * g.cout + o) * cols;
            const float b = pb ? pb[gr * coutg + o] : 0.0f;
            for (int64_t i = 0; i < cols; i++) dst[i] = src[i] + b;
          }
        });
        continue;
      }
      const float *c = xs;
      if (!pointwise) {
        Im2Col(g, xs, col, cols);
        c = col;
      }
      float beta = 0.0f;
      if (pb) {
        // Bias rows first, then the GEMM adds onto them (beta = 1): one pass over y.
        ParallelFor(coutg, std::max<int64_t>(1, kernels::kGrain / cols),
                    [&](int64_t o0, int64_t o1) {
          for (int64_t o = o0; o < o1; o++) std::fill_n(ys + o * cols, cols, pb[gr * coutg + o]);
        });
        beta = 1.0f;
      }
      Sgemm(Trans::kNo, Trans::kNo, coutg, cols, rows, 1.0f, wg, rows, c, cols, beta, ys, cols);
    }
  }
  if (!ShouldRecord({&x, &weight, &bias})) return Var(y);
  return Record(y, std::make_shared<ConvNode>(g, x, weight, bias, x.shape()));
}

int64_t OutSize(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, const char *what) {
  const int64_t span = d * (k - 1) + 1;
  if (s <= 0 || d <= 0 || p < 0 || in + 2 * p < span)
    VOX_ERR << what << ": input length " << in << " (padding " << p << ") shorter than the kernel span "
            << span << ", or a bad stride/dilation";
  return (in + 2 * p - span) / s + 1;
}

}  // namespace

Var Conv1d(const Var &x, const Var &weight, const Var &bias, const Conv1dOptions &o) {
  if (x.Rank() != 3 || weight.Rank() != 3 || weight.Dim(1) * o.groups != x.Dim(1))
    VOX_ERR << "Conv1d: input " << x.shape().ToString() << ", weight "
            << weight.shape().ToString() << ", groups " << o.groups;
  ConvGeom g{x.Dim(0), x.Dim(1), 1, x.Dim(2), weight.Dim(0), 1, weight.Dim(2), 1, 0, o.groups,
             {1, o.stride}, {0, o.padding}, {1, o.dilation}};
  g.wout = OutSize(g.w, g.kw, o.stride, o.padding, o.dilation, "Conv1d");
  return ConvImpl(x, weight, bias, g, Shape{g.n, g.cout, g.wout});
}

Var Conv2d(const Var &x, const Var &weight, const Var &bias, const Conv2dOptions &o) {
  if (x.Rank() != 4 || weight.Rank() != 4 || weight.Dim(1) * o.groups != x.Dim(1))
    VOX_ERR << "Conv2d: input " << x.shape().ToString() << ", weight "
            << weight.shape().ToString() << ", groups " << o.groups;
  ConvGeom g{x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3), weight.Dim(0), weight.Dim(2),
             weight.Dim(3), 0, 0, o.groups,
             {o.stride[0], o.stride[1]}, {o.padding[0], o.padding[1]},
             {o.dilation[0], o.dilation[1]}};
  g.hout = OutSize(g.h, g.kh, o.stride[0], o.padding[0], o.dilation[0], "Conv2d");
  g.wout = OutSize(g.w, g.kw, o.stride[1], o.padding[1], o.dilation[1], "Conv2d");
  return ConvImpl(x, weight, bias, g, Shape{g.n, g.cout, g.hout, g.wout});
}

}  // namespace voxtools

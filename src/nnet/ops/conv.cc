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

struct ConvGeom {
  int64_t n, cin, h, w, cout, kh, kw, hout, wout, groups;
  int64_t stride[2], pad[2], dil[2];
  int64_t CinG() const { return cin / groups; }
  int64_t CoutG() const { return cout / groups; }
  int64_t ColRows() const { return CinG() * kh * kw; }
  int64_t ColCols() const { return hout * wout; }
};

// col[(c, i, j), (oh, ow)] = x[c, oh * s0 - p0 + i * d0, ow * s1 - p1 + j * d1] (0 outside).
// Channels in parallel: each writes its own rows of col.
void Im2Col(const ConvGeom &g, const float *x, float *col) {
  const int64_t cols = g.ColCols();
  ParallelFor(g.CinG(), std::max<int64_t>(1, kernels::kGrain / std::max<int64_t>(g.kh * g.kw * cols, 1)),
              [&](int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; c++)
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++) {
        float *dst = col + ((c * g.kh + i) * g.kw + j) * cols;
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

// dx += col2im(dcol), the adjoint of Im2Col; channels in parallel (each owns its rows of dx).
void Col2ImAdd(const ConvGeom &g, const float *col, float *dx) {
  const int64_t cols = g.ColCols();
  ParallelFor(g.CinG(), std::max<int64_t>(1, kernels::kGrain / std::max<int64_t>(g.kh * g.kw * cols, 1)),
              [&](int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; c++)
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++) {
        const float *src = col + ((c * g.kh + i) * g.kw + j) * cols;
        for (int64_t oh = 0; oh < g.hout; oh++) {
          const int64_t ih = oh * g.stride[0] - g.pad[0] + i * g.dil[0];
          if (ih < 0 || ih >= g.h) continue;
          float *d = dx + (c * g.h + ih) * g.w;
          const float *s = src + oh * g.wout;
          const int64_t off = j * g.dil[1] - g.pad[1];
          for (int64_t ow = 0; ow < g.wout; ow++) {
            const int64_t iw = ow * g.stride[1] + off;
            if (iw >= 0 && iw < g.w) d[iw] += s[ow];
          }
        }
      }
  });
}

// A 1x1 convolution with stride 1 and no padding needs no im2col: col is the input itself.
bool IsPointwise(const ConvGeom &g) {
  return g.kh == 1 && g.kw == 1 && g.stride[0] == 1 && g.stride[1] == 1 && g.pad[0] == 0 &&
         g.pad[1] == 0;
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
    Tensor gx, gw, gcol;
    if (NeedsGrad(0)) gx = Tensor(x_shape_);
    if (NeedsGrad(1)) gw = Tensor(inputs_[1].shape());
    std::vector<float> col(pointwise ? 0 : rows * cols);
    if (NeedsGrad(0)) gcol = Tensor::Empty({rows, cols});
    for (int64_t s = 0; s < g.n; s++) {
      for (int64_t gr = 0; gr < g.groups; gr++) {
        const float *xs = px + (s * g.cin + gr * g.CinG()) * g.h * g.w;
        const float *gys = gy.Data() + (s * g.cout + gr * coutg) * cols;
        const float *wg = pw + gr * coutg * rows;
        if (NeedsGrad(1)) {
          const float *c = xs;
          if (!pointwise) {
            Im2Col(g, xs, col.data());
            c = col.data();
          }
          Sgemm(Trans::kNo, Trans::kYes, coutg, rows, cols, 1.0f, gys, cols, c, cols, 1.0f,
                gw.Data() + gr * coutg * rows, rows);
        }
        if (NeedsGrad(0)) {
          float *gxs = gx.Data() + (s * g.cin + gr * g.CinG()) * g.h * g.w;
          if (pointwise) {
            Sgemm(Trans::kYes, Trans::kNo, rows, cols, coutg, 1.0f, wg, rows, gys, cols, 1.0f,
                  gxs, cols);
          } else {
            Sgemm(Trans::kYes, Trans::kNo, rows, cols, coutg, 1.0f, wg, rows, gys, cols, 0.0f,
                  gcol.Data(), cols);
            Col2ImAdd(g, gcol.Data(), gxs);
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
  // One GEMM per sample and group; OpenBLAS threads each GEMM.
  std::vector<float> col_all(pointwise ? 0 : rows * cols);
  for (int64_t s = 0; s < g.n; s++) {
    for (int64_t gr = 0; gr < g.groups; gr++) {
      const float *xs = px + (s * g.cin + gr * g.CinG()) * g.h * g.w;
      const float *c = xs;
      if (!pointwise) {
        Im2Col(g, xs, col_all.data());
        c = col_all.data();
      }
      float *ys = y.Data() + (s * g.cout + gr * coutg) * cols;
      float beta = 0.0f;
      if (pb) {
        for (int64_t o = 0; o < coutg; o++)
          std::fill(ys + o * cols, ys + (o + 1) * cols, pb[gr * coutg + o]);
        beta = 1.0f;
      }
      Sgemm(Trans::kNo, Trans::kNo, coutg, cols, rows, 1.0f, pw + gr * coutg * rows, rows, c,
            cols, beta, ys, cols);
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

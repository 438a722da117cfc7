// src/nnet/ops/matmul.cc
// MatMul and Affine: forward and backward. Backward of y = a b:  da = dy b^T,  db = a^T dy.
#include "nnet/ops/matmul.h"

#include <algorithm>
#include <vector>

#include "matrix/gemm.h"
#include "nnet/ops/kernels.h"

namespace voxtools {
namespace {

std::vector<int64_t> MatMulShape(const Tensor &a, const Tensor &b) {
  if (a.Rank() < 2 || b.Rank() < 2 || a.Dim(-1) != b.Dim(-2) ||
      (b.Rank() > 2 && (a.Rank() != b.Rank() ||
                        a.NumElements() / (a.Dim(-1) * a.Dim(-2) + (a.Dim(-1) * a.Dim(-2) == 0)) !=
                            b.NumElements() / (b.Dim(-1) * b.Dim(-2) + (b.Dim(-1) * b.Dim(-2) == 0)))))
    VOX_ERR << "MatMul of " << a.shape().ToString() << " and " << b.shape().ToString();
  if (b.Rank() > 2)
    for (int i = 0; i < a.Rank() - 2; i++)
      if (a.Dim(i) != b.Dim(i))
        VOX_ERR << "MatMul batch dims differ: " << a.shape().ToString() << " and "
                << b.shape().ToString();
  std::vector<int64_t> dims = a.shape().ToVector();
  dims.back() = b.Dim(-1);
  return dims;
}

// y (..., m, n) = a (..., m, k) b (k, n) or batched b.
Tensor MatMulForward(const Tensor &a, const Tensor &b) {
  Tensor y = Tensor::Empty(Shape(MatMulShape(a, b)));
  if (b.Rank() == 2) {
    // A shared b: the batch folds into the rows of one GEMM.
    const int64_t rows = a.NumElements() / a.Dim(-1);
    Sgemm(Trans::kNo, Trans::kNo, rows, b.Dim(1), b.Dim(0), 1.0f, a.Data(), a.Dim(-1),
          b.Data(), b.Dim(1), 0.0f, y.Data(), b.Dim(1));
  } else {
    AddMatMat(1.0f, a, Trans::kNo, b, Trans::kNo, 0.0f, &y);
  }
  return y;
}

class MatMulNode : public Node {
 public:
  MatMulNode(const Var &a, const Var &b) : Node({a, b}) {}
  const char *Name() const override { return "MatMul"; }
  void Backward(const Tensor &gy) override {
    const Tensor &a = inputs_[0].value(), &b = inputs_[1].value();
    if (NeedsGrad(0)) {
      Tensor ga = Tensor::Empty(a.shape());
      if (b.Rank() == 2) {
        const int64_t rows = a.NumElements() / a.Dim(-1);
        Sgemm(Trans::kNo, Trans::kYes, rows, b.Dim(0), b.Dim(1), 1.0f, gy.Data(), b.Dim(1),
              b.Data(), b.Dim(1), 0.0f, ga.Data(), b.Dim(0));
      } else {
        AddMatMat(1.0f, gy, Trans::kNo, b, Trans::kYes, 0.0f, &ga);
      }
      inputs_[0].AccumulateGrad(ga);
    }
    if (NeedsGrad(1)) {
      Tensor gb = Tensor::Empty(b.shape());
      if (b.Rank() == 2) {
        const int64_t rows = a.NumElements() / a.Dim(-1);
        Sgemm(Trans::kYes, Trans::kNo, b.Dim(0), b.Dim(1), rows, 1.0f, a.Data(), a.Dim(-1),
              gy.Data(), b.Dim(1), 0.0f, gb.Data(), b.Dim(1));
      } else {
        AddMatMat(1.0f, a, Trans::kYes, gy, Trans::kNo, 0.0f, &gb);
      }
      inputs_[1].AccumulateGrad(gb);
    }
  }
};

class AffineNode : public Node {
 public:
  AffineNode(const Var &x, const Var &w, const Var &b) : Node({x, w, b}) {}
  const char *Name() const override { return "Affine"; }
  void Backward(const Tensor &gy) override {
    const Tensor &x = inputs_[0].value(), &w = inputs_[1].value();
    const int64_t out = w.Dim(0), in = w.Dim(1), rows = x.NumElements() / in;
    if (NeedsGrad(0)) {
      Tensor gx = Tensor::Empty(x.shape());
      Sgemm(Trans::kNo, Trans::kNo, rows, in, out, 1.0f, gy.Data(), out, w.Data(), in, 0.0f,
            gx.Data(), in);
      inputs_[0].AccumulateGrad(gx);
    }
    if (NeedsGrad(1)) {
      Tensor gw = Tensor::Empty(w.shape());
      Sgemm(Trans::kYes, Trans::kNo, out, in, rows, 1.0f, gy.Data(), out, x.Data(), in, 0.0f,
            gw.Data(), in);
      inputs_[1].AccumulateGrad(gw);
    }
    if (inputs_[2].Defined() && NeedsGrad(2)) {
      // Column sums in double: a long batch of float adds would drift from PyTorch.
      // Column ranges in parallel; each column's sum runs over the rows in order as before.
      std::vector<double> acc(out, 0.0);
      const float *g = gy.Data();
      ParallelFor(out, std::max<int64_t>(16, kernels::kGrain / std::max<int64_t>(rows, 1)),
                  [&](int64_t j0, int64_t j1) {
        for (int64_t r = 0; r < rows; r++)
          for (int64_t j = j0; j < j1; j++) acc[j] += g[r * out + j];
      });
      Tensor gb = Tensor::Empty({out});
      for (int64_t j = 0; j < out; j++) gb.Data()[j] = static_cast<float>(acc[j]);
      inputs_[2].AccumulateGrad(gb);
    }
  }
};

}  // namespace

Var MatMul(const Var &a, const Var &b) {
  Tensor y = MatMulForward(a.value(), b.value());
  if (!ShouldRecord({&a, &b})) return Var(y);
  return Record(y, std::make_shared<MatMulNode>(a, b));
}

Var Affine(const Var &x, const Var &weight, const Var &bias) {
  const Tensor &xv = x.value(), &w = weight.value();
  if (w.Rank() != 2 || xv.Rank() < 1 || xv.Dim(-1) != w.Dim(1) ||
      (bias.Defined() && (bias.Rank() != 1 || bias.Dim(0) != w.Dim(0))))
    VOX_ERR << "Affine: input " << xv.shape().ToString() << ", weight " << w.shape().ToString()
            << (bias.Defined() ? ", bias " + bias.shape().ToString() : std::string());
  const int64_t out = w.Dim(0), in = w.Dim(1), rows = xv.NumElements() / in;
  std::vector<int64_t> dims = xv.shape().ToVector();
  dims.back() = out;
  Tensor y = Tensor::Empty(Shape(dims));
  float beta = 0.0f;
  if (bias.Defined()) {
    // Bias rows first, then the GEMM adds onto them (beta = 1): one pass over y.
    const float *b = bias.value().Data();
    float *d = y.Data();
    ParallelFor(rows, std::max<int64_t>(1, kernels::kGrain / out), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) std::copy_n(b, out, d + r * out);
    });
    beta = 1.0f;
  }
  Sgemm(Trans::kNo, Trans::kYes, rows, out, in, 1.0f, xv.Data(), in, w.Data(), in, beta,
        y.Data(), out);
  if (!ShouldRecord({&x, &weight, &bias})) return Var(y);
  return Record(y, std::make_shared<AffineNode>(x, weight, bias));
}

}  // namespace voxtools

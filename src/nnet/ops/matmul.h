// src/nnet/ops/matmul.h
// Matrix products (GEMM through OpenBLAS): MatMul and the affine map of a Linear layer.
#ifndef VOXTOOLS_NNET_OPS_MATMUL_H_
#define VOXTOOLS_NNET_OPS_MATMUL_H_

#include "nnet/autograd.h"

namespace voxtools {

// y = a b over the last two dimensions. a is (..., m, k); b is (..., k, n) with the same
// leading dimensions, or (k, n), shared by every batch entry. y is (..., m, n).
Var MatMul(const Var &a, const Var &b);

// y = x W^T + bias: x (..., in), weight (out, in) (PyTorch's layout), bias (out) or an
// undefined Var for none. y is (..., out). PyTorch: torch.nn.functional.linear.
Var Affine(const Var &x, const Var &weight, const Var &bias);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPS_MATMUL_H_

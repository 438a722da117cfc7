// src/nnet/ops/reduce.h
// Reductions along one axis (negative counts from the end), softmax and log-softmax.
// keepdim keeps the reduced axis with size 1 (PyTorch's keepdim).
#ifndef VOXTOOLS_NNET_OPS_REDUCE_H_
#define VOXTOOLS_NNET_OPS_REDUCE_H_

#include "nnet/autograd.h"

namespace voxtools {

Var Sum(const Var &x, int axis, bool keepdim = false);
Var Mean(const Var &x, int axis, bool keepdim = false);
// Variance: sum (x - mean)^2 / (n - 1) if unbiased else / n.
Var Variance(const Var &x, int axis, bool unbiased, bool keepdim = false);
// Maximum; the gradient goes to the first maximal element (PyTorch's max(dim) indices).
Var Max(const Var &x, int axis, bool keepdim = false);
// log sum exp(x), computed stably (max subtracted).
Var LogSumExp(const Var &x, int axis, bool keepdim = false);
// Over all elements: a tensor of shape () (one element).
Var SumAll(const Var &x);
Var MeanAll(const Var &x);

// softmax(x)_i = exp(x_i) / sum_j exp(x_j) along axis; LogSoftmax = x - LogSumExp.
Var Softmax(const Var &x, int axis);
Var LogSoftmax(const Var &x, int axis);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPS_REDUCE_H_

// src/nnet/ops/shape.h
// Shape operations: reshape (a view, no copy), transpose/permute, narrow/split, concat,
// index-select, masking and padding. All but Reshape copy, since tensors are contiguous.
#ifndef VOXTOOLS_NNET_OPS_SHAPE_H_
#define VOXTOOLS_NNET_OPS_SHAPE_H_

#include <vector>

#include "nnet/autograd.h"

namespace voxtools {

// Same elements in a new shape (one dim may be -1); shares the value's memory.
Var Reshape(const Var &x, const std::vector<int64_t> &dims);
// Swaps axes a and b.
Var Transpose(const Var &x, int a, int b);
// y's dimension i is x's dimension perm[i] (PyTorch's permute).
Var Permute(const Var &x, const std::vector<int> &perm);
// Elements [begin, begin + length) of `axis`.
Var Narrow(const Var &x, int axis, int64_t begin, int64_t length);
// Consecutive pieces of `axis` with the given sizes (which must sum to its length).
std::vector<Var> Split(const Var &x, int axis, const std::vector<int64_t> &sizes);
// Joins along `axis`; other dimensions must agree.
Var Concat(const std::vector<Var> &xs, int axis);
// Picks entries `index` (each in [0, Dim(axis))) of `axis`, in that order; repeats allowed
// (their gradients add).
Var IndexSelect(const Var &x, int axis, const std::vector<int64_t> &index);
// y = mask ? value : x, with mask (nonzero = true) broadcast to x's shape; mask is data, not
// differentiated. PyTorch: masked_fill.
Var MaskedFill(const Var &x, const Tensor &mask, float value);
// Pads the last len(pad)/2 dimensions with `value`: pad = {last_left, last_right,
// second_last_left, second_last_right, ...} as torch.nn.functional.pad (negative crops).
Var Pad(const Var &x, const std::vector<int64_t> &pad, float value = 0.0f);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPS_SHAPE_H_

// src/nnet/grad-clip.h
// Gradient clipping by global norm, with torch.nn.utils.clip_grad_norm_'s semantics (PyTorch
// 1.13): the norm is taken over all gradients together, as if concatenated; every gradient is
// then multiplied by min(1, max_norm / (total_norm + 1e-6)).
#ifndef VOXTOOLS_NNET_GRAD_CLIP_H_
#define VOXTOOLS_NNET_GRAD_CLIP_H_

#include <vector>

#include "nnet/autograd.h"

namespace voxtools {

// Clips the gradients of `params` in place so that their global norm_type-norm is at most
// max_norm, and returns the total norm before clipping (what training logs print).
// Parameters without a gradient are ignored. norm_type is 2 (Euclidean) or INFINITY (largest
// |g|). Sums are accumulated in double. A non-finite total norm is not an error (as PyTorch's
// default error_if_nonfinite=false): the NaN/Inf is returned, gradients are scaled by NaN as
// PyTorch does, and Optimizer::Step then refuses them, naming the parameter. Throws Error if
// max_norm is not > 0 or norm_type is neither.
double ClipGradNorm(const std::vector<Var> &params, double max_norm, double norm_type = 2.0);

// The global norm alone, gradients untouched.
double GradNorm(const std::vector<Var> &params, double norm_type = 2.0);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_GRAD_CLIP_H_

// src/nnet/ops/fused.h
// Fused operations with a hand-written backward, where the composed ops would cost an extra
// pass over memory or an extra buffer.
#ifndef VOXTOOLS_NNET_OPS_FUSED_H_
#define VOXTOOLS_NNET_OPS_FUSED_H_

#include "nnet/autograd.h"

namespace voxtools {

// y = GELU(x W^T + b) (exact erf GELU), x (..., in), weight (out, in), bias (out) or undefined.
// The GELU is applied in place on the GEMM's output: one buffer in inference; in training the
// pre-activation is kept for the backward.
Var AffineGelu(const Var &x, const Var &weight, const Var &bias);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPS_FUSED_H_

// src/nnet/ops/grad-scale.h
// Gradient multiplier: the identity going forward, the gradient times k going backward. The
// WeSpeaker SSL recipes use it to slow a pretrained encoder down relative to the head without
// a second optimiser: the gradient flowing into WavLM is scaled by 0.08 (their
// "GradMultiply"), which for plain SGD equals an 0.08 learning-rate multiplier but, unlike
// one, also scales what momentum and weight decay see. Per-parameter-group learning rates
// (nnet/optimizer.h) are the other way to do the same.
#ifndef VOXTOOLS_NNET_OPS_GRAD_SCALE_H_
#define VOXTOOLS_NNET_OPS_GRAD_SCALE_H_

#include "nnet/autograd.h"

namespace voxtools {

// y = x (the same values, shared, not copied); dL/dx = scale * dL/dy. Without recording (no
// input requires grad, or a NoGradGuard) returns x itself. scale must be finite; 0 stops the
// gradient (like Detach, but the graph below still runs backward, with zeros).
Var GradMultiply(const Var &x, float scale);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPS_GRAD_SCALE_H_

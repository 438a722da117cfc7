// src/nnet/ops/norm.h
// Normalisations: layer norm (Ba et al. 2016), group norm (Wu & He 2018), batch norm
// (Ioffe & Szegedy 2015), weight normalisation (Salimans & Kingma 2016), L2 normalisation
// and cosine similarity. Formulas and defaults follow torch.nn.functional.
#ifndef VOXTOOLS_NNET_OPS_NORM_H_
#define VOXTOOLS_NNET_OPS_NORM_H_

#include <cstdint>
#include <vector>

#include "nnet/autograd.h"

namespace voxtools {

// Over the last dimension D: y = (x - mean) / sqrt(var + eps) * weight + bias, var biased.
// weight, bias: (D) or undefined.
Var LayerNorm(const Var &x, const Var &weight, const Var &bias, float eps = 1e-5f);

// x (N, C, ...): channels split into `groups` groups of C / groups; each (sample, group) is
// normalised over its channels and all positions; then per-channel weight/bias (C) (or
// undefined). GroupNorm with groups == C is instance norm (wav2vec2's first conv layer).
Var GroupNorm(const Var &x, int64_t groups, const Var &weight, const Var &bias,
              float eps = 1e-5f);

// GroupNorm of a batch of sequences of different lengths: x (N, C, L), row n valid at
// positions l < lengths[n] (1 <= lengths[n] <= L). Each (row, group)'s statistics come from
// its valid positions only, so row n's valid outputs equal GroupNorm of x[n, :, :lengths[n]]
// alone; positions l >= lengths[n] read 0 and get no gradient. Differentiable in x, weight
// and bias.
Var GroupNorm(const Var &x, int64_t groups, const Var &weight, const Var &bias,
              const std::vector<int64_t> &lengths, float eps = 1e-5f);

// x (N, C) or (N, C, L) or (N, C, H, W); per-channel statistics over everything but C.
// training: normalise by the batch's mean and biased variance, and update the running
// statistics in place: running = (1 - momentum) running + momentum batch (variance unbiased),
// as PyTorch. Otherwise normalise by running_mean/running_var (C). weight/bias (C) or
// undefined. The running statistics are buffers, never differentiated.
Var BatchNorm(const Var &x, const Var &weight, const Var &bias, Var *running_mean,
              Var *running_var, bool training, float momentum = 0.1f, float eps = 1e-5f);

// w = g * v / ||v||, the norm taken over every dimension except `dim`, for each index of
// `dim`; g has v's rank with 1 everywhere but `dim` (PyTorch's weight_g). torch._weight_norm.
Var WeightNorm(const Var &v, const Var &g, int dim);

// y = x / max(||x||_2, eps) along axis (torch.nn.functional.normalize).
Var L2Normalize(const Var &x, int axis, float eps = 1e-12f);

// sum(a b) / sqrt(max(|a|^2 |b|^2, eps^2)) along axis, a and b broadcast
// (torch.nn.functional.cosine_similarity, PyTorch 1.13's formula). The axis is removed.
Var CosineSimilarity(const Var &a, const Var &b, int axis, float eps = 1e-8f);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPS_NORM_H_

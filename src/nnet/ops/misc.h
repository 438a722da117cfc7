// src/nnet/ops/misc.h
// Statistics pooling, dropout and cross-entropy.
#ifndef VOXTOOLS_NNET_OPS_MISC_H_
#define VOXTOOLS_NNET_OPS_MISC_H_

#include <cstdint>
#include <vector>

#include "nnet/autograd.h"
#include "nnet/random.h"

namespace voxtools {

// x (N, C, T), lengths (N) valid frames per sample (each in [2, T]; empty = all T): returns
// (N, 2C) = [mean, sqrt(var + eps)] over each sample's valid frames, var unbiased (/(L - 1))
// if `unbiased` else /L. Padded frames get zero gradient. With unbiased and eps = 1e-7 this is
// WeSpeaker's TSTP; x-vector recipes use the same with eps as the variance floor.
Var StatisticsPooling(const Var &x, const std::vector<int64_t> &lengths, bool unbiased = true,
                      float eps = 1e-7f);

// Training: each element zeroed with probability p, survivors scaled by 1 / (1 - p); the
// mask is drawn from rng. Not training (or p == 0): x unchanged (the same Var).
Var Dropout(const Var &x, float p, bool training, RandomGenerator *rng);

// Mean over the batch of -log softmax(logits)[label], logits (N, C), labels (N) in [0, C).
// With label smoothing e the target is (1 - e) one-hot + e / C (PyTorch's label_smoothing).
// Returns a one-element tensor.
Var CrossEntropy(const Var &logits, const std::vector<int64_t> &labels,
                 float label_smoothing = 0.0f);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPS_MISC_H_

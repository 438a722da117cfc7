// src/nnet/ops/margin.h
// Margin-penalised logits for speaker-classification losses, from the cosine between each
// embedding and each class weight:
//   AM-softmax / CosFace (Wang et al. 2018):  target logit s (cos - m);
//   AAM-softmax / ArcFace (Deng et al. 2019):  target logit s cos(theta + m);
//   inter-top-k penalty (Zhao et al. 2021, arXiv:2110.05042): the k most similar non-target
//     classes get s cos(theta - mp), a harder negative;
//   every other logit is s cos.
// One fused pass with a hand-written backward: the composed ops would take ~10 passes over
// the (batch, classes) matrix, and their sqrt(1 - cos^2) would turn the zero gradient of the
// non-target entries into NaN wherever cos = +-1 exactly.
#ifndef VOXTOOLS_NNET_OPS_MARGIN_H_
#define VOXTOOLS_NNET_OPS_MARGIN_H_

#include <cstdint>
#include <vector>

#include "nnet/autograd.h"

namespace voxtools {

enum class MarginType { kNone, kAdditive, kAngular };

// What an angular margin does where theta + m would pass pi (cos <= cos(pi - m)), so that
// the target logit keeps decreasing in theta:
//   kWeSpeaker: cos - (1 + cos(pi - m)), continuous at the switch (WeSpeaker's projections);
//   kArcFace:   cos - m sin(pi - m) (insightface's original, nearly continuous);
//   kEasy:      cos when cos <= 0 (easy_margin: no margin for the hard half).
enum class AngularFallback { kWeSpeaker, kArcFace, kEasy };

struct MarginOptions {
  MarginType type = MarginType::kNone;
  float scale = 32.0f;   // s
  float margin = 0.2f;   // m (cosine units for kAdditive, radians for kAngular)
  AngularFallback fallback = AngularFallback::kWeSpeaker;
  int64_t inter_topk = 0;          // k; 0 disables the inter-top-k penalty
  float inter_topk_margin = 0.0f;  // mp, radians
};

// cosine (N, C) with entries in [-1, 1] (values outside are clamped for the sine), labels (N)
// in [0, C) -> logits (N, C) as above. With type kNone: s cos. The top-k set excludes the
// target and is chosen from the forward values (ties: the lower class index), as torch.topk
// would; it is not differentiated. d sin/d cos = -cos/sin is taken as 0 where sin = 0.
// Throws Error on a shape/label mismatch or inter_topk >= C.
Var MarginLogits(const Var &cosine, const std::vector<int64_t> &labels, const MarginOptions &opts);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPS_MARGIN_H_

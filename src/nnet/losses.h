// src/nnet/losses.h
// Training objectives for embedding networks: a classification head on the embedding plus
// cross-entropy, or GE2E on a batch of N speakers x M utterances.
//   softmax        Linear(D -> C) + cross-entropy ("linear/weight", "linear/bias")
//   am-softmax     CosFace (Wang et al. 2018): s (cos theta_y - m)         ("weight" (C, D))
//   aam-softmax    ArcFace (Deng et al. 2019): s cos(theta_y + m), with WeSpeaker's
//                  continuous fallback past theta = pi - m (or insightface's, or easy margin;
//                  ops/margin.h)                                           ("weight" (C, D))
//   subcenter-aam  sub-center ArcFace (Deng et al. 2020): K weight rows per class, cos is
//                  the largest of the K; with the inter-top-k penalty (Zhao et al. 2021,
//                  arXiv:2110.05042): the k nearest wrong classes get s cos(theta - mp),
//                  mp = inter_topk_margin * margin / 0.2 (0 while margin <= 0.001), as
//                  WeSpeaker's ArcMarginProduct_intertopk_subcenter    ("weight" (K C, D),
//                  row c K + k is sub-center k of class c)
//   ge2e           generalized end-to-end loss, softmax variant (Wan et al., ICASSP 2018):
//                  S_ji,k = w cos(e_ji, c_k) + b with w clamped >= 1e-6, c_k the centroid of
//                  speaker k, and for k = j the centroid without e_ji (eq. 8); cross-entropy
//                  of row ji against j, averaged over the N M rows (the paper sums; the
//                  mean keeps the learning rate independent of the batch size). "w", "b"
//                  (1), initialised to 10 and -5 as the paper.
// Weights of the margin heads are initialised Xavier-uniform, as WeSpeaker.
#ifndef VOXTOOLS_NNET_LOSSES_H_
#define VOXTOOLS_NNET_LOSSES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/json.h"
#include "nnet/linear.h"
#include "nnet/module.h"
#include "nnet/ops/margin.h"
#include "nnet/random.h"

namespace voxtools {

enum class LossType { kSoftmax, kAmSoftmax, kAamSoftmax, kSubcenterAam, kGe2e };

// "softmax", "am-softmax", "aam-softmax", "subcenter-aam", "ge2e"; Parse throws Error.
const char *LossTypeName(LossType type);
LossType ParseLossType(const std::string &name);

struct LossConfig {
  LossType type = LossType::kAamSoftmax;
  int64_t embed_dim = 192;
  int64_t num_classes = 0;        // speakers/languages; GE2E ignores it
  float scale = 32.0f;            // s (margin heads)
  float margin = 0.2f;            // m; the margin scheduler overrides it during training
  bool easy_margin = false;       // aam: no margin where cos <= 0
  bool arcface_fallback = false;  // aam: insightface's cos - m sin(pi - m) past pi - m
  int64_t num_subcenters = 3;     // K (subcenter-aam)
  int64_t inter_topk = 5;         // k (subcenter-aam); 0 disables the penalty
  float inter_topk_margin = 0.06f;  // mp at margin 0.2 (subcenter-aam)
  float ge2e_init_w = 10.0f;
  float ge2e_init_b = -5.0f;

  // {"type": "aam-softmax", ...}: the fields of that type only. FromJson keeps defaults for
  // absent keys and throws Error on unknown keys, wrong types and bad values (Validate).
  JsonValue ToJson() const;
  static LossConfig FromJson(const JsonValue &json);
  void Validate() const;
};

// embeddings (B, D), labels (B) in [0, num_classes).
class LossHead : public Module {
 public:
  // Logits (B, C) whose cross-entropy is the loss (GE2E: (N M, N) similarities, C = N);
  // argmax gives the training accuracy.
  virtual Var Logits(const Var &embeddings, const std::vector<int64_t> &labels) = 0;
  // Mean cross-entropy of Logits: a one-element Var to call Backward() on.
  Var Loss(const Var &embeddings, const std::vector<int64_t> &labels);
  // The margin m now (MarginScheduler); heads without a margin ignore it.
  virtual void SetMargin(float margin) { (void)margin; }
};

class SoftmaxHead : public LossHead {
 public:
  SoftmaxHead(int64_t embed_dim, int64_t num_classes, RandomGenerator *rng);
  std::string TypeName() const override { return "SoftmaxHead"; }
  std::string Describe() const override;
  Var Logits(const Var &embeddings, const std::vector<int64_t> &labels) override;

 private:
  std::shared_ptr<Linear> linear_;
};

// am-softmax, aam-softmax and subcenter-aam.
class MarginHead : public LossHead {
 public:
  MarginHead(const LossConfig &config, RandomGenerator *rng);
  std::string TypeName() const override { return "MarginHead"; }
  std::string Describe() const override;
  Var Logits(const Var &embeddings, const std::vector<int64_t> &labels) override;
  void SetMargin(float margin) override;
  float margin() const { return opts_.margin; }
  // The cosines (B, C) to each class (the best sub-center), without margin or scale.
  Var Cosine(const Var &embeddings) const;

 private:
  LossConfig config_;
  MarginOptions opts_;
  int64_t subcenters_;
  Var weight_;
};

// Labels must list speakers 0..N-1 in order, each M >= 2 times in a row (the batch
// sampler's layout); anything else is an Error naming the first bad position.
class Ge2eHead : public LossHead {
 public:
  Ge2eHead(float init_w, float init_b);
  std::string TypeName() const override { return "Ge2eHead"; }
  std::string Describe() const override;
  Var Logits(const Var &embeddings, const std::vector<int64_t> &labels) override;

 private:
  Var w_, b_;
};

// The head for config (rng: initialisation; null: zeros, to be loaded).
std::unique_ptr<LossHead> MakeLossHead(const LossConfig &config, RandomGenerator *rng = nullptr);

// WeSpeaker's MarginScheduler: the margin is initial_margin until increase_start_epoch,
// rises to final_margin by fix_start_epoch, then stays there. Epochs count from 1; with
// I = iterations per epoch, s = (increase_start_epoch - 1) I, f = (fix_start_epoch - 1) I,
// at iteration i (from 0):
//   i < s:      initial
//   s <= i < f: initial + (final - initial) r, r = 1 - exp((i - s) / (f - s) ln(1e-3 / (1 + 1e-6)))
//               (exponential), or r = (i - s) / (f - s) (linear)
//   i >= f:     final
struct MarginScheduleConfig {
  float initial_margin = 0.0f;
  float final_margin = 0.2f;
  int64_t increase_start_epoch = 20;
  int64_t fix_start_epoch = 40;
  bool exponential = true;

  JsonValue ToJson() const;
  static MarginScheduleConfig FromJson(const JsonValue &json);
  void Validate() const;
};

class MarginScheduler {
 public:
  MarginScheduler(const MarginScheduleConfig &config, int64_t iterations_per_epoch);
  float MarginAt(int64_t iteration) const;

 private:
  MarginScheduleConfig config_;
  int64_t increase_start_, fix_start_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_LOSSES_H_

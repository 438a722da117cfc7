// tests/unit/nnet/losses-test.cc
// Every loss head (softmax, AM-softmax, AAM-softmax with each fallback, sub-center AAM with
// the inter-top-k penalty, GE2E) against its PyTorch formula (tests/reference/models-ref.py):
// logits, loss, and the gradients of the embeddings and of the head's parameters. Then the
// margin scheduler against WeSpeaker's formula evaluated by hand, and the errors.
#include "nnet/losses.h"

#include <gtest/gtest.h>

#include <cmath>

#include "model-reference.h"
#include "nnet/ops/reduce.h"
#include "nnet/ops/shape.h"

namespace voxtools {
namespace {

void CheckLoss(const std::string &what, const LossConfig &c, int64_t batch, int64_t dim,
               const std::vector<int64_t> &labels, uint64_t seed) {
  RandomGenerator rng(seed);
  std::unique_ptr<LossHead> head = MakeLossHead(c, &rng);
  Var x(test::RandomNormal({batch, dim}, seed + 1), true);
  test::NamedTensors before = test::ModuleTensors(*head);
  Var logits = head->Logits(x, labels);
  Var loss = head->Loss(x, labels);
  Tensor g_logits = test::RandomNormal(logits.shape(), seed + 2);
  Tensor g_loss = Tensor::Full({1}, 1.5f);
  Var total = Add(SumAll(Mul(logits, Var(g_logits))), MulScalar(Reshape(loss, {1}), 1.5f));
  total.Backward();
  std::vector<float> lf(labels.begin(), labels.end());
  Tensor label_tensor = Tensor::FromVector({batch}, lf);
  JsonValue request = JsonValue::Object();
  request.Set("kind", JsonValue::String("loss"));
  request.Set("config", c.ToJson());
  // The loss is a log of a sum of exponentials of 32 times a cosine: 1e-4 relative.
  test::CompareWithReference(what, request, *head, before, x, {{"labels", label_tensor}},
                             {{"logits", logits}, {"loss", loss}},
                             {{"logits", g_logits}, {"loss", g_loss}});
}

LossConfig Margin(LossType type, float margin) {
  LossConfig c;
  c.type = type;
  c.embed_dim = 8;
  c.num_classes = 11;
  c.margin = margin;
  return c;
}

const std::vector<int64_t> kLabels{3, 0, 10, 3, 7};

TEST(Losses, SoftmaxMatchesTorch) {
  CheckLoss("softmax", Margin(LossType::kSoftmax, 0), 5, 8, kLabels, 1);
}

TEST(Losses, AmSoftmaxMatchesTorch) {
  CheckLoss("am-softmax", Margin(LossType::kAmSoftmax, 0.35f), 5, 8, kLabels, 2);
}

TEST(Losses, AamSoftmaxMatchesTorch) {
  CheckLoss("aam m=0.2", Margin(LossType::kAamSoftmax, 0.2f), 5, 8, kLabels, 3);
  // A margin of 1.2 puts the switch at cos = cos(pi - 1.2) = -0.36, which random 8-dim
  // vectors cross: both branches of each fallback are exercised.
  LossConfig c = Margin(LossType::kAamSoftmax, 1.2f);
  CheckLoss("aam m=1.2 wespeaker", c, 5, 8, kLabels, 4);
  c.arcface_fallback = true;
  CheckLoss("aam m=1.2 arcface", c, 5, 8, kLabels, 5);
  c.arcface_fallback = false;
  c.easy_margin = true;
  CheckLoss("aam m=1.2 easy", c, 5, 8, kLabels, 6);
}

TEST(Losses, SubcenterInterTopKMatchesTorch) {
  LossConfig c = Margin(LossType::kSubcenterAam, 0.3f);
  c.num_subcenters = 3;
  c.inter_topk = 4;
  CheckLoss("subcenter K=3 top-4", c, 5, 8, kLabels, 7);
  c.margin = 0.0005f;  // below WeSpeaker's 0.001 threshold: no hard-negative margin
  CheckLoss("subcenter m~0", c, 5, 8, kLabels, 8);
  c.inter_topk = 0;
  c.num_subcenters = 2;
  CheckLoss("subcenter K=2 no top-k", c, 5, 8, kLabels, 9);
}

TEST(Losses, Ge2eMatchesTorch) {
  LossConfig c;
  c.type = LossType::kGe2e;
  // N = 3 speakers x M = 4 utterances.
  std::vector<int64_t> labels{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
  CheckLoss("ge2e 3x4", c, 12, 6, labels, 10);
  c.ge2e_init_w = 3.0f, c.ge2e_init_b = 1.0f;
  CheckLoss("ge2e 2x2", c, 4, 5, {0, 0, 1, 1}, 11);
}

TEST(Losses, Ge2eRejectsBadLayout) {
  Ge2eHead head(10.0f, -5.0f);
  Var x(test::RandomNormal({6, 4}, 1));
  EXPECT_THROW(head.Loss(x, {0, 1, 0, 1, 2, 2}), Error);  // not grouped
  EXPECT_THROW(head.Loss(x, {0, 1, 1, 2, 2, 2}), Error);  // M = 1
  EXPECT_THROW(head.Loss(x, {0, 0, 1, 1, 1, 2}), Error);  // unequal counts
  EXPECT_NO_THROW(head.Loss(x, {0, 0, 1, 1, 2, 2}));
}

TEST(Losses, ConfigRoundTripAndErrors) {
  LossConfig c = Margin(LossType::kSubcenterAam, 0.2f);
  EXPECT_EQ(LossConfig::FromJson(c.ToJson()).ToJson().ToString(), c.ToJson().ToString());
  EXPECT_THROW(LossConfig::FromJson(ParseJson("{\"type\": \"arcface\"}", "t")), Error);
  EXPECT_THROW(LossConfig::FromJson(ParseJson("{\"num_classes\": 1}", "t")), Error);
  EXPECT_THROW(LossConfig::FromJson(ParseJson("{\"num_classes\": 5, \"inter_topk\": 5, "
                                              "\"type\": \"subcenter-aam\"}", "t")), Error);
  EXPECT_THROW(LossConfig::FromJson(ParseJson("{\"num_classes\": 5, \"margn\": 0.1}", "t")),
               Error);
  MarginHead head(Margin(LossType::kAamSoftmax, 0.2f), nullptr);
  head.SetMargin(0.05f);
  EXPECT_FLOAT_EQ(head.margin(), 0.05f);
  EXPECT_THROW(head.Loss(Var(Tensor({2, 7})), {0, 1}), Error);   // 7-dim, head takes 8
  EXPECT_THROW(head.Loss(Var(Tensor({2, 8})), {0, 11}), Error);  // label out of range
}

TEST(MarginScheduler, FollowsWeSpeakersFormula) {
  // 10 iterations per epoch, increase from epoch 3 (iteration 20) to epoch 5 (iteration 40).
  MarginScheduleConfig c;
  c.initial_margin = 0.0f, c.final_margin = 0.2f;
  c.increase_start_epoch = 3, c.fix_start_epoch = 5;
  MarginScheduler s(c, 10);
  EXPECT_EQ(s.MarginAt(0), 0.0f);
  EXPECT_EQ(s.MarginAt(19), 0.0f);
  EXPECT_NEAR(s.MarginAt(20), 0.0f, 1e-7);  // 1 - exp(0) = 0
  // Halfway: 1 - exp(0.5 ln(1e-3 / (1 + 1e-6))) = 1 - 0.0316228 = 0.968377.
  EXPECT_NEAR(s.MarginAt(30), 0.2f * 0.968377f, 1e-6);
  // Just before the end the exponential is at 1 - 1e-3^(19/20) = 0.998585.
  EXPECT_NEAR(s.MarginAt(39), 0.2f * (1.0f - std::pow(1e-3f, 0.95f)), 1e-6);
  EXPECT_EQ(s.MarginAt(40), 0.2f);
  EXPECT_EQ(s.MarginAt(100000), 0.2f);
  c.exponential = false;
  c.initial_margin = 0.1f;
  MarginScheduler lin(c, 10);
  EXPECT_NEAR(lin.MarginAt(25), 0.1f + 0.1f * 0.25f, 1e-7);
  MarginScheduleConfig j = MarginScheduleConfig::FromJson(c.ToJson());
  EXPECT_FALSE(j.exponential);
  EXPECT_THROW(MarginScheduleConfig::FromJson(ParseJson("{\"fix_start_epoch\": 1, "
                                                        "\"increase_start_epoch\": 2}", "t")),
               Error);
  EXPECT_THROW(MarginScheduler(MarginScheduleConfig{}, 0), Error);
}

}  // namespace
}  // namespace voxtools

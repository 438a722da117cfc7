// tests/unit/nnet/margin-test.cc
// The fused margin op (nnet/ops/margin.h): values at hand-computed points, finite-difference
// gradients for each margin type and fallback, and the inter-top-k selection. The op is
// compared with PyTorch through the loss heads in losses-test.cc.
#include "nnet/ops/margin.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nnet-test-util.h"

namespace voxtools {
namespace {

TEST(MarginLogits, HandComputedValues) {
  // One row, classes 0..3, target 1.
  Tensor c = Tensor::FromVector({1, 4}, {0.5f, 0.6f, -0.9f, 0.1f});
  MarginOptions o;
  o.scale = 2.0f;
  o.margin = 0.3f;
  o.type = MarginType::kAdditive;
  Tensor y = MarginLogits(Var(c), {1}, o).value();
  EXPECT_FLOAT_EQ(y.Data()[1], 2.0f * 0.3f);
  EXPECT_FLOAT_EQ(y.Data()[0], 1.0f);
  o.type = MarginType::kAngular;
  y = MarginLogits(Var(c), {1}, o).value();
  EXPECT_NEAR(y.Data()[1], 2.0f * std::cos(std::acos(0.6f) + 0.3f), 1e-6);
  // Target past pi - m: cos(pi - 0.3) = -0.955 > -0.99.
  y = MarginLogits(Var(Tensor::FromVector({1, 2}, {-0.99f, 0.2f})), {0}, o).value();
  EXPECT_NEAR(y.Data()[0], 2.0f * (-0.99f - (1.0f + std::cos(M_PI - 0.3))), 1e-6);
  o.fallback = AngularFallback::kArcFace;
  y = MarginLogits(Var(Tensor::FromVector({1, 2}, {-0.99f, 0.2f})), {0}, o).value();
  EXPECT_NEAR(y.Data()[0], 2.0f * (-0.99f - std::sin(M_PI - 0.3) * 0.3), 1e-6);
  // Inter-top-1: class 0 (0.5) is the nearest wrong class; it gets cos(theta - mp).
  o.fallback = AngularFallback::kWeSpeaker;
  o.inter_topk = 1;
  o.inter_topk_margin = 0.1f;
  y = MarginLogits(Var(c), {1}, o).value();
  EXPECT_NEAR(y.Data()[0], 2.0f * std::cos(std::acos(0.5f) - 0.1f), 1e-6);
  EXPECT_FLOAT_EQ(y.Data()[3], 0.2f);
  EXPECT_FLOAT_EQ(y.Data()[2], -1.8f);
}

TEST(MarginLogits, FiniteDifferences) {
  // Cosines in (-0.95, 0.95), away from the non-differentiable switch points.
  for (int variant = 0; variant < 5; variant++) {
    MarginOptions o;
    o.scale = 3.0f;
    o.margin = variant == 0 ? 0.35f : 1.2f;
    o.type = variant == 0 ? MarginType::kAdditive : MarginType::kAngular;
    if (variant == 2) o.fallback = AngularFallback::kArcFace;
    if (variant == 3) o.fallback = AngularFallback::kEasy;
    if (variant == 4) o.inter_topk = 3, o.inter_topk_margin = 0.2f;
    Var c(test::RandomTensor({4, 9}, 30 + variant, -0.95f, 0.95f), true);
    const std::vector<int64_t> labels{0, 8, 4, 4};
    test::CheckGradients(
        [&](const std::vector<Var> &in) { return MarginLogits(in[0], labels, o); }, {c}, 1e-3f,
        1e-2f, 5e-3f, "margin variant " + std::to_string(variant));
  }
}

TEST(MarginLogits, SineZeroGivesFiniteGradient) {
  // cos = 1 exactly at a top-k entry: PyTorch's composed formula gives NaN; we give the
  // limit of the defined part (the header says so).
  MarginOptions o;
  o.type = MarginType::kAngular;
  o.inter_topk = 1;
  o.inter_topk_margin = 0.1f;
  Var c(Tensor::FromVector({1, 3}, {1.0f, 0.2f, -0.3f}), true);
  MarginLogits(c, {2}, o).Backward(Tensor::Full({1, 3}, 1.0f));
  for (int i = 0; i < 3; i++) EXPECT_TRUE(std::isfinite(c.grad().Data()[i])) << i;
}

TEST(MarginLogits, Errors) {
  MarginOptions o;
  EXPECT_THROW(MarginLogits(Var(Tensor({2, 3})), {0}, o), Error);
  EXPECT_THROW(MarginLogits(Var(Tensor({1, 3})), {3}, o), Error);
  o.inter_topk = 3;
  EXPECT_THROW(MarginLogits(Var(Tensor({1, 3})), {0}, o), Error);
}

}  // namespace
}  // namespace voxtools

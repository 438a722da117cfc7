// tests/unit/nnet/grad-scale-test.cc
// GradMultiply: identity forward; backward is scale times the true gradient, checked against
// finite differences of the same graph without the multiplier.
#include "nnet/ops/grad-scale.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nnet-test-util.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/reduce.h"

namespace voxtools {
namespace {

TEST(GradMultiplyTest, IdentityForwardScaledBackward) {
  const float kScale = 0.08f;  // the WeSpeaker SSL recipes' value
  Var x(test::RandomTensor({3, 5}, 1, -2.0f, 2.0f), true);
  Var r(test::RandomTensor({3, 5}, 2));
  // L(x) = sum(tanh(x)^2 * r) with the multiplier between tanh and square.
  auto loss = [&](bool with_multiplier) {
    Var t = Tanh(x);
    if (with_multiplier) t = GradMultiply(t, kScale);
    return SumAll(Mul(Square(t), r));
  };
  Var y = loss(true);
  test::ExpectTensorNear(y.value(), loss(false).value(), 0, 0, "forward unchanged");
  y.Backward();
  Tensor analytic = x.grad().Clone();

  // Central differences of L without the multiplier (in double), times the scale.
  Tensor numeric = Tensor::Empty(x.shape());
  const float eps = 1e-2f;
  float *d = x.MutableValue().Data();
  for (int64_t i = 0; i < x.NumElements(); i++) {
    NoGradGuard no_grad;
    float saved = d[i];
    d[i] = saved + eps;
    double lp = loss(false).value().Item();
    d[i] = saved - eps;
    double lm = loss(false).value().Item();
    d[i] = saved;
    numeric.Data()[i] = static_cast<float>(kScale * (lp - lm) / (2 * eps));
  }
  // Float32 central differences with eps 1e-2: 1e-2 relative, 1e-4 absolute (the gradients
  // are ~0.08 in size).
  test::ExpectTensorNear(analytic, numeric, 1e-2f, 1e-4f, "scaled gradient");

  // Exactly scale times the analytic gradient without the multiplier.
  x.ZeroGrad();
  loss(false).Backward();
  for (int64_t i = 0; i < x.NumElements(); i++)
    EXPECT_FLOAT_EQ(analytic.Data()[i], kScale * x.grad().Data()[i]) << i;
}

TEST(GradMultiplyTest, SharesValueRecordsNothingWithoutGradAndChecksScale) {
  Var x(test::RandomTensor({4}, 3), true);
  Var y = GradMultiply(x, 0.5f);
  EXPECT_TRUE(y.value().SharesDataWith(x.value()));
  EXPECT_TRUE(y.RequiresGrad());
  Var c(test::RandomTensor({4}, 4));
  EXPECT_TRUE(GradMultiply(c, 0.5f).SameAs(c));
  {
    NoGradGuard no_grad;
    EXPECT_TRUE(GradMultiply(x, 0.5f).SameAs(x));
  }
  EXPECT_THROW(GradMultiply(x, NAN), Error);
  EXPECT_THROW(GradMultiply(x, INFINITY), Error);
  // Scale 0 stops the gradient but still reaches the input (with zeros).
  Var z = GradMultiply(x, 0.0f);
  SumAll(z).Backward();
  ASSERT_TRUE(x.grad().Defined());
  for (float g : x.grad().ToVector()) EXPECT_EQ(g, 0.0f);
}

}  // namespace
}  // namespace voxtools

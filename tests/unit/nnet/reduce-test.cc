// tests/unit/nnet/reduce-test.cc
// Reductions, softmax and log-softmax against PyTorch and finite differences.
#include "nnet/ops/reduce.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nnet-test-util.h"

namespace voxtools {
namespace {

using test::RandomTensor;

Var In(const Shape &s, uint64_t seed) { return Var(RandomTensor(s, seed, -3.0f, 3.0f), true); }

// Sums of up to ~40 order-one terms, accumulated in double by us and in float by PyTorch:
// 2e-6 relative, 2e-6 absolute (the float rounding of a sum of that size).
constexpr float kRtol = 2e-6f, kAtol = 2e-6f;

std::string AxisParams(int axis, bool keepdim, const char *extra = "") {
  return "{\"axis\": " + std::to_string(axis) + ", \"keepdim\": " + (keepdim ? "true" : "false") +
         extra + "}";
}

TEST(ReduceTest, AxisReductionsMatchTorch) {
  for (const Shape &s : {Shape{7}, Shape{3, 5}, Shape{2, 3, 5, 4}, Shape{1, 1}}) {
    for (int axis = -1; axis < s.Rank(); axis++) {
      for (bool keep : {false, true}) {
        Var x = In(s, 10 + axis);
        auto sum = [&](const std::vector<Var> &v) { return Sum(v[0], axis, keep); };
        auto mean = [&](const std::vector<Var> &v) { return Mean(v[0], axis, keep); };
        auto mx = [&](const std::vector<Var> &v) { return Max(v[0], axis, keep); };
        auto lse = [&](const std::vector<Var> &v) { return LogSumExp(v[0], axis, keep); };
        VOX_CHECK_TORCH({"sum", AxisParams(axis, keep), {x}}, sum, kRtol, kAtol);
        VOX_CHECK_TORCH({"mean", AxisParams(axis, keep), {x}}, mean, kRtol, kAtol);
        VOX_CHECK_TORCH({"max", AxisParams(axis, keep), {x}}, mx, kRtol, kAtol);
        VOX_CHECK_TORCH({"logsumexp", AxisParams(axis, keep), {x}}, lse, kRtol, kAtol);
        if (s.Dim(axis) > 1) {
          for (bool unbiased : {false, true}) {
            auto var = [&](const std::vector<Var> &v) {
              return Variance(v[0], axis, unbiased, keep);
            };
            VOX_CHECK_TORCH({"var", AxisParams(axis, keep, unbiased ? ", \"unbiased\": true"
                                                                    : ", \"unbiased\": false"),
                             {x}},
                            var, 4e-6f, kAtol);
            test::CheckGradients(var, {x}, 1e-2f, 1e-2f, 2e-3f, "var");
          }
        }
        test::CheckGradients(sum, {x}, 1e-2f, 1e-2f, 2e-3f, "sum");
        test::CheckGradients(mean, {x}, 1e-2f, 1e-2f, 2e-3f, "mean");
        test::CheckGradients(mx, {x}, 1e-3f, 1e-2f, 2e-3f, "max");
        test::CheckGradients(lse, {x}, 1e-2f, 1e-2f, 2e-3f, "logsumexp");
      }
    }
  }
}

TEST(ReduceTest, AllElements) {
  Var x = In({2, 3, 4}, 3);
  auto sum = [](const std::vector<Var> &v) { return SumAll(v[0]); };
  auto mean = [](const std::vector<Var> &v) { return MeanAll(v[0]); };
  VOX_CHECK_TORCH({"sum_all", "{}", {x}}, sum, kRtol, kAtol);
  VOX_CHECK_TORCH({"mean_all", "{}", {x}}, mean, kRtol, kAtol);
  EXPECT_EQ(SumAll(x).NumElements(), 1);
}

TEST(ReduceTest, SoftmaxMatchesTorch) {
  // (A softmax over one element has gradient 0: batch 1 is {1, 5}, not {1, 1}.)
  for (const Shape &s : {Shape{1, 5}, Shape{3, 17}, Shape{2, 3, 5, 4}}) {
    for (int axis : {-1, 1}) {
      Var x = In(s, 20 + axis);
      auto sm = [&](const std::vector<Var> &v) { return Softmax(v[0], axis); };
      auto lsm = [&](const std::vector<Var> &v) { return LogSoftmax(v[0], axis); };
      std::string p = "{\"axis\": " + std::to_string(axis) + "}";
      VOX_CHECK_TORCH({"softmax", p, {x}}, sm, kRtol, kAtol);
      VOX_CHECK_TORCH({"log_softmax", p, {x}}, lsm, kRtol, kAtol);
      test::CheckGradients(sm, {x}, 1e-2f, 1e-2f, 2e-3f, "softmax");
      test::CheckGradients(lsm, {x}, 1e-2f, 1e-2f, 2e-3f, "log_softmax");
    }
  }
}

TEST(ReduceTest, SoftmaxIsStableForLargeInputs) {
  Var x(Tensor::FromVector({1, 3}, {1000.0f, 1001.0f, -1000.0f}));
  Tensor y = Softmax(x, -1).value();
  EXPECT_NEAR(y.At({0, 1}), 1.0f / (1.0f + std::exp(-1.0f)), 1e-6);
  EXPECT_EQ(y.At({0, 2}), 0.0f);
  EXPECT_NEAR(LogSumExp(x, -1).value().Item(), 1001.0f + std::log1p(std::exp(-1.0f)), 1e-3);
}

}  // namespace
}  // namespace voxtools

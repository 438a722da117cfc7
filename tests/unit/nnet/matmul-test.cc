// tests/unit/nnet/matmul-test.cc
// MatMul and Affine against PyTorch (forward, gradients) and finite differences.
#include "nnet/ops/matmul.h"

#include <gtest/gtest.h>

#include "nnet-test-util.h"

namespace voxtools {
namespace {

using test::RandomTensor;

Var In(const Shape &s, uint64_t seed, bool grad = true) { return Var(RandomTensor(s, seed), grad); }

// GEMM sums k products in float in an order different from oneDNN's: 1e-5 relative plus
// 1e-5 absolute for sums of order-one terms with k <= 64.
constexpr float kRtol = 1e-5f, kAtol = 1e-5f;

TEST(MatMulTest, MatchesTorch) {
  auto f = [](const std::vector<Var> &x) { return MatMul(x[0], x[1]); };
  VOX_CHECK_TORCH({"matmul", "{}", {In({3, 5}, 1), In({5, 4}, 2)}}, f, kRtol, kAtol);
  VOX_CHECK_TORCH({"matmul", "{}", {In({1, 1}, 1), In({1, 7}, 2)}}, f, kRtol, kAtol);
  VOX_CHECK_TORCH({"matmul", "{}", {In({2, 3, 7, 5}, 3), In({2, 3, 5, 9}, 4)}}, f, kRtol, kAtol);
  VOX_CHECK_TORCH({"matmul", "{}", {In({2, 7, 33}, 3), In({33, 17}, 4)}}, f, kRtol, kAtol);
  VOX_CHECK_TORCH({"matmul", "{}", {In({2, 7, 5}, 3, false), In({2, 5, 3}, 4)}}, f, kRtol, kAtol);
}

TEST(MatMulTest, FiniteDifferences) {
  auto f = [](const std::vector<Var> &x) { return MatMul(x[0], x[1]); };
  test::CheckGradients(f, {In({3, 4}, 1), In({4, 2}, 2)});
  test::CheckGradients(f, {In({2, 3, 4}, 1), In({2, 4, 2}, 2)});
  test::CheckGradients(f, {In({2, 3, 4}, 1), In({4, 2}, 2)});
}

TEST(MatMulTest, BadShapes) {
  EXPECT_THROW(MatMul(In({3, 4}, 1), In({5, 2}, 2)), Error);
  EXPECT_THROW(MatMul(In({2, 3, 4}, 1), In({3, 4, 2}, 2)), Error);
  EXPECT_THROW(MatMul(In({4}, 1), In({4, 2}, 2)), Error);
}

TEST(AffineTest, MatchesTorch) {
  auto f = [](const std::vector<Var> &x) { return Affine(x[0], x[1], x[2]); };
  VOX_CHECK_TORCH({"affine", "{}", {In({3, 5}, 1), In({4, 5}, 2), In({4}, 3)}}, f, kRtol, kAtol);
  VOX_CHECK_TORCH({"affine", "{}", {In({2, 7, 33}, 1), In({17, 33}, 2), In({17}, 3)}}, f, kRtol,
                  kAtol);
  VOX_CHECK_TORCH({"affine", "{}", {In({1, 1, 1}, 1), In({1, 1}, 2), In({1}, 3)}}, f, kRtol, kAtol);
  auto no_bias = [](const std::vector<Var> &x) { return Affine(x[0], x[1], Var()); };
  VOX_CHECK_TORCH({"affine", "{}", {In({6, 5}, 1), In({4, 5}, 2)}}, no_bias, kRtol, kAtol);
}

TEST(AffineTest, FiniteDifferences) {
  auto f = [](const std::vector<Var> &x) { return Affine(x[0], x[1], x[2]); };
  test::CheckGradients(f, {In({2, 3, 4}, 1), In({5, 4}, 2), In({5}, 3)});
}

}  // namespace
}  // namespace voxtools

#include "nnet/ops/fused.h"

namespace voxtools {
namespace {

TEST(AffineGeluTest, MatchesTorchInBothModes) {
  auto f = [](const std::vector<Var> &x) { return AffineGelu(x[0], x[1], x[2]); };
  VOX_CHECK_TORCH({"linear_gelu", "{}", {In({2, 7, 33}, 1), In({17, 33}, 2), In({17}, 3)}}, f,
                  kRtol, kAtol);
  test::CheckGradients(f, {In({3, 4}, 1), In({5, 4}, 2), In({5}, 3)});
  // Inference (in-place GELU) gives the same values as training mode.
  Var x = In({3, 9}, 4), w = In({6, 9}, 5), b = In({6}, 6);
  Tensor a;
  {
    NoGradGuard no_grad;
    a = AffineGelu(x, w, b).value();
  }
  test::ExpectTensorNear(a, AffineGelu(x, w, b).value(), 0, 0, "inference vs training");
}

}  // namespace
}  // namespace voxtools

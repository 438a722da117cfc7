// tests/unit/nnet/norm-test.cc
// Layer/group/batch norm, weight norm, L2 normalisation, cosine similarity against PyTorch
// and finite differences.
#include "nnet/ops/norm.h"

#include <gtest/gtest.h>

#include "nnet/ops/shape.h"
#include "nnet-test-util.h"

namespace voxtools {
namespace {

using test::RandomTensor;

Var In(const Shape &s, uint64_t seed, float lo = -2.0f, float hi = 2.0f) {
  return Var(RandomTensor(s, seed, lo, hi), true);
}

// Normalisations divide by a standard deviation computed from float data in a different
// order than PyTorch: 1e-5 relative, 1e-5 absolute (outputs of order one).
constexpr float kRtol = 1e-5f, kAtol = 1e-5f;

TEST(NormTest, LayerNormMatchesTorch) {
  for (const Shape &s : {Shape{1, 7}, Shape{3, 17}, Shape{2, 5, 64}}) {
    Var x = In(s, 1), w = In({s.Dim(-1)}, 2), b = In({s.Dim(-1)}, 3);
    auto f = [](const std::vector<Var> &v) { return LayerNorm(v[0], v[1], v[2], 1e-5f); };
    VOX_CHECK_TORCH({"layer_norm", "{\"eps\": 1e-5}", {x, w, b}}, f, kRtol, kAtol);
    test::CheckGradients(f, {x, w, b}, 1e-2f, 2e-2f, 3e-3f, "layer_norm");
  }
  Var x = In({4, 9}, 4);
  auto plain = [](const std::vector<Var> &v) { return LayerNorm(v[0], Var(), Var(), 1e-6f); };
  VOX_CHECK_TORCH({"layer_norm", "{\"eps\": 1e-6}", {x}}, plain, kRtol, kAtol);
}

TEST(NormTest, GroupNormMatchesTorch) {
  struct Case { Shape s; int64_t groups; };
  for (const Case &c : {Case{{2, 6, 5}, 3}, Case{{1, 4, 7}, 4}, Case{{3, 8, 2, 3}, 2},
                        Case{{2, 5, 9}, 1}}) {
    Var x = In(c.s, 5), w = In({c.s.Dim(1)}, 6), b = In({c.s.Dim(1)}, 7);
    auto f = [&](const std::vector<Var> &v) { return GroupNorm(v[0], c.groups, v[1], v[2]); };
    VOX_CHECK_TORCH({"group_norm", "{\"groups\": " + std::to_string(c.groups) + ", \"eps\": 1e-5}",
                     {x, w, b}},
                    f, kRtol, kAtol);
    test::CheckGradients(f, {x, w, b}, 1e-2f, 2e-2f, 3e-3f, "group_norm");
  }
  EXPECT_THROW(GroupNorm(In({2, 6, 5}, 1), 4, Var(), Var()), Error);
}

// Rows of different lengths (the SSL conv encoder's first GroupNorm in a batch): each row as
// PyTorch's group_norm of its valid slice alone, zeros after; padding filled with large values
// so that any leak into the statistics or the gradients shows.
TEST(NormTest, GroupNormWithLengthsMatchesTorchPerRow) {
  struct Case { Shape s; int64_t groups; std::vector<int64_t> lengths; };
  for (const Case &c : {Case{{3, 6, 9}, 6, {9, 4, 2}}, Case{{3, 6, 9}, 3, {5, 9, 3}},
                        Case{{2, 4, 7}, 1, {7, 6}}, Case{{1, 5, 8}, 5, {3}}}) {
    Tensor xv = RandomTensor(c.s, 17, -2.0f, 2.0f);
    const int64_t ch = c.s.Dim(1), len = c.s.Dim(2);
    for (int64_t n = 0; n < c.s.Dim(0); n++)
      for (int64_t k = 0; k < ch; k++)
        for (int64_t i = c.lengths[n]; i < len; i++) xv.Data()[(n * ch + k) * len + i] = 50.0f + i;
    Var x(xv, true), w = In({ch}, 18), b = In({ch}, 19);
    auto f = [&](const std::vector<Var> &v) {
      return GroupNorm(v[0], c.groups, v[1], v[2], c.lengths, 1e-5f);
    };
    std::string lengths;
    for (int64_t l : c.lengths) lengths += (lengths.empty() ? "" : ", ") + std::to_string(l);
    VOX_CHECK_TORCH({"group_norm_lengths",
                     "{\"groups\": " + std::to_string(c.groups) + ", \"eps\": 1e-5, \"lengths\": [" +
                         lengths + "]}",
                     {x, w, b}},
                    f, kRtol, kAtol);
    test::CheckGradients(f, {x, w, b}, 1e-2f, 2e-2f, 3e-3f, "group_norm_lengths");
    // Full lengths give plain GroupNorm (bit for bit with one channel per group, where the
    // sums run in the same order; float noise otherwise).
    std::vector<int64_t> full(c.s.Dim(0), len);
    const float tol = c.groups == ch ? 0.0f : 1e-6f;
    test::ExpectTensorNear(GroupNorm(x, c.groups, w, b, full).value(),
                           GroupNorm(x, c.groups, w, b).value(), 0.0f, tol, "full lengths");
  }
  Var x = In({2, 4, 5}, 1);
  EXPECT_THROW(GroupNorm(x, 4, Var(), Var(), std::vector<int64_t>{5}), Error);
  EXPECT_THROW(GroupNorm(x, 4, Var(), Var(), std::vector<int64_t>{5, 6}), Error);
  EXPECT_THROW(GroupNorm(x, 4, Var(), Var(), std::vector<int64_t>{0, 5}), Error);
  EXPECT_THROW(GroupNorm(x, 3, Var(), Var(), std::vector<int64_t>{5, 5}), Error);
}

TEST(NormTest, BatchNormMatchesTorch) {
  for (const Shape &s : {Shape{5, 3}, Shape{2, 4, 7}, Shape{3, 2, 3, 5}}) {
    for (bool training : {true, false}) {
      const int64_t c = s.Dim(1);
      Var x = In(s, 8), w = In({c}, 9), b = In({c}, 10);
      Var rm(RandomTensor({c}, 11)), rv(RandomTensor({c}, 12, 0.5f, 2.0f));
      // The output and the updated running statistics, flattened into one tensor as the
      // reference script returns them.
      auto f = [&](const std::vector<Var> &v) {
        Var m(v[3].value().Clone()), var(v[4].value().Clone());
        Var y = BatchNorm(v[0], v[1], v[2], &m, &var, training, 0.1f, 1e-5f);
        return Concat({Reshape(y, {-1}), m, var}, 0);
      };
      VOX_CHECK_TORCH({"batch_norm",
                       std::string("{\"training\": ") + (training ? "true" : "false") + "}",
                       {x, w, b, rm, rv}},
                      f, kRtol, kAtol);
      // The running statistics depend on x but are not differentiated: differences of y only.
      auto y_only = [&](const std::vector<Var> &v) {
        Var m(v[3].value().Clone()), var(v[4].value().Clone());
        return BatchNorm(v[0], v[1], v[2], &m, &var, training, 0.1f, 1e-5f);
      };
      test::CheckGradients(y_only, {x, w, b, rm, rv}, 1e-2f, 2e-2f, 3e-3f, "batch_norm");
    }
  }
}

TEST(NormTest, WeightNormMatchesTorch) {
  Var v = In({6, 3, 5}, 13);
  for (int dim : {0, 2}) {
    std::vector<int64_t> gd(3, 1);
    gd[dim] = v.Dim(dim);
    Var g = In(Shape(gd), 14);
    auto f = [dim](const std::vector<Var> &x) { return WeightNorm(x[0], x[1], dim); };
    VOX_CHECK_TORCH({"weight_norm", "{\"dim\": " + std::to_string(dim) + "}", {v, g}}, f, kRtol,
                    kAtol);
    test::CheckGradients(f, {v, g}, 1e-2f, 2e-2f, 3e-3f, "weight_norm");
  }
}

TEST(NormTest, L2NormalizeAndCosineMatchTorch) {
  Var x = In({4, 7}, 15), y = In({4, 7}, 16);
  for (int axis : {1, 0}) {
    std::string p = "{\"axis\": " + std::to_string(axis);
    auto n = [axis](const std::vector<Var> &v) { return L2Normalize(v[0], axis, 1e-12f); };
    VOX_CHECK_TORCH({"l2_normalize", p + ", \"eps\": 1e-12}", {x}}, n, kRtol, kAtol);
    test::CheckGradients(n, {x}, 1e-2f, 2e-2f, 3e-3f, "l2");
    auto c = [axis](const std::vector<Var> &v) { return CosineSimilarity(v[0], v[1], axis); };
    VOX_CHECK_TORCH({"cosine_similarity", p + ", \"eps\": 1e-8}", {x, y}}, c, kRtol, kAtol);
    test::CheckGradients(c, {x, y}, 1e-2f, 2e-2f, 3e-3f, "cosine");
  }
}

}  // namespace
}  // namespace voxtools

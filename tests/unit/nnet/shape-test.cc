// tests/unit/nnet/shape-test.cc
// Shape operations against PyTorch and finite differences. They only move values, so the
// comparison is exact (tolerance 0).
#include "nnet/ops/shape.h"

#include <gtest/gtest.h>

#include "nnet-test-util.h"

namespace voxtools {
namespace {

using test::RandomTensor;

Var In(const Shape &s, uint64_t seed) { return Var(RandomTensor(s, seed), true); }

TEST(ShapeOpsTest, ReshapeSharesMemory) {
  Var x = In({2, 6}, 1);
  Var y = Reshape(x, {3, -1});
  EXPECT_TRUE(y.value().SharesDataWith(x.value()));
  test::CheckGradients([](const std::vector<Var> &v) { return Reshape(v[0], {4, 3}); }, {x});
}

TEST(ShapeOpsTest, TransposePermuteMatchTorch) {
  Var x = In({2, 3, 5, 4}, 2);
  for (auto ab : std::vector<std::pair<int, int>>{{0, 1}, {1, 2}, {2, 3}, {0, 3}, {-1, -2}}) {
    auto f = [&](const std::vector<Var> &v) { return Transpose(v[0], ab.first, ab.second); };
    VOX_CHECK_TORCH({"transpose",
                     "{\"a\": " + std::to_string(ab.first) + ", \"b\": " +
                         std::to_string(ab.second) + "}",
                     {x}},
                    f, 0, 0);
  }
  auto f = [](const std::vector<Var> &v) { return Permute(v[0], {2, 0, 3, 1}); };
  VOX_CHECK_TORCH({"permute", "{\"perm\": [2, 0, 3, 1]}", {x}}, f, 0, 0);
  Var y = In({3, 1, 7}, 3);
  auto g = [](const std::vector<Var> &v) { return Permute(v[0], {1, 2, 0}); };
  VOX_CHECK_TORCH({"permute", "{\"perm\": [1, 2, 0]}", {y}}, g, 0, 0);
  test::CheckGradients(f, {x});
  EXPECT_THROW(Permute(x, {0, 1, 1, 2}), Error);
}

TEST(ShapeOpsTest, NarrowSplitConcatMatchTorch) {
  Var x = In({3, 7, 5}, 4);
  for (int axis = 0; axis < 3; axis++) {
    auto f = [&](const std::vector<Var> &v) { return Narrow(v[0], axis, 1, 2); };
    VOX_CHECK_TORCH({"narrow",
                     "{\"axis\": " + std::to_string(axis) + ", \"begin\": 1, \"length\": 2}",
                     {x}},
                    f, 0, 0);
  }
  EXPECT_THROW(Narrow(x, 1, 6, 2), Error);
  auto parts = Split(x, 1, {3, 0, 4});
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2].shape(), Shape({3, 4, 5}));
  for (int axis = 0; axis < 3; axis++) {
    Var a = In({3, 7, 5}, 5), b = In({3, 7, 5}, 6);
    Shape sb = b.shape();
    sb.Dim(axis) = 2;
    Var c = In(sb, 7);
    auto f = [&](const std::vector<Var> &v) { return Concat(v, axis); };
    VOX_CHECK_TORCH({"concat", "{\"axis\": " + std::to_string(axis) + "}", {a, c, b}}, f, 0, 0);
    test::CheckGradients(f, {a, c});
  }
  EXPECT_THROW(Concat({In({2, 3}, 1), In({3, 3}, 1)}, 1), Error);
}

TEST(ShapeOpsTest, IndexSelectMaskPadMatchTorch) {
  Var x = In({4, 6, 3}, 8);
  auto f = [](const std::vector<Var> &v) { return IndexSelect(v[0], 1, {5, 0, 5, 2}); };
  Var idx(Tensor::FromVector({4}, {5, 0, 5, 2}));
  VOX_CHECK_TORCH({"index_select", "{\"axis\": 1}", {x, idx}}, f, 0, 0);
  test::CheckGradients(f, {x});
  EXPECT_THROW(IndexSelect(x, 1, {6}), Error);

  Tensor mask = Tensor::FromVector({4, 1, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1});
  auto m = [&](const std::vector<Var> &v) { return MaskedFill(v[0], mask, -7.5f); };
  VOX_CHECK_TORCH({"masked_fill", "{\"value\": -7.5}", {x, Var(mask)}}, m, 0, 0);
  test::CheckGradients(m, {x});

  for (auto pad : std::vector<std::vector<int64_t>>{{1, 2}, {0, 3, 2, 0}, {-1, 2, 1, -2}}) {
    std::string ps = "[";
    for (size_t i = 0; i < pad.size(); i++) ps += (i ? ", " : "") + std::to_string(pad[i]);
    ps += "]";
    auto p = [&](const std::vector<Var> &v) { return Pad(v[0], pad, 0.5f); };
    VOX_CHECK_TORCH({"pad", "{\"pad\": " + ps + ", \"value\": 0.5}", {x}}, p, 0, 0);
    test::CheckGradients(p, {x});
  }
}

}  // namespace
}  // namespace voxtools

// tests/unit/nnet/attention-test.cc
// Blockwise attention against PyTorch's plain formula (softmax(q k^T scale + bias) v with a
// key-padding mask) and finite differences; sizes straddle the 64-query block.
#include "nnet/ops/attention.h"

#include <gtest/gtest.h>

#include "nnet-test-util.h"

namespace voxtools {
namespace {

using test::RandomTensor;

Var In(const Shape &s, uint64_t seed) { return Var(RandomTensor(s, seed), true); }

// Sums over up to 70 keys and 16 dims: 2e-5 relative, 1e-5 absolute.
constexpr float kRtol = 2e-5f, kAtol = 1e-5f;

TEST(AttentionTest, MatchesTorch) {
  struct Case { int64_t b, h, tq, tk, d, dv, bias_b, bias_h; bool bias, mask; };
  // (One key would make the q and k gradients zero: the smallest case has two.)
  for (const Case &c : {Case{1, 1, 1, 2, 4, 4, 1, 1, false, false},
                        Case{2, 3, 5, 7, 8, 6, 2, 3, true, true},
                        Case{2, 2, 70, 65, 16, 16, 1, 2, true, true},
                        Case{1, 2, 9, 9, 5, 5, 1, 1, true, false},
                        Case{3, 1, 66, 66, 4, 3, 3, 1, false, true}}) {
    Var q = In({c.b, c.h, c.tq, c.d}, 1), k = In({c.b, c.h, c.tk, c.d}, 2),
        v = In({c.b, c.h, c.tk, c.dv}, 3);
    Var bias = c.bias ? In({c.bias_b, c.bias_h, c.tq, c.tk}, 4) : Var(Tensor({1}));
    Tensor mask({c.b, c.tk});
    if (c.mask)
      for (int64_t i = 0; i < c.b; i++)
        for (int64_t j = c.tk - i * 2; j < c.tk; j++) mask.At({i, j}) = 1.0f;
    auto f = [&](const std::vector<Var> &x) {
      return Attention(x[0], x[1], x[2], c.bias ? x[3] : Var(), c.mask ? mask : Tensor());
    };
    std::string p = std::string("{\"bias\": ") + (c.bias ? "true" : "false") +
                    ", \"mask\": " + (c.mask ? "true" : "false") + "}";
    VOX_CHECK_TORCH({"attention", p, {q, k, v, bias, Var(mask)}}, f, kRtol, kAtol);
    if (c.tq * c.tk < 100)
      test::CheckGradients(f, {q, k, v, bias}, 1e-2f, 1e-2f, 2e-3f, "attention " + p);
  }
}

TEST(AttentionTest, BadShapes) {
  Var q = In({1, 2, 3, 4}, 1), k = In({1, 2, 5, 4}, 2), v = In({1, 2, 5, 4}, 3);
  EXPECT_THROW(Attention(q, In({1, 2, 5, 3}, 2), v, Var(), Tensor()), Error);
  EXPECT_THROW(Attention(q, k, v, In({1, 2, 3, 4}, 4), Tensor()), Error);
  EXPECT_THROW(Attention(q, k, v, Var(), Tensor({1, 4})), Error);
}

}  // namespace
}  // namespace voxtools

#include "nnet/ops/shape.h"

namespace voxtools {
namespace {

// The time-first layout gives what the heads-first op (checked against PyTorch above) gives
// on transposed inputs, values and gradients, up to GEMM rounding with another leading
// dimension (1e-6).
TEST(AttentionTest, TimeFirstLayoutMatchesHeadsFirst) {
  const int64_t b = 2, h = 3, tq = 67, tk = 66, d = 4, dv = 5;
  Var q = In({b, tq, h * d}, 5), k = In({b, tk, h * d}, 6), v = In({b, tk, h * dv}, 7);
  Var bias = In({b, h, tq, tk}, 8);
  Tensor mask({b, tk});
  for (int64_t j = tk - 5; j < tk; j++) mask.At({1, j}) = 1.0f;
  Tensor gy = RandomTensor({b, tq, h * dv}, 9);
  Var y1 = AttentionTimeFirst(q, k, v, h, bias, mask);
  y1.Backward(gy);
  std::vector<Tensor> g1 = {q.grad().Clone(), k.grad().Clone(), v.grad().Clone(),
                            bias.grad().Clone()};
  for (Var *x : {&q, &k, &v, &bias}) x->ZeroGrad();
  auto heads = [&](const Var &x, int64_t dim) {
    return Permute(Reshape(x, {b, x.Dim(1), h, dim}), {0, 2, 1, 3});
  };
  Var a = Attention(heads(q, d), heads(k, d), heads(v, dv), bias, mask);
  Var y2 = Reshape(Permute(a, {0, 2, 1, 3}), {b, tq, h * dv});
  y2.Backward(gy);
  test::ExpectTensorNear(y1.value(), y2.value(), 1e-6f, 1e-6f, "time-first forward");
  test::ExpectTensorNear(g1[0], q.grad(), 1e-6f, 1e-6f, "dq");
  test::ExpectTensorNear(g1[1], k.grad(), 1e-6f, 1e-6f, "dk");
  test::ExpectTensorNear(g1[2], v.grad(), 1e-6f, 1e-6f, "dv");
  test::ExpectTensorNear(g1[3], bias.grad(), 1e-6f, 1e-6f, "dbias");
  auto f = [&](const std::vector<Var> &x) {
    return AttentionTimeFirst(x[0], x[1], x[2], 2, Var(), Tensor());
  };
  test::CheckGradients(f, {In({1, 5, 6}, 10), In({1, 4, 6}, 11), In({1, 4, 4}, 12)}, 1e-2f, 1e-2f,
                       2e-3f, "time-first");
  EXPECT_THROW(AttentionTimeFirst(q, k, v, 5, Var(), Tensor()), Error);
}

}  // namespace
}  // namespace voxtools

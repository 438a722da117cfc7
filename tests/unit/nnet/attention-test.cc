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

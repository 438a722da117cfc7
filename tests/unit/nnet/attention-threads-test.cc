// tests/unit/nnet/attention-threads-test.cc
// Attention splits its (batch, head, query block) items over the thread pool with OpenBLAS
// held to one thread (ParallelForSerialBlas): each item's GEMMs are the same calls on any
// thread, so values and gradients are bit-identical with 1 and 3 threads. Covers both
// layouts, a per-head bias (parallel backward) and a bias broadcast over the batch (serial
// backward: several heads add into it), a key-padding mask and blocks of 64 queries.
#include <gtest/gtest.h>

#include "matrix/thread-pool.h"
#include "nnet/ops/attention.h"
#include "nnet-test-util.h"

namespace voxtools {
namespace {

using test::RandomTensor;

std::vector<Tensor> RunAttention(bool time_first, int64_t bias_b) {
  const int64_t b = 3, h = 4, t = 150, d = 16;
  Var q(RandomTensor({b, t, h * d}, 1), true), k(RandomTensor({b, t, h * d}, 2), true),
      v(RandomTensor({b, t, h * d}, 3), true);
  Var bias(RandomTensor({bias_b, h, t, t}, 4), true);
  Tensor mask({b, t});
  for (int64_t j = t - 20; j < t; j++) mask.At({1, j}) = 1.0f;
  Var y;
  if (time_first) {
    y = AttentionTimeFirst(q, k, v, h, bias, mask);
  } else {
    auto heads = [&](const Var &x) {
      Tensor hx = Tensor::Empty({b, h, t, d});
      for (int64_t i = 0; i < b; i++)
        for (int64_t j = 0; j < h; j++)
          for (int64_t r = 0; r < t; r++)
            for (int64_t c = 0; c < d; c++)
              hx.At({i, j, r, c}) = x.value().At({i, r, j * d + c});
      return Var(hx, true);
    };
    q = heads(q), k = heads(k), v = heads(v);
    y = Attention(q, k, v, bias, mask);
  }
  y.Backward(RandomTensor(y.shape(), 5));
  return {y.value(), q.grad(), k.grad(), v.grad(), bias.grad()};
}

TEST(AttentionThreadsTest, SameResultsWithAnyThreadCount) {
  for (bool time_first : {false, true})
    for (int64_t bias_b : {int64_t{3}, int64_t{1}}) {
      SetNumThreads(1);
      std::vector<Tensor> one = RunAttention(time_first, bias_b);
      SetNumThreads(3);
      std::vector<Tensor> three = RunAttention(time_first, bias_b);
      SetNumThreads(1);
      ASSERT_EQ(one.size(), three.size());
      for (size_t i = 0; i < one.size(); i++)
        test::ExpectTensorNear(three[i], one[i], 0, 0,
                               std::string(time_first ? "time-first" : "heads-first") +
                                   " bias batch " + std::to_string(bias_b) + " output " +
                                   std::to_string(i));
    }
}

}  // namespace
}  // namespace voxtools

// tests/unit/nnet/threads-test.cc
// The thread count changes speed, never results: ops that split work over the pool give
// bit-identical values and gradients with 1 and 3 threads (chunks never share an
// accumulator). Sizes exceed the pool's grain so that work really is split.
#include <gtest/gtest.h>

#include "matrix/thread-pool.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/norm.h"
#include "nnet/ops/reduce.h"
#include "nnet/ops/shape.h"
#include "nnet-test-util.h"

namespace voxtools {
namespace {

using test::RandomTensor;

// Value and input gradients of a small graph of the pool-parallel kernels. (GEMM-based ops are
// left out: OpenBLAS itself may round differently with another thread count.)
std::vector<Tensor> RunGraph() {
  Var x(RandomTensor({2, 64, 600}, 1), true);
  Var g(Tensor::Full({64}, 1.0f), true), b(RandomTensor({64}, 3), true);
  Var h = Gelu(GroupNorm(x, 8, g, b));
  Var t = Permute(h, {0, 2, 1});  // (2, 600, 64)
  Var y = Add(Softmax(LayerNorm(t, Var(), Var()), -1), Mul(Sigmoid(t), Narrow(t, 2, 0, 1)));
  y.Backward(RandomTensor(y.shape(), 4));
  return {y.value(), x.grad(), g.grad(), b.grad()};
}

TEST(ThreadsTest, SameResultsWithAnyThreadCount) {
  SetNumThreads(1);
  std::vector<Tensor> one = RunGraph();
  SetNumThreads(3);
  std::vector<Tensor> three = RunGraph();
  SetNumThreads(1);
  ASSERT_EQ(one.size(), three.size());
  for (size_t i = 0; i < one.size(); i++)
    test::ExpectTensorNear(three[i], one[i], 0, 0, "output " + std::to_string(i));
}

}  // namespace
}  // namespace voxtools

// tests/unit/matrix/tensor-cache-test.cc
// The tensor block cache past its 1 GiB bound: the block freed longest ago goes back to the
// system, the recent ones stay cached (a forward pass whose blocks exceed the bound must not
// lose all of them on every call). Tensor::Empty never touches its memory, so these 400 MB
// blocks cost address space only.
#include <gtest/gtest.h>

#include "matrix/tensor.h"

namespace voxtools {
namespace {

TEST(TensorCacheTest, EvictsOldestBlocksPastTheBound) {
  TensorCacheClear();
  const int64_t n = 100 << 20;  // 400 MB of floats
  const float *pa, *pb, *pc;
  {
    Tensor a = Tensor::Empty({n}), b = Tensor::Empty({n}), c = Tensor::Empty({n});
    pa = a.Data(), pb = b.Data(), pc = c.Data();
    a = Tensor();  // freed first: the oldest in the cache
    b = Tensor();
    EXPECT_EQ(TensorCacheBytes(), 2 * n * 4);
  }  // c freed: 1.2 GB would exceed the bound, so a's block is released
  EXPECT_EQ(TensorCacheBytes(), 2 * n * 4);
  const int64_t before = TensorSystemAllocations();
  Tensor c = Tensor::Empty({n});  // the most recently freed block of this size
  Tensor b = Tensor::Empty({n});
  EXPECT_EQ(c.Data(), pc);
  EXPECT_EQ(b.Data(), pb);
  EXPECT_EQ(TensorSystemAllocations(), before);
  Tensor a = Tensor::Empty({n});  // a's block is gone: a fresh allocation
  EXPECT_EQ(TensorSystemAllocations(), before + 1);
  (void)pa;
  a = b = c = Tensor();
  TensorCacheClear();
  EXPECT_EQ(TensorCacheBytes(), 0);
}

}  // namespace
}  // namespace voxtools

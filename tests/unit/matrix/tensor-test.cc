// tests/unit/matrix/tensor-test.cc
#include "matrix/tensor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <vector>

#include "matrix/gemm.h"
#include "matrix/thread-pool.h"

namespace voxtools {
namespace {

TEST(ShapeTest, StridesAndAxes) {
  Shape s{2, 3, 5};
  EXPECT_EQ(s.Rank(), 3);
  EXPECT_EQ(s.NumElements(), 30);
  EXPECT_EQ(s.Stride(0), 15);
  EXPECT_EQ(s.Stride(1), 5);
  EXPECT_EQ(s.Stride(-1), 1);
  EXPECT_EQ(s.Dim(-1), 5);
  EXPECT_EQ(s.ToString(), "(2, 3, 5)");
  EXPECT_THROW(s.Dim(3), Error);
  EXPECT_THROW(Shape({1, 2, 3, 4, 5}), Error);
  EXPECT_EQ(Shape().NumElements(), 1);  // a scalar
}

TEST(TensorTest, RowMajorLayout) {
  Tensor t = Tensor::FromVector({2, 3}, {0, 1, 2, 3, 4, 5});
  EXPECT_EQ(t.At({1, 0}), 3.0f);
  EXPECT_EQ(t.At({0, 2}), 2.0f);
  EXPECT_THROW(t.At({2, 0}), Error);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.Data()) % 64, 0u);
}

TEST(TensorTest, ViewsShareStorage) {
  Tensor t = Tensor::FromVector({4, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  Tensor r = t.Reshape({2, -1});
  EXPECT_EQ(r.shape(), Shape({2, 6}));
  Tensor n = t.Narrow0(1, 2);
  EXPECT_EQ(n.shape(), Shape({2, 3}));
  EXPECT_EQ(n.At({0, 0}), 3.0f);
  Tensor row = t.Index0(3);
  EXPECT_EQ(row.shape(), Shape({3}));
  row.Data()[1] = 100.0f;
  EXPECT_EQ(t.At({3, 1}), 100.0f);  // a view writes through
  EXPECT_EQ(r.At({1, 4}), 100.0f);
  Tensor c = t.Clone();
  c.Data()[0] = -1.0f;
  EXPECT_EQ(t.At({0, 0}), 0.0f);  // a clone does not
  EXPECT_THROW(t.Reshape({5, -1}), Error);
  EXPECT_THROW(t.Narrow0(3, 2), Error);
}

TEST(TensorTest, ZeroedAndMatrixRoundTrip) {
  Tensor z({3, 7});
  for (float v : z.ToVector()) EXPECT_EQ(v, 0.0f);
  Matrix<float> m(2, 3);
  m(1, 2) = 5.0f;
  Tensor t = Tensor::FromMatrix(m);
  EXPECT_EQ(t.At({1, 2}), 5.0f);
  EXPECT_TRUE(t.ToMatrix() == m);
}

TEST(TensorTest, CacheReusesFreedBlocks) {
  TensorCacheClear();
  const float *first;
  {
    Tensor a = Tensor::Empty({123, 45});
    first = a.Data();
  }
  EXPECT_GT(TensorCacheBytes(), 0);
  Tensor b = Tensor::Empty({45, 123});  // same byte size
  EXPECT_EQ(b.Data(), first);
}

// C = 2 op(A) op(B) + 0.5 C through Sgemm against a slow, obvious product in double.
void CheckSgemmAgainstNaive(int64_t m, int64_t n, int64_t k, bool ta, bool tb) {
  std::vector<float> a(m * k), b(k * n), c(m * n, 1.0f);
  for (size_t i = 0; i < a.size(); i++) a[i] = 0.1f * ((i * 7) % 13) - 0.6f;
  for (size_t i = 0; i < b.size(); i++) b[i] = 0.05f * ((i * 5) % 11) - 0.2f;
  Sgemm(ta ? Trans::kYes : Trans::kNo, tb ? Trans::kYes : Trans::kNo, m, n, k, 2.0f, a.data(),
        ta ? m : k, b.data(), tb ? k : n, 0.5f, c.data(), n);
  double nonzero = 0;
  int64_t wrong = 0;
  for (int64_t i = 0; i < m; i++) {
    for (int64_t j = 0; j < n; j++) {
      double s = 0;
      for (int64_t l = 0; l < k; l++)
        s += double(ta ? a[l * m + i] : a[i * k + l]) * (tb ? b[j * k + l] : b[l * n + j]);
      const double expect = 2.0 * s + 0.5;
      // float32 sums of k products: 1e-5 relative to the sum of magnitudes is ample.
      if (std::fabs(c[i * n + j] - expect) > 1e-5 * (1 + k * 0.01 + std::fabs(expect)) &&
          wrong++ < 5)
        ADD_FAILURE() << m << "x" << n << "x" << k << " ta " << ta << " tb " << tb << " at ("
                      << i << ", " << j << "): " << c[i * n + j] << " vs " << expect;
      nonzero += std::fabs(s);
    }
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_GT(nonzero, 0.0);
}

// The cblas wrapper, all transpose flags and odd sizes.
TEST(GemmTest, MatchesNaiveProduct) {
  for (int64_t m : {1, 3, 17})
    for (int64_t n : {1, 5, 33})
      for (int64_t k : {1, 7, 16})
        for (int ta = 0; ta < 2; ta++)
          for (int tb = 0; tb < 2; tb++) CheckSgemmAgainstNaive(m, n, k, ta, tb);
}

// Products large enough to be split over the threads: by rows of C (m >= 3 x 128), by
// columns (m too short), with odd block edges.
TEST(GemmTest, SplitProductsMatchNaive) {
  SetNumThreads(3);
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++) {
      CheckSgemmAgainstNaive(401, 301, 503, ta, tb);
      CheckSgemmAgainstNaive(97, 1001, 601, ta, tb);
    }
  SetNumThreads(1);
}

TEST(ThreadPoolTest, CoversRangeOnceWithEveryThreadCount) {
  for (int threads : {1, 2, 3}) {
    SetNumThreads(threads);
    for (int64_t n : {0, 1, 7, 1000}) {
      std::vector<std::atomic<int>> hits(n);
      ParallelFor(n, 3, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; i++) hits[i]++;
      });
      for (int64_t i = 0; i < n; i++) EXPECT_EQ(hits[i], 1) << "n=" << n << " i=" << i;
    }
  }
  EXPECT_THROW(ParallelFor(100, 1, [](int64_t b, int64_t) {
                 if (b > 0) throw Error("from a worker");
               }), Error);
  SetNumThreads(1);
  EXPECT_THROW(SetNumThreads(0), Error);
  ThreadOptions opts;
  opts.num_threads = 2;
  opts.Apply();
  EXPECT_EQ(GetNumThreads(), 2);
  EXPECT_EQ(opts.ToString(), "--num-threads=2");
  opts.num_threads = 0;
  EXPECT_THROW(opts.Apply(), Error);
  SetNumThreads(1);
}

}  // namespace
}  // namespace voxtools

// src/matrix/gemm.cc
#include "matrix/gemm.h"

#include <cblas.h>

#include <algorithm>

#include "matrix/thread-pool.h"

namespace voxtools {
namespace {

// A large product runs as GetNumThreads() blocks of rows (or columns) of C on our threads,
// each one single-threaded OpenBLAS call, rather than as one call that OpenBLAS splits: on 2
// cores OpenBLAS's own threading ran 5-35% slower on the engine's shapes (tests/bench/README.md,
// 2026-11-22; its threads meet once per block of the product, ours once per product). Every
// block packs all of the other operand, so each must keep kMinBlockRows rows or columns.
constexpr int64_t kMinBlockRows = 128;
constexpr double kMinSplitMultiplyAdds = 5e7;

void BlasSgemm(Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
               int64_t ldc) {
  cblas_sgemm(CblasRowMajor, trans_a == Trans::kYes ? CblasTrans : CblasNoTrans,
              trans_b == Trans::kYes ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
              beta, c, ldc);
}

}  // namespace

void Sgemm(Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
           int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    // cblas leaves C * beta; with beta == 0 that must not propagate old NaNs.
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  EnsureBlasThreads();
  const int64_t threads = GetNumThreads();
  const bool by_rows = m >= threads * kMinBlockRows, by_cols = n >= threads * kMinBlockRows;
  if (threads == 1 || InsideParallelFor() || double(m) * n * k < kMinSplitMultiplyAdds ||
      !(by_rows || by_cols)) {
    BlasSgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const int64_t size = by_rows ? m : n, per = (size + threads - 1) / threads;
  ParallelForSerialBlas(threads, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const int64_t i0 = p * per, i1 = std::min(size, i0 + per);
      if (i0 >= i1) continue;
      if (by_rows)  // rows i0..i1 of op(A) and of C
        BlasSgemm(trans_a, trans_b, i1 - i0, n, k, alpha,
                  trans_a == Trans::kYes ? a + i0 : a + i0 * lda, lda, b, ldb, beta,
                  c + i0 * ldc, ldc);
      else  // columns i0..i1 of op(B) and of C
        BlasSgemm(trans_a, trans_b, m, i1 - i0, k, alpha, a, lda,
                  trans_b == Trans::kYes ? b + i0 * ldb : b + i0, ldb, beta, c + i0, ldc);
    }
  });
}

void SgemmBatched(Trans trans_a, Trans trans_b, int64_t batch, int64_t m, int64_t n, int64_t k,
                  float alpha, const float *a, int64_t lda, int64_t stride_a, const float *b,
                  int64_t ldb, int64_t stride_b, float beta, float *c, int64_t ldc,
                  int64_t stride_c) {
  for (int64_t i = 0; i < batch; i++)
    Sgemm(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta,
          c + i * stride_c, ldc);
}

void AddMatMat(float alpha, const Tensor &a, Trans trans_a, const Tensor &b, Trans trans_b,
               float beta, Tensor *c) {
  if (a.Rank() < 2 || b.Rank() < 2 || c->Rank() < 2)
    VOX_ERR << "AddMatMat needs rank >= 2: " << a.shape().ToString() << " x "
            << b.shape().ToString();
  const int64_t m = trans_a == Trans::kYes ? a.Dim(-1) : a.Dim(-2);
  const int64_t ka = trans_a == Trans::kYes ? a.Dim(-2) : a.Dim(-1);
  const int64_t kb = trans_b == Trans::kYes ? b.Dim(-1) : b.Dim(-2);
  const int64_t n = trans_b == Trans::kYes ? b.Dim(-2) : b.Dim(-1);
  const int64_t batch_a = a.NumElements() / (a.Dim(-1) * a.Dim(-2) > 0 ? a.Dim(-1) * a.Dim(-2) : 1);
  const int64_t batch_b = b.NumElements() / (b.Dim(-1) * b.Dim(-2) > 0 ? b.Dim(-1) * b.Dim(-2) : 1);
  const int64_t batch_c = c->NumElements() / (m * n > 0 ? m * n : 1);
  const bool a_shared = a.Rank() == 2, b_shared = b.Rank() == 2;
  if (ka != kb || c->Dim(-2) != m || c->Dim(-1) != n ||
      (!a_shared && batch_a != batch_c) || (!b_shared && batch_b != batch_c))
    VOX_ERR << "AddMatMat shapes do not match: " << a.shape().ToString()
            << (trans_a == Trans::kYes ? "^T" : "") << " x " << b.shape().ToString()
            << (trans_b == Trans::kYes ? "^T" : "") << " -> " << c->shape().ToString();
  SgemmBatched(trans_a, trans_b, batch_c, m, n, ka, alpha, a.Data(), a.Dim(-1),
               a_shared ? 0 : a.Dim(-1) * a.Dim(-2), b.Data(), b.Dim(-1),
               b_shared ? 0 : b.Dim(-1) * b.Dim(-2), beta, c->Data(), n, m * n);
}

}  // namespace voxtools

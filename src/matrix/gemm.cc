// src/matrix/gemm.cc
#include "matrix/gemm.h"

#include <cblas.h>

#include "matrix/thread-pool.h"

namespace voxtools {

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
  cblas_sgemm(CblasRowMajor, trans_a == Trans::kYes ? CblasTrans : CblasNoTrans,
              trans_b == Trans::kYes ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
              beta, c, ldc);
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

// src/matrix/gemm.h
// Matrix products on tensors through cblas_sgemm (OpenBLAS), named and documented as formulas
// in Kaldi's manner. Large products are split into blocks of rows (or columns) of C over our
// threads, each a single-threaded OpenBLAS call (gemm.cc says why).
#ifndef VOXTOOLS_MATRIX_GEMM_H_
#define VOXTOOLS_MATRIX_GEMM_H_

#include <cstdint>

#include "matrix/tensor.h"

namespace voxtools {

enum class Trans { kNo, kYes };

// Row-major C = alpha * op(A) * op(B) + beta * C, with op(A) m x k, op(B) k x n, C m x n;
// lda/ldb/ldc are row strides in elements. beta == 0 ignores C's old contents (NaN included).
void Sgemm(Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c,
           int64_t ldc);

// The same for `batch` independent products; matrix i starts at a + i * stride_a etc.
// A stride of 0 reuses one matrix for every batch entry (a broadcast weight).
void SgemmBatched(Trans trans_a, Trans trans_b, int64_t batch, int64_t m, int64_t n, int64_t k,
                  float alpha, const float *a, int64_t lda, int64_t stride_a, const float *b,
                  int64_t ldb, int64_t stride_b, float beta, float *c, int64_t ldc,
                  int64_t stride_c);

// Tensor form: c = alpha * op(a) * op(b) + beta * c over the last two dimensions.
// a is (..., m, k) (or (..., k, m) with trans_a), b likewise (..., k, n); leading dimensions of
// a and b must be equal, or one of them has none (rank 2: shared by every batch entry).
// c must already have shape (batch..., m, n).
void AddMatMat(float alpha, const Tensor &a, Trans trans_a, const Tensor &b, Trans trans_b,
               float beta, Tensor *c);

}  // namespace voxtools

#endif  // VOXTOOLS_MATRIX_GEMM_H_

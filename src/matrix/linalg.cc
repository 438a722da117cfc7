// src/matrix/linalg.cc
// LAPACK is column-major; our matrices are row-major. A row-major matrix is the column-major
// storage of its transpose, so each call below picks the triangle/transpose that makes the
// row-major result come out directly (explained at each call).
#include "matrix/linalg.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace voxtools {

// LAPACK in OpenBLAS (Fortran calling convention: every argument by pointer, plus the hidden
// lengths of the character arguments that gfortran appends).
extern "C" {
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info, size_t, size_t);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t);
void dtrtri_(const char *uplo, const char *diag, const int *n, double *a, const int *lda,
             int *info, size_t, size_t);
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetri_(const int *n, double *a, const int *lda, const int *ipiv, double *work,
             const int *lwork, int *info);
}

namespace {

int CheckedInt(int64_t n) {
  if (n > (int64_t(1) << 30)) VOX_ERR << "matrix dimension " << n << " too large for LAPACK";
  return static_cast<int>(n);
}

void CheckSquare(const Matrix<double> &a, const char *what) {
  if (a.NumRows() != a.NumCols())
    VOX_ERR << what << ": matrix is " << a.NumRows() << " x " << a.NumCols() << ", not square";
}

}  // namespace

void MatMul(const Matrix<double> &a, bool trans_a, const Matrix<double> &b, bool trans_b,
            Matrix<double> *c) {
  const int64_t m = trans_a ? a.NumCols() : a.NumRows(), k = trans_a ? a.NumRows() : a.NumCols();
  const int64_t kb = trans_b ? b.NumCols() : b.NumRows(), n = trans_b ? b.NumRows() : b.NumCols();
  if (k != kb) VOX_ERR << "MatMul: inner dimensions differ (" << k << " vs " << kb << ")";
  c->Resize(m, n);
  if (m == 0 || n == 0 || k == 0) return;
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, m, n, k, 1.0, a.Data(), a.NumCols(),
              b.Data(), b.NumCols(), 0.0, c->Data(), n);
}

void MatVec(const Matrix<double> &a, bool trans_a, const Vector<double> &x, Vector<double> *y) {
  const int64_t rows = trans_a ? a.NumCols() : a.NumRows();
  const int64_t cols = trans_a ? a.NumRows() : a.NumCols();
  if (cols != x.Dim())
    VOX_ERR << "MatVec: matrix has " << cols << " columns, vector has dimension " << x.Dim();
  y->Resize(rows);
  if (rows == 0 || cols == 0) return;
  cblas_dgemv(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, a.NumRows(), a.NumCols(), 1.0,
              a.Data(), a.NumCols(), x.Data(), 1, 0.0, y->Data(), 1);
}

Matrix<double> Transpose(const Matrix<double> &a) {
  Matrix<double> t(a.NumCols(), a.NumRows());
  for (int64_t r = 0; r < a.NumRows(); r++)
    for (int64_t c = 0; c < a.NumCols(); c++) t(c, r) = a(r, c);
  return t;
}

Matrix<double> ProjectCovariance(const Matrix<double> &p, const Matrix<double> &s) {
  CheckSquare(s, "ProjectCovariance");
  Matrix<double> ps, out;
  MatMul(p, false, s, false, &ps);
  MatMul(ps, false, p, true, &out);
  // Rounding leaves out slightly asymmetric; eigen-solvers read one triangle only, so make
  // both triangles the same number.
  for (int64_t i = 0; i < out.NumRows(); i++)
    for (int64_t j = 0; j < i; j++) out(i, j) = out(j, i) = 0.5 * (out(i, j) + out(j, i));
  return out;
}

void AddOuterProduct(double alpha, const Vector<double> &v, Matrix<double> *s) {
  VOX_ASSERT(s->NumRows() == v.Dim() && s->NumCols() == v.Dim());
  const int64_t d = v.Dim();
  for (int64_t i = 0; i < d; i++) {
    const double avi = alpha * v(i);
    double *row = s->Row(i);
    for (int64_t j = 0; j < d; j++) row[j] += avi * v(j);
  }
}

void SymEig(const Matrix<double> &a, Vector<double> *s, Matrix<double> *u) {
  CheckSquare(a, "SymEig");
  const int n = CheckedInt(a.NumRows());
  s->Resize(n);
  u->Resize(n, n);
  if (n == 0) return;
  // Row-major lower triangle = column-major upper triangle: uplo 'U'.
  std::vector<double> work_a(a.Data(), a.Data() + a.NumElements()), w(n);
  int info = 0, lwork = -1;
  double query = 0;
  dsyev_("V", "U", &n, work_a.data(), &n, w.data(), &query, &lwork, &info, 1, 1);
  lwork = std::max(1, static_cast<int>(query));
  std::vector<double> work(lwork);
  dsyev_("V", "U", &n, work_a.data(), &n, w.data(), work.data(), &lwork, &info, 1, 1);
  if (info != 0) VOX_ERR << "SymEig: LAPACK dsyev failed (info " << info << ") on a " << n
                         << " x " << n << " matrix (NaN or Inf in it?)";
  // Column-major eigenvector j is stored at work_a[j * n ...]; LAPACK sorts ascending and we
  // return descending.
  for (int j = 0; j < n; j++) {
    const int src = n - 1 - j;
    (*s)(j) = w[src];
    for (int i = 0; i < n; i++) (*u)(i, j) = work_a[static_cast<size_t>(src) * n + i];
  }
}

void Cholesky(const Matrix<double> &a, Matrix<double> *l) {
  CheckSquare(a, "Cholesky");
  const int n = CheckedInt(a.NumRows());
  *l = a;
  if (n == 0) return;
  // Column-major upper factor U (A = U^T U) read row-major is U^T = L, lower triangular.
  int info = 0;
  dpotrf_("U", &n, l->Data(), &n, &info, 1);
  if (info > 0)
    VOX_ERR << "Cholesky: the " << n << " x " << n << " matrix is not positive definite "
            << "(leading minor of order " << info << " is not positive); the covariance is "
            << "singular: too little data, duplicated or constant dimensions?";
  if (info < 0) VOX_ERR << "Cholesky: LAPACK dpotrf argument " << -info << " invalid";
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) (*l)(i, j) = 0.0;
}

void InvertLowerTriangular(const Matrix<double> &l, Matrix<double> *inv) {
  CheckSquare(l, "InvertLowerTriangular");
  const int n = CheckedInt(l.NumRows());
  *inv = l;
  if (n == 0) return;
  // Row-major lower L is column-major upper L^T; inv(L^T) = inv(L)^T, read row-major: inv(L).
  int info = 0;
  dtrtri_("U", "N", &n, inv->Data(), &n, &info, 1, 1);
  if (info > 0) VOX_ERR << "InvertLowerTriangular: singular (zero diagonal element " << info << ")";
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) (*inv)(i, j) = 0.0;
}

void InvertSymPosDef(const Matrix<double> &a, Matrix<double> *inv, double *log_det) {
  Matrix<double> l, l_inv;
  Cholesky(a, &l);
  InvertLowerTriangular(l, &l_inv);
  // A^-1 = L^-T L^-1.
  MatMul(l_inv, true, l_inv, false, inv);
  if (log_det != nullptr) {
    double sum = 0.0;
    for (int64_t i = 0; i < l.NumRows(); i++) sum += std::log(l(i, i));
    *log_det = 2.0 * sum;
  }
}

void Invert(const Matrix<double> &a, Matrix<double> *inv) {
  CheckSquare(a, "Invert");
  const int n = CheckedInt(a.NumRows());
  *inv = a;
  if (n == 0) return;
  // Row-major A is column-major A^T; its inverse inv(A)^T read row-major is inv(A).
  std::vector<int> ipiv(n);
  int info = 0;
  dgetrf_(&n, &n, inv->Data(), &n, ipiv.data(), &info);
  if (info > 0) VOX_ERR << "Invert: the " << n << " x " << n << " matrix is singular (pivot "
                        << info << " is zero)";
  int lwork = -1;
  double query = 0;
  dgetri_(&n, inv->Data(), &n, ipiv.data(), &query, &lwork, &info);
  lwork = std::max(1, static_cast<int>(query));
  std::vector<double> work(lwork);
  dgetri_(&n, inv->Data(), &n, ipiv.data(), work.data(), &lwork, &info);
  if (info != 0) VOX_ERR << "Invert: LAPACK dgetri failed (info " << info << ")";
}

double Dot(const Vector<double> &x, const Vector<double> &y) {
  VOX_ASSERT(x.Dim() == y.Dim());
  double sum = 0.0;
  for (int64_t i = 0; i < x.Dim(); i++) sum += x(i) * y(i);
  return sum;
}

}  // namespace voxtools

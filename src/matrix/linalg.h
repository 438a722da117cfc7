// src/matrix/linalg.h
// Dense double-precision linear algebra for the back-ends (LDA, PLDA, GLC, calibration):
// products through cblas (OpenBLAS), and symmetric eigendecomposition, Cholesky and inverses
// through the LAPACK that OpenBLAS ships (dsyev, dpotrf, dtrtri, dgetrf/dgetri), so no extra
// package is needed. Back-end matrices are small (dim <= a few thousand) and their statistics
// are long sums, hence double throughout.
//
// Conventions: Matrix<double> is row-major; "trans" flags mean op(A) = A^T. Outputs are resized
// by the functions. Errors (a matrix that is not positive definite, a singular matrix, a
// shape mismatch) throw Error with the sizes or the failing pivot.
#ifndef VOXTOOLS_MATRIX_LINALG_H_
#define VOXTOOLS_MATRIX_LINALG_H_

#include <cstdint>

#include "matrix/matrix.h"

namespace voxtools {

// C = op(A) * op(B). Throws if the inner dimensions differ.
void MatMul(const Matrix<double> &a, bool trans_a, const Matrix<double> &b, bool trans_b,
            Matrix<double> *c);

// y = op(A) * x.
void MatVec(const Matrix<double> &a, bool trans_a, const Vector<double> &x, Vector<double> *y);

// B = A^T.
Matrix<double> Transpose(const Matrix<double> &a);

// P * S * P^T for symmetric S (the "AddMat2Sp" of Kaldi): the covariance of P x when x has
// covariance S. P is r x d, S is d x d, the result r x r (symmetrised exactly).
Matrix<double> ProjectCovariance(const Matrix<double> &p, const Matrix<double> &s);

// S += alpha * v v^T.
void AddOuterProduct(double alpha, const Vector<double> &v, Matrix<double> *s);

// Symmetric eigendecomposition A = U diag(s) U^T of a symmetric d x d matrix (only the lower
// triangle is read). Eigenvalues come sorted from largest to smallest; column i of U is the
// eigenvector of s(i) (its sign is arbitrary, as in every eigen-solver).
void SymEig(const Matrix<double> &a, Vector<double> *s, Matrix<double> *u);

// Cholesky factor: A = L L^T with L lower triangular. Throws if A is not positive definite,
// naming the order of the leading minor that failed.
void Cholesky(const Matrix<double> &a, Matrix<double> *l);

// Inverse of a lower-triangular matrix (e.g. a Cholesky factor). Throws if singular.
void InvertLowerTriangular(const Matrix<double> &l, Matrix<double> *inv);

// Inverse of a symmetric positive definite matrix through Cholesky; *log_det (if not null)
// gets log det(A). Throws if A is not positive definite.
void InvertSymPosDef(const Matrix<double> &a, Matrix<double> *inv, double *log_det = nullptr);

// Inverse of a general square matrix (LU with partial pivoting). Throws if singular.
void Invert(const Matrix<double> &a, Matrix<double> *inv);

// Sum of x_i * y_i, accumulated in double.
double Dot(const Vector<double> &x, const Vector<double> &y);

}  // namespace voxtools

#endif  // VOXTOOLS_MATRIX_LINALG_H_

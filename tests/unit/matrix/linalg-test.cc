// tests/unit/matrix/linalg-test.cc
// Each LAPACK/BLAS wrapper is checked against the definition it claims (reconstruction,
// products with naive loops) at sizes 1, odd, and larger. Seeds fixed.
#include "matrix/linalg.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace voxtools {
namespace {

Matrix<double> RandomMatrix(int64_t r, int64_t c, std::mt19937 *rng) {
  std::normal_distribution<double> n(0.0, 1.0);
  Matrix<double> m(r, c);
  for (int64_t i = 0; i < m.NumElements(); i++) m.Data()[i] = n(*rng);
  return m;
}

// A A^T + eps I: symmetric positive definite.
Matrix<double> RandomSpd(int64_t d, std::mt19937 *rng) {
  Matrix<double> a = RandomMatrix(d, d + 2, rng), s(d, d);
  for (int64_t i = 0; i < d; i++)
    for (int64_t j = 0; j < d; j++) {
      double sum = (i == j) ? 0.1 : 0.0;
      for (int64_t k = 0; k < d + 2; k++) sum += a(i, k) * a(j, k);
      s(i, j) = sum;
    }
  return s;
}

Matrix<double> NaiveMul(const Matrix<double> &a, bool ta, const Matrix<double> &b, bool tb) {
  const int64_t m = ta ? a.NumCols() : a.NumRows(), k = ta ? a.NumRows() : a.NumCols();
  const int64_t n = tb ? b.NumRows() : b.NumCols();
  Matrix<double> c(m, n);
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++) {
      double sum = 0;
      for (int64_t l = 0; l < k; l++) sum += (ta ? a(l, i) : a(i, l)) * (tb ? b(j, l) : b(l, j));
      c(i, j) = sum;
    }
  return c;
}

double MaxAbsDiff(const Matrix<double> &a, const Matrix<double> &b) {
  EXPECT_EQ(a.NumRows(), b.NumRows());
  EXPECT_EQ(a.NumCols(), b.NumCols());
  double m = 0;
  for (int64_t i = 0; i < a.NumElements(); i++) m = std::max(m, std::abs(a.Data()[i] - b.Data()[i]));
  return m;
}

const int64_t kSizes[] = {1, 3, 7, 17, 64};

TEST(LinalgTest, MatMulMatchesNaiveForAllTransposeFlags) {
  std::mt19937 rng(1);
  for (int64_t d : kSizes) {
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++) {
        Matrix<double> a = ta ? RandomMatrix(d + 1, d, &rng) : RandomMatrix(d, d + 1, &rng);
        Matrix<double> b = tb ? RandomMatrix(d + 2, d + 1, &rng) : RandomMatrix(d + 1, d + 2, &rng);
        Matrix<double> c;
        MatMul(a, ta, b, tb, &c);
        const Matrix<double> ref = NaiveMul(a, ta, b, tb);
        EXPECT_LT(MaxAbsDiff(c, ref), 1e-10 * (d + 1)) << "d=" << d << " ta=" << ta << " tb=" << tb;
        EXPECT_GT(std::abs(c(0, 0)), 0.0);  // non-trivial
      }
    Matrix<double> a = RandomMatrix(d, d + 3, &rng), c;
    EXPECT_THROW(MatMul(a, false, a, false, &c), Error);
  }
}

TEST(LinalgTest, SymEigReconstructsWithOrthonormalDescendingEigenvectors) {
  std::mt19937 rng(2);
  for (int64_t d : kSizes) {
    const Matrix<double> a = RandomSpd(d, &rng);
    Vector<double> s;
    Matrix<double> u;
    SymEig(a, &s, &u);
    for (int64_t i = 0; i + 1 < d; i++) EXPECT_GE(s(i), s(i + 1));
    Matrix<double> us(u);
    for (int64_t i = 0; i < d; i++)
      for (int64_t j = 0; j < d; j++) us(i, j) *= s(j);
    Matrix<double> rec, utu;
    MatMul(us, false, u, true, &rec);
    EXPECT_LT(MaxAbsDiff(rec, a), 1e-9 * s(0)) << "d=" << d;
    MatMul(u, true, u, false, &utu);
    Matrix<double> eye(d, d);
    for (int64_t i = 0; i < d; i++) eye(i, i) = 1;
    EXPECT_LT(MaxAbsDiff(utu, eye), 1e-10);
  }
}

TEST(LinalgTest, CholeskyAndInversesReconstruct) {
  std::mt19937 rng(3);
  for (int64_t d : kSizes) {
    const Matrix<double> a = RandomSpd(d, &rng);
    Matrix<double> l, llt, l_inv, prod, inv, ainv, gen_inv;
    Cholesky(a, &l);
    for (int64_t i = 0; i < d; i++)
      for (int64_t j = i + 1; j < d; j++) EXPECT_EQ(l(i, j), 0.0);
    MatMul(l, false, l, true, &llt);
    EXPECT_LT(MaxAbsDiff(llt, a), 1e-9 * a(0, 0));
    Matrix<double> eye(d, d);
    for (int64_t i = 0; i < d; i++) eye(i, i) = 1;
    InvertLowerTriangular(l, &l_inv);
    MatMul(l_inv, false, l, false, &prod);
    EXPECT_LT(MaxAbsDiff(prod, eye), 1e-8);
    double log_det = 0;
    InvertSymPosDef(a, &inv, &log_det);
    MatMul(inv, false, a, false, &prod);
    EXPECT_LT(MaxAbsDiff(prod, eye), 1e-7);
    Vector<double> s;
    Matrix<double> u;
    SymEig(a, &s, &u);
    double ref_log_det = 0;
    for (int64_t i = 0; i < d; i++) ref_log_det += std::log(s(i));
    EXPECT_NEAR(log_det, ref_log_det, 1e-8 * (1 + std::abs(ref_log_det)));
    const Matrix<double> g = RandomMatrix(d, d, &rng);
    Invert(g, &gen_inv);
    MatMul(g, false, gen_inv, false, &prod);
    EXPECT_LT(MaxAbsDiff(prod, eye), 1e-7);
  }
}

TEST(LinalgTest, SingularAndIndefiniteMatricesThrow) {
  Matrix<double> a(2, 2), out;
  a(0, 0) = 1;  // rank 1
  EXPECT_THROW(Cholesky(a, &out), Error);
  EXPECT_THROW(InvertSymPosDef(a, &out), Error);
  EXPECT_THROW(Invert(a, &out), Error);
  Matrix<double> rect(2, 3);
  EXPECT_THROW(SymEig(rect, nullptr, nullptr), Error);
  try {
    Cholesky(a, &out);
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("not positive definite"), std::string::npos);
  }
}

TEST(LinalgTest, ProjectCovarianceIsSymmetricPSPt) {
  std::mt19937 rng(4);
  const Matrix<double> s = RandomSpd(5, &rng), p = RandomMatrix(3, 5, &rng);
  const Matrix<double> out = ProjectCovariance(p, s);
  Matrix<double> ps, ref;
  MatMul(p, false, s, false, &ps);
  MatMul(ps, false, p, true, &ref);
  EXPECT_LT(MaxAbsDiff(out, ref), 1e-10);
  for (int64_t i = 0; i < 3; i++)
    for (int64_t j = 0; j < 3; j++) EXPECT_EQ(out(i, j), out(j, i));
}

}  // namespace
}  // namespace voxtools

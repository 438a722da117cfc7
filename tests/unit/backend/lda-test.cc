// tests/unit/backend/lda-test.cc
// LDA and whitening checked by their defining properties on synthetic data.
#include "backend/lda.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backend/transforms.h"
#include "matrix/linalg.h"

namespace voxtools {
namespace {

TEST(LdaTest, ProjectedWithinIsUnitAndBetweenDiagonalDescending) {
  const int64_t dim = 6, num_spk = 30, per_spk = 5;
  std::mt19937 rng(9);
  std::normal_distribution<double> n(0.0, 1.0);
  Matrix<double> data(num_spk * per_spk, dim);
  std::vector<int32_t> spk;
  for (int64_t s = 0; s < num_spk; s++) {
    std::vector<double> c(dim);
    for (int64_t i = 0; i < dim; i++) c[i] = n(rng) * (i + 1);
    for (int64_t u = 0; u < per_spk; u++) {
      for (int64_t i = 0; i < dim; i++) data(s * per_spk + u, i) = 3 + c[i] + n(rng) * (1 + 0.5 * i);
      spk.push_back(static_cast<int32_t>(s));
    }
  }
  LdaOptions opts;
  opts.dim = 4;
  Vector<double> eig;
  const Matrix<double> lda = ComputeLdaTransform(data, spk, num_spk, opts, &eig);
  ASSERT_EQ(lda.NumRows(), 4);
  ASSERT_EQ(lda.NumCols(), dim + 1);
  // Project and measure within/between covariances (the same normalisation as Kaldi: / N).
  Matrix<double> proj(data.NumRows(), 4);
  for (int64_t r = 0; r < data.NumRows(); r++)
    for (int64_t k = 0; k < 4; k++) {
      double sum = lda(k, dim);
      for (int64_t i = 0; i < dim; i++) sum += lda(k, i) * data(r, i);
      proj(r, k) = sum;
    }
  Matrix<double> within(4, 4), between(4, 4);
  Vector<double> global(4);
  for (int64_t r = 0; r < proj.NumRows(); r++) {
    for (int64_t k = 0; k < 4; k++) global(k) += proj(r, k) / proj.NumRows();
  }
  for (int64_t k = 0; k < 4; k++) EXPECT_NEAR(global(k), 0.0, 1e-9);  // offset removes the mean
  for (int64_t s = 0; s < num_spk; s++) {
    Vector<double> m(4);
    for (int64_t u = 0; u < per_spk; u++)
      for (int64_t k = 0; k < 4; k++) m(k) += proj(s * per_spk + u, k) / per_spk;
    AddOuterProduct(static_cast<double>(per_spk) / proj.NumRows(), m, &between);
    for (int64_t u = 0; u < per_spk; u++) {
      Vector<double> d(4);
      for (int64_t k = 0; k < 4; k++) d(k) = proj(s * per_spk + u, k) - m(k);
      AddOuterProduct(1.0 / proj.NumRows(), d, &within);
    }
  }
  for (int64_t i = 0; i < 4; i++) {
    for (int64_t j = 0; j < 4; j++) {
      EXPECT_NEAR(within(i, j), i == j ? 1.0 : 0.0, 1e-8);
      if (i != j) {
        EXPECT_NEAR(between(i, j), 0.0, 1e-8);
      }
    }
    EXPECT_NEAR(between(i, i), eig(i), 1e-8);
    if (i > 0) {
      EXPECT_GE(eig(i - 1), eig(i));
    }
  }
  EXPECT_GT(eig(0), 1.0);
}

TEST(LdaTest, ErrorsNameTheProblem) {
  Matrix<double> data(3, 2);
  LdaOptions opts;
  opts.dim = 1;
  EXPECT_THROW(ComputeLdaTransform(data, {0, 1, 2}, 3, opts), Error);  // one utt per speaker
  opts.dim = 3;
  EXPECT_THROW(ComputeLdaTransform(data, {0, 0, 1}, 2, opts), Error);  // dim too large
}

TEST(TransformsTest, WhiteningMakesCovarianceIdentity) {
  const int64_t dim = 5;
  std::mt19937 rng(4);
  std::normal_distribution<double> n(0.0, 1.0);
  Matrix<double> a(dim, dim), cov;
  for (int64_t i = 0; i < a.NumElements(); i++) a.Data()[i] = n(rng);
  MatMul(a, false, a, true, &cov);
  Vector<double> mean(dim);
  for (int64_t i = 0; i < dim; i++) mean(i) = i;
  for (WhiteningType type : {WhiteningType::kPca, WhiteningType::kZca}) {
    const Matrix<double> t = ComputeWhiteningTransform(mean, cov, type, 1e-10);
    Matrix<double> lin = t.Range(0, dim, 0, dim);
    const Matrix<double> white = ProjectCovariance(lin, cov);
    for (int64_t i = 0; i < dim; i++)
      for (int64_t j = 0; j < dim; j++) EXPECT_NEAR(white(i, j), i == j ? 1.0 : 0.0, 1e-8);
    Vector<float> m(dim), out;
    for (int64_t i = 0; i < dim; i++) m(i) = static_cast<float>(i);
    ApplyTransform(t, m, &out);
    for (int64_t i = 0; i < dim; i++) EXPECT_NEAR(out(i), 0.0, 1e-4);  // the mean maps to 0
    if (type == WhiteningType::kZca) {
      for (int64_t i = 0; i < dim; i++) {
        for (int64_t j = 0; j < dim; j++) EXPECT_NEAR(lin(i, j), lin(j, i), 1e-9);
      }
    }
  }
}

TEST(TransformsTest, NormalizeLength) {
  Vector<float> v(4);
  v(0) = 3;
  v(1) = 4;
  EXPECT_NEAR(NormalizeLength(false, &v), 5.0, 1e-12);
  EXPECT_NEAR(v(0), 0.6, 1e-6);
  v(0) = 3;
  v(1) = 4;
  EXPECT_NEAR(NormalizeLength(true, &v), 2.5, 1e-12);  // length 5 / sqrt(4)
  EXPECT_NEAR(v(1), 1.6, 1e-6);
  Vector<float> z(3);
  EXPECT_EQ(NormalizeLength(true, &z), 0.0);
}

}  // namespace
}  // namespace voxtools

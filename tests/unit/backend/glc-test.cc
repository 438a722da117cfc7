// tests/unit/backend/glc-test.cc
// GLC estimates and log-likelihoods against numpy (tests/reference/backend-reference.py) on
// synthetic Gaussian classes, posteriors against the true class-conditional Gaussians, and
// Cavg of the GLC's log-likelihoods against numpy's NIST definition.
#include "backend/glc.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "backend/metrics.h"
#include "unit/backend/backend-reference.h"

namespace voxtools {
namespace {

using test::BackendReference;

struct GlcData {
  Matrix<double> x, xt;
  std::vector<int32_t> y, yt;
};

GlcData LoadData(const BackendReference &ref) {
  GlcData d;
  d.x = ref.Load("train_x");
  d.xt = ref.Load("test_x");
  for (double v : ref.LoadRow("train_y")) d.y.push_back(static_cast<int32_t>(v));
  for (double v : ref.LoadRow("test_y")) d.yt.push_back(static_cast<int32_t>(v));
  return d;
}

Vector<float> RowOf(const Matrix<double> &m, int64_t r) {
  Vector<float> v(m.NumCols());
  for (int64_t c = 0; c < m.NumCols(); c++) v(c) = static_cast<float>(m(r, c));
  return v;
}

// Log-likelihoods of the test rows (each rounded to float, as an archive holds them).
Matrix<double> Score(const Glc &glc, const Matrix<double> &xt) {
  Matrix<double> out(xt.NumRows(), glc.NumClasses());
  Vector<double> ll;
  for (int64_t r = 0; r < xt.NumRows(); r++) {
    glc.LogLikelihoods(RowOf(xt, r), &ll);
    for (int64_t k = 0; k < ll.Dim(); k++) out(r, k) = ll(k);
  }
  return out;
}

void ExpectNear(const Matrix<double> &a, const Matrix<double> &b, double tol, const char *what) {
  ASSERT_EQ(a.NumRows(), b.NumRows()) << what;
  ASSERT_EQ(a.NumCols(), b.NumCols()) << what;
  double worst = 0.0;
  for (int64_t i = 0; i < a.NumElements(); i++)
    worst = std::max(worst, std::fabs(a.Data()[i] - b.Data()[i]) / std::max(1.0, std::fabs(b.Data()[i])));
  EXPECT_LE(worst, tol) << what;
}

class GlcReferenceTest : public ::testing::TestWithParam<bool> {};

TEST_P(GlcReferenceTest, MatchesNumpy) {
  const BackendReference &ref = BackendReference::Get("glc");
  VOX_REQUIRE_BACKEND_REFERENCE(ref);
  const bool balanced = GetParam();
  const std::string name = balanced ? "balanced" : "pooled";
  const GlcData d = LoadData(ref);
  GlcOptions opts;
  opts.class_balanced = balanced;
  Glc glc;
  glc.Train(d.x, d.y, {"a", "b", "c"}, opts);
  // Training is in double on the same doubles: only summation order differs.
  ExpectNear(glc.Means(), ref.Load("means"), 1e-12, "means");
  ExpectNear(glc.Covariance(), ref.Load("cov_" + name), 1e-12, "covariance");
  // The test vectors pass through float (as from an archive): 1e-7 relative on x moves a
  // log-likelihood of order 10 by ~1e-5.
  const Matrix<double> ll = Score(glc, d.xt);
  ExpectNear(ll, ref.Load("loglikes_" + name), 1e-5, "log-likelihoods");

  // Cavg of these log-likelihoods, at two operating points, against numpy's.
  const std::vector<double> cavg = ref.LoadRow("cavg_" + name);
  const LidMetrics m = ComputeLidMetrics(ll, d.yt, true, 0.5, 1.0, 1.0);
  EXPECT_NEAR(m.cavg, cavg[0], 1e-12);
  const LidMetrics m2 = ComputeLidMetrics(ll, d.yt, true, 0.2, 1.0, 2.0);
  EXPECT_NEAR(m2.cavg, cavg[1], 1e-12);
  EXPECT_GT(m.cavg, 0.0);  // the classes overlap: a zero would mean nothing was tested
}

INSTANTIATE_TEST_SUITE_P(PooledAndBalanced, GlcReferenceTest, ::testing::Values(false, true));

TEST(GlcTest, PosteriorsApproachTheBayesPosteriors) {
  const BackendReference &ref = BackendReference::Get("glc");
  VOX_REQUIRE_BACKEND_REFERENCE(ref);
  const GlcData d = LoadData(ref);
  Glc glc;
  glc.Train(d.x, d.y, {"a", "b", "c"}, GlcOptions());
  const Matrix<double> truth = ref.Load("true_posteriors");
  const Matrix<double> ll = Score(glc, d.xt);
  double worst = 0.0, sum = 0.0;
  Vector<double> loglikes(ll.NumCols()), post;
  for (int64_t r = 0; r < ll.NumRows(); r++) {
    for (int64_t k = 0; k < ll.NumCols(); k++) loglikes(k) = ll(r, k);
    Glc::Posteriors(loglikes, false, &post);
    double total = 0.0;
    for (int64_t k = 0; k < post.Dim(); k++) {
      total += post(k);
      const double err = std::fabs(post(k) - truth(r, k));
      worst = std::max(worst, err);
      sum += err;
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
  }
  // 9000 training vectors in 4 dimensions: the estimated means and covariance are within a
  // few percent of the truth, which moves posteriors by a few thousandths on average and by
  // up to several hundredths near a decision boundary, where the posterior is steepest.
  std::printf("GLC vs Bayes posteriors: mean |error| %.5f, max %.5f\n", sum / ll.NumElements(), worst);
  EXPECT_LT(worst, 0.1);
  EXPECT_LT(sum / ll.NumElements(), 0.005);
}

TEST(GlcTest, WriteReadRoundTripAndErrors) {
  Matrix<double> x(6, 2);
  const double v[6][2] = {{0, 0}, {1, 0.5}, {0.2, 1}, {3, 3}, {4, 3.2}, {3.5, 4}};
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 2; j++) x(i, j) = v[i][j];
  Glc glc;
  glc.Train(x, {0, 0, 0, 1, 1, 1}, {"en", "fr"}, GlcOptions());
  for (bool binary : {true, false}) {
    std::stringstream ss;
    glc.Write(ss, binary);
    Glc back;
    back.Read(ss, binary);
    EXPECT_EQ(back.ClassNames(), glc.ClassNames());
    Vector<float> p(2);
    p(0) = 1.0f;
    p(1) = 2.0f;
    Vector<double> a, b;
    glc.LogLikelihoods(p, &a);
    back.LogLikelihoods(p, &b);
    // Text mode keeps 7 digits (Kaldi's precision).
    for (int k = 0; k < 2; k++) EXPECT_NEAR(a(k), b(k), binary ? 1e-12 : 1e-4);
  }
  Vector<float> wrong(3);
  Vector<double> out;
  EXPECT_THROW(glc.LogLikelihoods(wrong, &out), Error);
  // Too few vectors for the dimension, and a class without vectors.
  Glc bad;
  EXPECT_THROW(bad.Train(x.Range(0, 3, 0, 2), {0, 0, 1}, {"en", "fr"}, GlcOptions()), Error);
  EXPECT_THROW(bad.Train(x, {0, 0, 0, 0, 0, 0}, {"en", "fr"}, GlcOptions()), Error);
  GlcOptions smooth;
  smooth.smoothing = 0.1;
  EXPECT_NO_THROW(bad.Train(x.Range(0, 3, 0, 2), {0, 0, 1}, {"en", "fr"}, smooth));
}

}  // namespace
}  // namespace voxtools

// tests/unit/backend/plda-test.cc
// PLDA: Kaldi's file read and written back byte for byte, the fast scorer against the direct
// formula, EM recovering known covariances from synthetic data, and the adaptation property.
#include "backend/plda.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "backend/plda-scorer.h"
#include "io/io-funcs.h"
#include "matrix/linalg.h"

namespace voxtools {
namespace {

std::string FixtureDir() {
  const char *env = std::getenv("VOX_FIXTURES");
  return std::string(env ? env : "../shared/fixtures") + "/kaldi/backend/";
}

std::string ReadFile(const std::string &path) {
  std::ifstream is(path, std::ios::binary);
  std::ostringstream os;
  os << is.rdbuf();
  return os.str();
}

TEST(PldaTest, ReadsAndRewritesKaldisModelByteForByte) {
  const std::string bin = ReadFile(FixtureDir() + "plda"), txt = ReadFile(FixtureDir() + "plda.txt");
  if (bin.empty()) GTEST_SKIP() << "Kaldi fixtures not found (set VOX_FIXTURES)";
  std::istringstream is(bin);
  bool binary = false;
  ReadBinaryMarker(is, &binary);
  ASSERT_TRUE(binary);
  Plda plda;
  plda.Read(is, true);
  EXPECT_EQ(plda.Dim(), 16);
  std::ostringstream os;
  WriteBinaryMarker(os, true);
  plda.Write(os, true);
  EXPECT_TRUE(os.str() == bin);
  std::istringstream ts(txt);
  Plda from_text;
  from_text.Read(ts, false);
  for (int64_t i = 0; i < 16; i++) EXPECT_NEAR(from_text.Psi()(i), plda.Psi()(i), 1e-6 * plda.Psi()(0));
  std::ostringstream tos;
  from_text.Write(tos, false);
  EXPECT_EQ(tos.str(), txt);
}

TEST(PldaTest, RejectsInconsistentModels) {
  Vector<double> mean(3), psi(2);
  Matrix<double> t(3, 3);
  EXPECT_THROW(Plda(mean, t, psi), Error);
  std::istringstream bad("<Plda> [ 1 2 ] [ 1 0\n 0 1 ] [ 1 -1 ] </Plda> ");
  Plda p;
  EXPECT_THROW(p.Read(bad, false), Error);  // negative psi
}

TEST(PldaTest, FastScorerEqualsDirectLogLikelihoodRatio) {
  std::mt19937 rng(7);
  std::normal_distribution<double> n(0.0, 1.0);
  for (int64_t dim : {1, 3, 16, 33}) {
    Vector<double> mean(dim), psi(dim);
    Matrix<double> t(dim, dim);
    for (int64_t i = 0; i < dim; i++) {
      mean(i) = n(rng);
      psi(i) = std::abs(n(rng)) * 3;
      for (int64_t j = 0; j < dim; j++) t(i, j) = n(rng) + (i == j ? 3 : 0);
    }
    const Plda plda(mean, t, psi);
    for (bool norm : {false, true}) {
      PldaConfig config;
      config.normalize_length = norm;
      PldaScorer scorer(plda, config);
      std::vector<Vector<double>> e_raw, t_raw;
      std::vector<int32_t> ns = {1, 2, 5, 1};
      for (int k = 0; k < 4; k++) {
        Vector<double> v(dim), w(dim);
        for (int64_t i = 0; i < dim; i++) v(i) = n(rng), w(i) = n(rng);
        e_raw.push_back(v);
        t_raw.push_back(w);
        scorer.AddEnrollment(v, ns[k]);
        scorer.AddTest(w);
      }
      for (int e = 0; e < 4; e++)
        for (int s = 0; s < 4; s++) {
          Vector<double> te, tt;
          plda.TransformVector(config, e_raw[e], ns[e], &te);
          plda.TransformVector(config, t_raw[s], 1, &tt);
          const double ref = plda.LogLikelihoodRatio(te, ns[e], tt);
          EXPECT_NEAR(scorer.Score(e, s), ref, 1e-9 * (1 + std::abs(ref)))
              << "dim=" << dim << " norm=" << norm;
          EXPECT_NE(ref, 0.0);
        }
    }
  }
}

// Synthetic two-covariance data: x = m + y_spk + e, y ~ N(0, B), e ~ N(0, W).
TEST(PldaTest, EmRecoversTheGeneratingCovariances) {
  const int64_t dim = 4, num_spk = 400, per_spk = 10;
  std::mt19937 rng(11);
  std::normal_distribution<double> n(0.0, 1.0);
  Matrix<double> a(dim, dim), c(dim, dim);  // B = A A^T, W = C C^T
  for (int64_t i = 0; i < dim; i++)
    for (int64_t j = 0; j < dim; j++) {
      a(i, j) = (i == j ? 2.0 : 0.3 * n(rng));
      c(i, j) = (i == j ? 1.0 : 0.2 * n(rng));
    }
  PldaStats stats;
  for (int64_t s = 0; s < num_spk; s++) {
    Vector<double> z(dim), y;
    for (int64_t i = 0; i < dim; i++) z(i) = n(rng);
    MatVec(a, false, z, &y);
    Matrix<double> group(per_spk, dim);
    for (int64_t u = 0; u < per_spk; u++) {
      Vector<double> ze(dim), e;
      for (int64_t i = 0; i < dim; i++) ze(i) = n(rng);
      MatVec(c, false, ze, &e);
      for (int64_t i = 0; i < dim; i++) group(u, i) = 5.0 + y(i) + e(i);
    }
    stats.AddSamples(1.0, group);
  }
  stats.Sort();
  PldaEstimator est(stats);
  Plda plda;
  PldaEstimationConfig config;
  config.num_em_iters = 20;
  est.Estimate(config, &plda);
  Matrix<double> w_true, b_true;
  MatMul(c, false, c, true, &w_true);
  MatMul(a, false, a, true, &b_true);
  // transform W transform^T = I and transform B transform^T = diag(psi), within sampling
  // error (4000 vectors, 400 speakers: a few percent on B, less on W).
  const Matrix<double> w_proj = ProjectCovariance(plda.Transform(), w_true);
  const Matrix<double> b_proj = ProjectCovariance(plda.Transform(), b_true);
  for (int64_t i = 0; i < dim; i++) {
    EXPECT_NEAR(w_proj(i, i), 1.0, 0.05);
    EXPECT_NEAR(b_proj(i, i) / plda.Psi()(i), 1.0, 0.15);
    EXPECT_NEAR(plda.Mean()(i), 5.0, 0.3);
    for (int64_t j = 0; j < i; j++) EXPECT_NEAR(w_proj(i, j), 0.0, 0.05);
  }
}

TEST(PldaTest, SingleUtteranceSpeakersOnlyIsAnError) {
  PldaStats stats;
  Matrix<double> one(1, 2);
  one(0, 0) = 1;
  stats.AddSamples(1.0, one);
  stats.AddSamples(1.0, one);
  EXPECT_THROW(PldaEstimator est(stats), Error);
}

// Adapting with data whose covariance is k times the model's total covariance (and the same
// mean) must scale the model's total covariance (within + between) by k.
TEST(PldaTest, AdaptationScalesTotalCovarianceByTheExcess) {
  const int64_t dim = 3;
  Vector<double> mean(dim), psi(dim);
  Matrix<double> t(dim, dim);
  std::mt19937 rng(5);
  std::normal_distribution<double> n(0.0, 1.0);
  for (int64_t i = 0; i < dim; i++) {
    psi(i) = 0.5 + i;
    for (int64_t j = 0; j < dim; j++) t(i, j) = (i == j ? 2.0 : 0.3 * n(rng));
  }
  Plda plda(mean, t, psi);
  // Model total covariance: T^-1 (I + diag(psi)) T^-T.
  Matrix<double> t_inv, d(dim, dim);
  Invert(t, &t_inv);
  for (int64_t i = 0; i < dim; i++) d(i, i) = 1.0 + psi(i);
  const Matrix<double> total = ProjectCovariance(t_inv, d);
  Matrix<double> l;
  Cholesky(total, &l);
  const double k = 2.5;
  // Adaptation "data": +-sqrt(k) l_j columns, exactly covariance k * total and mean 0.
  PldaUnsupervisedAdaptor adaptor;
  for (int64_t j = 0; j < dim; j++)
    for (double sign : {1.0, -1.0}) {
      Vector<double> v(dim);
      for (int64_t i = 0; i < dim; i++) v(i) = sign * std::sqrt(k * dim) * l(i, j);
      adaptor.AddStats(1.0, v);
    }
  PldaUnsupervisedAdaptorConfig config;
  adaptor.UpdatePlda(config, &plda);
  Matrix<double> t2_inv, d2(dim, dim);
  Invert(plda.Transform(), &t2_inv);
  for (int64_t i = 0; i < dim; i++) d2(i, i) = 1.0 + plda.Psi()(i);
  const Matrix<double> total2 = ProjectCovariance(t2_inv, d2);
  for (int64_t i = 0; i < dim; i++)
    for (int64_t j = 0; j < dim; j++) EXPECT_NEAR(total2(i, j), k * total(i, j), 1e-8);
}

}  // namespace
}  // namespace voxtools

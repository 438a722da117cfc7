// tests/unit/backend/score-norm-test.cc
// S-norm and AS-norm against numpy (WeSpeaker's formula, tests/reference/backend-reference.py),
// and the top-N selection against a brute-force sort.
#include "backend/score-norm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "unit/backend/backend-reference.h"

namespace voxtools {
namespace {

using test::BackendReference;

TEST(ScoreNormTest, SNormAndAsNormMatchNumpy) {
  const BackendReference &ref = BackendReference::Get("score-norm");
  VOX_REQUIRE_BACKEND_REFERENCE(ref);
  const Matrix<double> enroll = ref.Load("enroll"), test = ref.Load("test"),
                       cohort = ref.Load("cohort"), raw = ref.Load("raw");
  const Matrix<double> mean_row = ref.Load("mean");
  Vector<double> mean(mean_row.NumCols());
  for (int64_t i = 0; i < mean.Dim(); i++) mean(i) = mean_row(0, i);
  struct Case {
    const char *name;
    int64_t top_n;
  };
  for (const Case &c : {Case{"snorm", 0}, Case{"asnorm10", 10}}) {
    const CohortNormalizer norm(cohort, mean, c.top_n);
    EXPECT_EQ(norm.TopN(), c.top_n == 0 ? cohort.NumRows() : c.top_n);
    const std::vector<CohortStats> es = norm.ComputeStats(enroll), ts = norm.ComputeStats(test);
    const Matrix<double> want = ref.Load(c.name), want_stats = ref.Load(std::string(c.name) + "_enroll_stats");
    for (int64_t e = 0; e < enroll.NumRows(); e++) {
      // Both sides compute in double from the same doubles: only summation order differs.
      EXPECT_NEAR(es[e].mean, want_stats(e, 0), 1e-12) << c.name;
      EXPECT_NEAR(es[e].stddev, want_stats(e, 1), 1e-12) << c.name;
      for (int64_t t = 0; t < test.NumRows(); t++)
        EXPECT_NEAR(CohortNormalizer::Normalize(raw(e, t), es[e], ts[t]), want(e, t), 1e-10)
            << c.name << " trial " << e << " " << t;
    }
    EXPECT_GT(es[0].stddev, 0.0);
  }
}

TEST(ScoreNormTest, TopNEqualsSortedSelectionAcrossBlocks) {
  // 600 vectors span three GEMM blocks of 256; a cohort of 37 and top-N 1..37.
  std::mt19937 rng(5);
  std::normal_distribution<double> n(0.0, 1.0);
  const int64_t dim = 7;
  Matrix<double> cohort(37, dim), vectors(600, dim);
  for (int64_t i = 0; i < cohort.NumElements(); i++) cohort.Data()[i] = n(rng);
  for (int64_t i = 0; i < vectors.NumElements(); i++) vectors.Data()[i] = n(rng);
  for (int64_t top_n : {2, 5, 36, 37}) {
    const CohortNormalizer norm(cohort, Vector<double>(), top_n);
    const std::vector<CohortStats> stats = norm.ComputeStats(vectors);
    for (int64_t r : {0, 255, 256, 599}) {
      std::vector<double> s;
      double nv = 0;
      for (int64_t j = 0; j < dim; j++) nv += vectors(r, j) * vectors(r, j);
      for (int64_t c = 0; c < cohort.NumRows(); c++) {
        double dot = 0, nc = 0;
        for (int64_t j = 0; j < dim; j++) {
          dot += vectors(r, j) * cohort(c, j);
          nc += cohort(c, j) * cohort(c, j);
        }
        s.push_back(dot / std::sqrt(nv * nc));
      }
      std::sort(s.begin(), s.end(), std::greater<double>());
      double m = 0, v = 0;
      for (int64_t k = 0; k < top_n; k++) m += s[k] / top_n;
      for (int64_t k = 0; k < top_n; k++) v += (s[k] - m) * (s[k] - m) / top_n;
      EXPECT_NEAR(stats[r].mean, m, 1e-12) << "top-n " << top_n << " row " << r;
      EXPECT_NEAR(stats[r].stddev, std::sqrt(v), 1e-12) << "top-n " << top_n << " row " << r;
    }
  }
}

TEST(ScoreNormTest, Errors) {
  Matrix<double> cohort(3, 2);
  cohort(0, 0) = 1;
  cohort(1, 1) = 1;
  cohort(2, 0) = cohort(2, 1) = 1;
  EXPECT_THROW(CohortNormalizer(Matrix<double>(), Vector<double>(), 0), Error);
  EXPECT_THROW(CohortNormalizer(cohort, Vector<double>(3), 0), Error);  // mean dimension
  Matrix<double> zero_row = cohort;
  zero_row(2, 0) = zero_row(2, 1) = 0;
  EXPECT_THROW(CohortNormalizer(zero_row, Vector<double>(), 0), Error);
  const CohortNormalizer norm(cohort, Vector<double>(), 0);
  EXPECT_THROW(norm.ComputeStats(Matrix<double>(1, 3)), Error);  // dimension
  Matrix<double> v(2, 2);
  v(0, 0) = 1;  // row 1 is zero
  const std::vector<std::string> names = {"utt-a", "utt-b"};
  try {
    norm.ComputeStats(v, &names);
    ADD_FAILURE() << "a zero vector was accepted";
  } catch (const Error &e) {
    EXPECT_NE(e.reason().find("utt-b"), std::string::npos) << e.reason();
  }
  ScoreNormOptions opts;
  opts.method = "z-norm";
  EXPECT_THROW(opts.Validate(), Error);
  opts.method = "as-norm";
  opts.top_n = 1;
  EXPECT_THROW(opts.Validate(), Error);
}

}  // namespace
}  // namespace voxtools

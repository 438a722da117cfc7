// tests/unit/backend/metrics-test.cc
// EER against Kaldi's toy fixture (ties), minDCF and Cavg against brute-force definitions.
#include "backend/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace voxtools {
namespace {

TEST(MetricsTest, EerMatchesKaldiOnTiedScores) {
  // tests the content of the fixture eer_toy.txt: Kaldi says 40% at threshold 2.
  std::vector<float> tgt = {4, 3, 2, 0.5, -3}, non = {1, 0.5, -1, -2, 2};
  float threshold = 0;
  EXPECT_DOUBLE_EQ(ComputeEer(tgt, non, &threshold), 0.4);
  EXPECT_EQ(threshold, 2.0f);
  EXPECT_THROW(ComputeEer({}, non, &threshold), Error);
}

double BruteMinDcf(const std::vector<double> &tgt, const std::vector<double> &non, const DcfPoint &p) {
  std::vector<double> th(tgt);
  th.insert(th.end(), non.begin(), non.end());
  th.push_back(std::numeric_limits<double>::infinity());
  double best = 1e300;
  for (double t : th) {
    double miss = 0, fa = 0;
    for (double s : tgt) miss += s < t;
    for (double s : non) fa += s >= t;
    best = std::min(best, p.c_miss * p.p_target * miss / tgt.size() +
                              p.c_fa * (1 - p.p_target) * fa / non.size());
  }
  return best / std::min(p.c_miss * p.p_target, p.c_fa * (1 - p.p_target));
}

TEST(MetricsTest, MinDcfEqualsBruteForceWithTies) {
  std::mt19937 rng(3);
  std::normal_distribution<double> n(0.0, 1.0);
  for (int trial = 0; trial < 5; trial++) {
    std::vector<double> tgt, non;
    for (int i = 0; i < 57; i++) tgt.push_back(std::round(4 * (n(rng) + 2)) / 4);  // ties
    for (int i = 0; i < 301; i++) non.push_back(std::round(4 * n(rng)) / 4);
    for (double p : {0.01, 0.05, 0.5}) {
      DcfPoint pt;
      pt.p_target = p;
      pt.c_fa = trial + 1;
      const double dcf = ComputeMinDcf(tgt, non, pt);
      EXPECT_NEAR(dcf, BruteMinDcf(tgt, non, pt), 1e-12);
      EXPECT_GT(dcf, 0.0);
      EXPECT_LE(dcf, 1.0);
    }
  }
}

TEST(MetricsTest, LidMetricsOnAHandMadeCase) {
  // 3 languages, 2 utterances each; utterance 5 (true 2) is decided as language 0.
  Matrix<double> s(6, 3);
  const double v[6][3] = {{2, -2, -2}, {1, -1, -3}, {-2, 2, -2}, {-1, 3, -2}, {-2, -2, 2}, {1, -2, 0}};
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 3; j++) s(i, j) = v[i][j];
  const std::vector<int32_t> labels = {0, 0, 1, 1, 2, 2};
  const LidMetrics m = ComputeLidMetrics(s, labels, false);
  EXPECT_NEAR(m.accuracy, 5.0 / 6, 1e-12);
  EXPECT_EQ(m.confusion(2, 0), 1.0);
  EXPECT_EQ(m.confusion(2, 2), 1.0);
  // As LLRs at threshold 0 (p = 0.5): misses: lang 2 utt 5 (0 is not > 0): P_miss(2) = 1/2.
  // False alarms: detector 0 accepts utt 5 (score 1): P_fa(0, 2) = 1/2. Cavg =
  // (1/3) [0.5 * 0.5 + 0.5 / 2 * 0.5] = 0.125.
  EXPECT_NEAR(m.cavg, 0.125, 1e-12);
  EXPECT_LE(m.min_cavg, m.cavg);
  // The best shared threshold: between 0 and 1 ... the cost at threshold 0.5 is the same
  // miss-free count except detector 0 still accepting utt 5: 1/3 * 0.25 * 0.5 = 0.041667.
  EXPECT_NEAR(m.min_cavg, 0.25 / 6, 1e-12);
  EXPECT_EQ(m.eer.size(), 3u);
}

TEST(MetricsTest, LidDetectionLlrsOfEqualLoglikesAreZero) {
  Matrix<double> s(1, 4);
  const Matrix<double> llr = LidDetectionLlrs(s);
  for (int j = 0; j < 4; j++) EXPECT_NEAR(llr(0, j), 0.0, 1e-12);
  s(0, 0) = std::log(3.0);
  const Matrix<double> llr2 = LidDetectionLlrs(s);
  EXPECT_NEAR(llr2(0, 0), std::log(3.0), 1e-12);
  EXPECT_NEAR(llr2(0, 1), -std::log((3.0 + 1 + 1) / 3), 1e-12);
}

}  // namespace
}  // namespace voxtools

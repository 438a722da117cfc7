// tests/unit/feat/cmvn-test.cc
// Sliding CMN against Kaldi's apply-cmvn-sliding fixtures, and global CMVN against a direct
// computation of mean and variance.
#include "feat/cmvn.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "feat-test-util.h"

namespace voxtools {
namespace {

using feat_test::FeaturesDir;

// Inputs are the binary (exact) MFCC archives; outputs are text with 7 digits, values up to
// ~100, so 1e-4 absolute is their rounding plus float accumulation.
void CheckSliding(const std::string &input, const std::string &fixture,
                  const std::function<void(SlidingCmnOptions *)> &set) {
  std::string dir = FeaturesDir();
  if (dir.empty()) GTEST_SKIP() << "Kaldi fixtures not found (set VOX_FIXTURES)";
  SlidingCmnOptions opts;
  set(&opts);
  auto in = feat_test::ReadBinaryArchive(dir + "/" + input);
  auto expected = feat_test::ReadTextArchive(dir + "/" + fixture);
  ASSERT_EQ(in.size(), 5u);
  ASSERT_EQ(in.size(), expected.size());
  for (size_t i = 0; i < in.size(); i++) {
    SCOPED_TRACE(fixture + " " + in[i].first);
    Matrix<float> out;
    ApplySlidingCmn(opts, in[i].second, &out);
    ASSERT_EQ(out.NumRows(), expected[i].second.NumRows());
    ASSERT_EQ(out.NumCols(), expected[i].second.NumCols());
    EXPECT_LE(feat_test::MaxAbsDiff(out, expected[i].second), 1e-4f);
    EXPECT_GT(feat_test::MaxAbsDiff(out, in[i].second), 0.1f);  // it changed something
  }
}

TEST(SlidingCmnKaldi, VoxCelebCentered300) {
  CheckSliding("mfcc_vox.ark", "cmvn_vox.txt", [](SlidingCmnOptions *o) {
    o->center = true;
    o->cmn_window = 300;
  });
}
TEST(SlidingCmnKaldi, NormVarsWindow50) {
  CheckSliding("mfcc_default.ark", "cmvn_normvars_w50.txt", [](SlidingCmnOptions *o) {
    o->center = true;
    o->normalize_variance = true;
    o->cmn_window = 50;
    o->min_window = 10;
  });
}
TEST(SlidingCmnKaldi, LeftWindow100) {
  CheckSliding("mfcc_default.ark", "cmvn_left_w100.txt", [](SlidingCmnOptions *o) {
    o->center = false;
    o->cmn_window = 100;
    o->min_window = 20;
  });
}

// The slow, obvious definition: per frame, recompute the window and its mean.
TEST(SlidingCmn, MatchesDirectWindowMean) {
  std::mt19937 rng(7);
  std::normal_distribution<float> g(3.0f, 2.0f);
  for (int num_frames : {1, 2, 7, 33, 250}) {
    Matrix<float> in(num_frames, 3);
    for (int64_t i = 0; i < in.NumElements(); i++) in.Data()[i] = g(rng);
    for (bool center : {false, true}) {
      SlidingCmnOptions o;
      o.center = center;
      o.cmn_window = 20;
      o.min_window = 5;
      Matrix<float> out;
      ApplySlidingCmn(o, in, &out);
      for (int t = 0; t < num_frames; t++) {
        int start = center ? t - 10 : t - 20, end = center ? start + 20 : t + 1;
        if (start < 0) { end -= start; start = 0; }
        if (!center && end > t) end = std::max(t + 1, 5);
        if (end > num_frames) { start = std::max(0, start - (end - num_frames)); end = num_frames; }
        for (int d = 0; d < 3; d++) {
          double mean = 0;
          for (int s = start; s < end; s++) mean += in(s, d);
          mean /= end - start;
          EXPECT_NEAR(out(t, d), in(t, d) - mean, 1e-5) << num_frames << " " << t;
        }
      }
    }
  }
}

TEST(Cmvn, StatsAndApply) {
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.0f, 1.0f);
  Matrix<float> feats(100, 4);
  for (int64_t t = 0; t < 100; t++)
    for (int d = 0; d < 4; d++) feats(t, d) = 5.0f * d + (d + 1) * g(rng);
  Matrix<double> stats;
  InitCmvnStats(4, &stats);
  AccCmvnStats(feats, nullptr, &stats);
  EXPECT_EQ(stats(0, 4), 100.0);
  EXPECT_EQ(stats(1, 4), 0.0);
  Matrix<float> x = feats;
  ApplyCmvn(stats, true, true, &x);
  for (int d = 0; d < 4; d++) {
    double m = 0, v = 0;
    for (int t = 0; t < 100; t++) m += x(t, d);
    m /= 100;
    for (int t = 0; t < 100; t++) v += (x(t, d) - m) * (x(t, d) - m);
    EXPECT_NEAR(m, 0.0, 1e-5);
    EXPECT_NEAR(v / 100, 1.0, 1e-4);
  }
  Matrix<float> y = feats;
  ApplyCmvn(stats, true, false, &y);
  EXPECT_NEAR(y(0, 2), feats(0, 2) - stats(0, 2) / 100, 1e-5);
}

TEST(Cmvn, Errors) {
  Matrix<float> feats(3, 2);
  Matrix<double> stats;
  InitCmvnStats(3, &stats);
  EXPECT_THROW(AccCmvnStats(feats, nullptr, &stats), Error);  // dim mismatch
  InitCmvnStats(2, &stats);
  EXPECT_THROW(ApplyCmvn(stats, true, false, &feats), Error);  // count 0
  feats(1, 1) = std::nanf("");
  EXPECT_THROW(AccCmvnStats(feats, nullptr, &stats), Error);
}

}  // namespace
}  // namespace voxtools

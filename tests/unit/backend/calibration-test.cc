// tests/unit/backend/calibration-test.cc
// Linear calibration against numpy's Newton fit (tests/reference/backend-reference.py) and
// against the known LLR line of equal-variance Gaussian scores; minDCF of the same scores
// against numpy's vectorised search and the Bayes (population) value.
#include "backend/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "backend/metrics.h"
#include "unit/backend/backend-reference.h"

namespace voxtools {
namespace {

using test::BackendReference;

TEST(CalibrationTest, MatchesNumpyAndRecoversTheTrueLlr) {
  const BackendReference &ref = BackendReference::Get("calibration");
  VOX_REQUIRE_BACKEND_REFERENCE(ref);
  const std::vector<double> tgt = ref.LoadRow("targets"), non = ref.LoadRow("nontargets");
  const Matrix<double> fits = ref.Load("fits");
  const std::vector<double> truth = ref.LoadRow("truth");
  const double priors[2] = {0.5, 0.01};
  for (int i = 0; i < 2; i++) {
    CalibrationOptions opts;
    opts.p_target = priors[i];
    double cllr = 0.0;
    const LinearCalibration cal = TrainLinearCalibration(tgt, non, opts, &cllr);
    // The same convex minimum found by two solvers: both stop at a gradient below 1e-10.
    EXPECT_NEAR(cal.scale, fits(i, 0), 1e-7) << "p-target " << priors[i];
    EXPECT_NEAR(cal.offset, fits(i, 1), 1e-7) << "p-target " << priors[i];
    EXPECT_NEAR(cllr, fits(i, 2), 1e-9) << "p-target " << priors[i];
    // The model is well specified (the true LLR is linear), so any prior's fit is consistent:
    // with 60000 scores the sampling error is ~1-3%, more at p = 0.01 where few trials weigh.
    const double tol = i == 0 ? 0.03 : 0.06;
    EXPECT_NEAR(cal.scale, truth[0], tol * std::fabs(truth[0])) << "p-target " << priors[i];
    EXPECT_NEAR(cal.offset, truth[1], tol * std::fabs(truth[1])) << "p-target " << priors[i];
    EXPECT_LT(cllr, 1.0);
    EXPECT_NEAR(WeightedCrossEntropy(cal, tgt, non, priors[i]) /
                    -(priors[i] * std::log(priors[i]) + (1 - priors[i]) * std::log(1 - priors[i])),
                cllr, 1e-12);
  }
}

TEST(CalibrationTest, MinDcfMatchesNumpyAndTheBayesValue) {
  const BackendReference &ref = BackendReference::Get("calibration");
  VOX_REQUIRE_BACKEND_REFERENCE(ref);
  const std::vector<double> tgt = ref.LoadRow("targets"), non = ref.LoadRow("nontargets");
  const Matrix<double> rows = ref.Load("min_dcf");
  ASSERT_EQ(rows.NumRows(), 3);
  for (int64_t r = 0; r < rows.NumRows(); r++) {
    DcfPoint pt;
    pt.p_target = rows(r, 0);
    pt.c_miss = rows(r, 1);
    pt.c_fa = rows(r, 2);
    const double dcf = ComputeMinDcf(tgt, non, pt);
    EXPECT_NEAR(dcf, rows(r, 3), 1e-9) << "p-target " << pt.p_target;
    // The empirical minimum is optimistic and noisy at small priors (~100 targets weigh).
    EXPECT_NEAR(dcf, rows(r, 4), 0.05) << "p-target " << pt.p_target;
    // A calibrated LLR thresholded at the Bayes threshold is nearly as good as the best
    // threshold: the point of calibration.
    CalibrationOptions opts;
    opts.p_target = pt.p_target;
    const LinearCalibration cal = TrainLinearCalibration(tgt, non, opts);
    const double theta = std::log(pt.c_fa * (1 - pt.p_target) / (pt.c_miss * pt.p_target));
    double miss = 0, fa = 0;
    for (double s : tgt) miss += cal.Apply(s) < theta;
    for (double s : non) fa += cal.Apply(s) >= theta;
    const double act = (pt.c_miss * pt.p_target * miss / tgt.size() +
                        pt.c_fa * (1 - pt.p_target) * fa / non.size()) /
                       std::min(pt.c_miss * pt.p_target, pt.c_fa * (1 - pt.p_target));
    EXPECT_GE(act, dcf - 1e-12);
    EXPECT_LT(act, dcf + 0.05) << "p-target " << pt.p_target;
  }
}

TEST(CalibrationTest, ScaleInvarianceAndErrors) {
  // Calibrating a * s + b must give the same LLRs: the fit works on standardised scores.
  std::vector<double> tgt = {1.0, 2.0, 0.5, 3.0, 1.5}, non = {-1.0, 0.0, 0.7, -2.0, -0.5, 1.2};
  const LinearCalibration c1 = TrainLinearCalibration(tgt, non, CalibrationOptions());
  std::vector<double> tgt2, non2;
  for (double s : tgt) tgt2.push_back(1000 * s + 40);
  for (double s : non) non2.push_back(1000 * s + 40);
  const LinearCalibration c2 = TrainLinearCalibration(tgt2, non2, CalibrationOptions());
  for (double s : {-1.0, 0.3, 2.0}) EXPECT_NEAR(c1.Apply(s), c2.Apply(1000 * s + 40), 1e-7);
  EXPECT_GT(c1.scale, 0.0);
  EXPECT_THROW(TrainLinearCalibration({}, non, CalibrationOptions()), Error);
  EXPECT_THROW(TrainLinearCalibration({1.0, NAN}, non, CalibrationOptions()), Error);
  EXPECT_THROW(TrainLinearCalibration({1.0}, {1.0}, CalibrationOptions()), Error);
  CalibrationOptions bad;
  bad.p_target = 1.0;
  EXPECT_THROW(TrainLinearCalibration(tgt, non, bad), Error);
}

TEST(CalibrationTest, ModelFileRoundTripAndBadFiles) {
  const std::string dir = ::testing::TempDir();
  LinearCalibration cal;
  cal.scale = 1.2345678901234567;
  cal.offset = -0.1;
  cal.Write(dir + "cal-test.txt");
  LinearCalibration back;
  back.Read(dir + "cal-test.txt");
  EXPECT_EQ(back.scale, cal.scale);  // %.17g round-trips a double exactly
  EXPECT_EQ(back.offset, cal.offset);
  for (const char *text : {"1.0\n", "1 2 3\n", "1 nan\n", "a b\n", ""}) {
    std::ofstream(dir + "cal-bad.txt") << text;
    EXPECT_THROW(back.Read(dir + "cal-bad.txt"), Error) << text;
  }
  std::remove((dir + "cal-test.txt").c_str());
  std::remove((dir + "cal-bad.txt").c_str());
}

}  // namespace
}  // namespace voxtools

// tests/unit/matrix/cpu-math-test.cc
// FastExp/FastErf against libm in double, over the whole useful range and the edges.
#include "matrix/cpu-math.h"

#include <gtest/gtest.h>

#include <cmath>

namespace voxtools {
namespace {

TEST(CpuMathTest, FastExpWithinTwoUlps) {
  double worst = 0;
  for (float x = -86.9f; x < 88.2f; x += 0.00731f) {
    const double rel = std::fabs(FastExp(x) / std::exp(double(x)) - 1.0);
    worst = std::max(worst, rel);
  }
  // 2 ulps of float (2^-23 = 1.19e-7 each): polynomial 6e-9 plus roundings.
  EXPECT_LT(worst, 2.4e-7);
  EXPECT_GT(worst, 0.0);  // it is an approximation: exactly 0 would mean libm was called
  EXPECT_EQ(FastExp(-100.0f), 0.0f);
  EXPECT_EQ(FastExp(0.0f), 1.0f);
  EXPECT_TRUE(std::isfinite(FastExp(1000.0f)));
}

TEST(CpuMathTest, FastErfWithinStatedBound) {
  double worst = 0;
  for (float x = -6.0f; x < 6.0f; x += 0.000913f)
    worst = std::max(worst, std::fabs(FastErf(x) - std::erf(double(x))));
  // Abramowitz & Stegun 7.1.26 (1.5e-7) above 1, the series below, plus float rounding.
  EXPECT_LT(worst, 2.5e-7);
  // Relative accuracy near 0, where GELU's x/2 (1 + erf) needs it least but a bad series
  // would show.
  EXPECT_NEAR(FastErf(1e-4f) / std::erf(1e-4), 1.0, 2e-7);
  EXPECT_EQ(FastErf(0.0f), 0.0f);
  EXPECT_EQ(FastErf(-10.0f), -1.0f);
  EXPECT_EQ(FastErf(10.0f), 1.0f);
}

}  // namespace
}  // namespace voxtools

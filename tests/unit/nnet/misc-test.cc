// tests/unit/nnet/misc-test.cc
// Statistics pooling, dropout and cross-entropy.
#include "nnet/ops/misc.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nnet-test-util.h"

namespace voxtools {
namespace {

using test::RandomTensor;

Var In(const Shape &s, uint64_t seed) { return Var(RandomTensor(s, seed, -2.0f, 2.0f), true); }

// Means and standard deviations of at most 13 frames: 1e-5 relative and absolute.
constexpr float kRtol = 1e-5f, kAtol = 1e-5f;

TEST(StatsPoolTest, MatchesTorchWithPaddedBatch) {
  Var x = In({3, 4, 13}, 1);
  for (bool unbiased : {true, false}) {
    std::vector<int64_t> lengths = {13, 5, 2};
    auto f = [&](const std::vector<Var> &v) {
      return StatisticsPooling(v[0], lengths, unbiased, 1e-7f);
    };
    Var len(Tensor::FromVector({3}, {13, 5, 2}));
    VOX_CHECK_TORCH({"stats_pool",
                     std::string("{\"unbiased\": ") + (unbiased ? "true" : "false") +
                         ", \"eps\": 1e-7}",
                     {x, len}},
                    f, kRtol, kAtol);
    test::CheckGradients(f, {x}, 1e-2f, 1e-2f, 3e-3f, "stats_pool");
    // Padded frames neither change the result nor get a gradient.
    Tensor x2 = x.value().Clone();
    x2.At({1, 2, 9}) = 1e6f;
    Tensor y1 = StatisticsPooling(x.Detach(), lengths, unbiased).value();
    Tensor y2 = StatisticsPooling(Var(x2), lengths, unbiased).value();
    test::ExpectTensorNear(y2, y1, 0, 0, "padding ignored");
    EXPECT_EQ(x.grad().At({1, 2, 9}), 0.0f);
  }
  EXPECT_THROW(StatisticsPooling(x, {13, 1, 2}), Error);
  EXPECT_THROW(StatisticsPooling(x, {13, 14, 2}), Error);
}

TEST(DropoutTest, SeededScaledAndConsistentGradient) {
  Var x(Tensor::Full({200, 50}, 1.0f), true);
  RandomGenerator rng(5);
  Var y = Dropout(x, 0.3f, true, &rng);
  int64_t zeros = 0;
  for (float v : y.value().ToVector()) {
    if (v == 0.0f) zeros++;
    else EXPECT_FLOAT_EQ(v, 1.0f / 0.7f);
  }
  // 10000 Bernoulli(0.3) draws: 3000 +- 46 (sd); 5 sd bounds.
  EXPECT_NEAR(zeros, 3000, 230);
  y.Backward(Tensor::Full({200, 50}, 1.0f));
  test::ExpectTensorNear(x.grad(), y.value(), 0, 0, "gradient uses the same mask");
  RandomGenerator rng2(5);
  test::ExpectTensorNear(Dropout(x, 0.3f, true, &rng2).value(), y.value(), 0, 0, "seeded");
  EXPECT_TRUE(Dropout(x, 0.3f, false, &rng).SameAs(x));
  EXPECT_THROW(Dropout(x, 1.0f, true, &rng), Error);
}

TEST(CrossEntropyTest, MatchesTorch) {
  for (float smoothing : {0.0f, 0.1f}) {
    Var logits = In({5, 7}, 2);
    std::vector<int64_t> labels = {0, 6, 3, 3, 1};
    auto f = [&](const std::vector<Var> &v) { return CrossEntropy(v[0], labels, smoothing); };
    Var lab(Tensor::FromVector({5}, {0, 6, 3, 3, 1}));
    VOX_CHECK_TORCH({"cross_entropy", "{\"smoothing\": " + std::to_string(smoothing) + "}",
                     {logits, lab}},
                    f, kRtol, kAtol);
    test::CheckGradients(f, {logits}, 1e-2f, 1e-2f, 1e-3f, "cross_entropy");
  }
  Var one = In({1, 3}, 3);
  EXPECT_THROW(CrossEntropy(one, {3}), Error);
  EXPECT_THROW(CrossEntropy(one, {0, 1}), Error);
}

}  // namespace
}  // namespace voxtools

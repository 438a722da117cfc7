// tests/unit/nnet/lr-schedule-test.cc
// Each schedule against PyTorch's scheduler (StepLR, CosineAnnealingLR) or WeSpeaker's
// formula (tests/reference/nnet-optim.py), over whole runs including the warm-up and the
// end; endpoints checked by hand; options round-trip through JSON.
#include "nnet/lr-schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>

#include "optim-reference.h"

namespace voxtools {
namespace {

std::string Json(const LrScheduleOptions &o, const std::string &reference, int steps) {
  std::ostringstream os;
  os.precision(17);
  os << "{\"reference\": \"" << reference << "\", \"type\": \"" << o.type
     << "\", \"steps\": " << steps << ", \"initial_lr\": " << o.initial_lr
     << ", \"final_lr\": " << o.final_lr << ", \"num_epochs\": " << o.num_epochs
     << ", \"epoch_iter\": " << o.epoch_iter << ", \"warm_up_epochs\": " << o.warm_up_epochs
     << ", \"warm_from_zero\": " << (o.warm_from_zero ? "true" : "false")
     << ", \"scale_ratio\": " << o.scale_ratio << ", \"step_epochs\": " << o.step_epochs
     << ", \"gamma\": " << o.gamma << "}";
  return os.str();
}

// Compares LearningRate(i) for i < steps with the reference's lr<i>. Both sides compute in
// double from the same formula, so 1e-9 relative; PyTorch's schedulers update the rate
// recursively (StepLR multiplies, CosineAnnealingLR uses a recurrence), hence 1e-6 for them.
void Compare(const LrScheduleOptions &o, const std::string &reference, int steps, double rtol) {
  SCOPED_TRACE(reference + " " + o.ToString());
  LrSchedule s(o);
  test::OptimAnswer ref;
  VOX_OPTIM_REFERENCE("schedule", Json(o, reference, steps), {}, &ref);
  for (int i = 0; i < steps; i++) {
    const std::string key = "lr" + std::to_string(i);
    ASSERT_EQ(ref.numbers.count(key), 1u) << key;
    const double want = ref.numbers[key];
    EXPECT_NEAR(s.LearningRate(i), want, rtol * std::fabs(want)) << key;
  }
}

LrScheduleOptions Opts(const std::string &type) {
  LrScheduleOptions o;
  o.type = type;
  o.initial_lr = 0.1;
  o.final_lr = 5e-5;
  o.num_epochs = 10;
  o.epoch_iter = 7;
  o.warm_up_epochs = 2;
  return o;
}

TEST(LrScheduleTest, ExponentialMatchesWeSpeaker) {
  LrScheduleOptions o = Opts("exponential");
  o.warm_from_zero = true;
  Compare(o, "wespeaker", 80, 1e-9);  // past the end (70 steps): the curve continues
  o.warm_from_zero = false;
  o.scale_ratio = 4;  // warm-up from 1x to 4x
  Compare(o, "wespeaker", 80, 1e-9);
  o.scale_ratio = 1;  // WeSpeaker's defaults: no warm-up at all
  Compare(o, "wespeaker", 80, 1e-9);
}

TEST(LrScheduleTest, ExponentialEndpoints) {
  LrScheduleOptions o = Opts("exponential");
  o.warm_up_epochs = 0;
  LrSchedule s(o);
  EXPECT_DOUBLE_EQ(s.LearningRate(0), 0.1);
  EXPECT_NEAR(s.LearningRate(70), 5e-5, 1e-15);
  EXPECT_NEAR(s.LearningRate(35), std::sqrt(0.1 * 5e-5), 1e-12);  // geometric midpoint
  o.warm_up_epochs = 2;
  o.warm_from_zero = true;
  LrSchedule w(o);
  EXPECT_EQ(w.LearningRate(0), 0.0);
  EXPECT_NEAR(w.LearningRate(7), 0.5 * 0.1 * std::pow(5e-4, 7.0 / 70), 1e-12);
  EXPECT_THROW(w.LearningRate(-1), Error);
}

TEST(LrScheduleTest, CosineMatchesTorchAndWeSpeaker) {
  LrScheduleOptions o = Opts("cosine");
  o.warm_up_epochs = 0;
  Compare(o, "torch", 71, 1e-6);  // CosineAnnealingLR up to T_max inclusive
  o.warm_up_epochs = 2;
  Compare(o, "wespeaker", 80, 1e-9);
  LrSchedule s(o);
  EXPECT_DOUBLE_EQ(s.LearningRate(14), 0.1);  // end of warm-up: the peak
  EXPECT_DOUBLE_EQ(s.LearningRate(70), 5e-5);
  EXPECT_DOUBLE_EQ(s.LearningRate(1000), 5e-5);
}

TEST(LrScheduleTest, StepMatchesTorchAndWeSpeaker) {
  LrScheduleOptions o = Opts("step");
  o.warm_up_epochs = 0;
  o.step_epochs = 3;
  o.gamma = 0.5;
  Compare(o, "torch", 80, 1e-6);
  o.warm_up_epochs = 1;
  Compare(o, "wespeaker", 80, 1e-9);
  LrSchedule s(o);
  EXPECT_DOUBLE_EQ(s.LearningRate(7), 0.1);
  EXPECT_DOUBLE_EQ(s.LearningRate(7 + 21), 0.05);
}

TEST(LrScheduleTest, ConstantJsonRoundTripAndValidation) {
  LrScheduleOptions o = Opts("constant");
  EXPECT_EQ(LrSchedule(o).LearningRate(12345), 0.1);
  LrScheduleOptions c = Opts("cosine");
  c.scale_ratio = 3;
  c.warm_from_zero = true;
  LrScheduleOptions back = LrScheduleOptions::FromJson(c.ToJson());
  EXPECT_EQ(back.ToString(), c.ToString());
  EXPECT_EQ(ParseLrScheduleType("step"), LrScheduleType::kStep);

  LrScheduleOptions bad = Opts("exponentail");
  EXPECT_THROW(bad.Validate(), Error);
  bad = Opts("exponential");
  bad.final_lr = 0;
  EXPECT_THROW(LrSchedule{bad}, Error);
  bad = Opts("cosine");
  bad.warm_up_epochs = 10;  // no room to decay
  EXPECT_THROW(bad.Validate(), Error);
  bad = Opts("step");
  bad.gamma = 1.5;
  EXPECT_THROW(bad.Validate(), Error);
  JsonValue j = c.ToJson();
  j.Set("gamma", JsonValue::String("x"));
  EXPECT_THROW(LrScheduleOptions::FromJson(j), Error);
  EXPECT_THROW(LrScheduleOptions::FromJson(JsonValue::Array()), Error);
}

}  // namespace
}  // namespace voxtools

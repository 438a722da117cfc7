// tests/unit/base/text-utils-test.cc
#include "base/text-utils.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/log.h"
#include "base/progress.h"

namespace voxtools {
namespace {

TEST(TextUtils, TrimAndSplit) {
  EXPECT_EQ(Trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(Trim(" \t "), "");
  EXPECT_EQ(SplitString("a  b c", " ", true), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(SplitString("a,,b", ",", false), (std::vector<std::string>{"a", "", "b"}));
  std::string k, v;
  ASSERT_TRUE(SplitKeyValue("  utt1   /a/b.wav  \n", &k, &v));
  EXPECT_EQ(k, "utt1");
  EXPECT_EQ(v, "/a/b.wav");
  ASSERT_TRUE(SplitKeyValue("utt2", &k, &v));
  EXPECT_EQ(v, "");
  EXPECT_FALSE(SplitKeyValue("   ", &k, &v));
}

TEST(TextUtils, Conversions) {
  int32_t i;
  EXPECT_TRUE(ConvertToInt32("-42", &i));
  EXPECT_EQ(i, -42);
  EXPECT_FALSE(ConvertToInt32("42x", &i));
  EXPECT_FALSE(ConvertToInt32("", &i));
  EXPECT_FALSE(ConvertToInt32("4294967296", &i));
  float f;
  EXPECT_TRUE(ConvertToFloat("1E-7", &f));
  EXPECT_EQ(f, 1e-7f);
  EXPECT_TRUE(ConvertToFloat("1e-45", &f));
  EXPECT_GT(f, 0.0f);  // denormal kept, not flushed
  EXPECT_FALSE(ConvertToFloat("1.5.2", &f));
  double d;
  EXPECT_TRUE(ConvertToDouble("nan", &d));
  EXPECT_TRUE(std::isnan(d));
  EXPECT_TRUE(IsToken("spk1-utt1"));
  EXPECT_FALSE(IsToken("a b"));
  EXPECT_FALSE(IsToken(""));
}

TEST(Log, ErrorThrowsWithMessageAndProgram) {
  SetProgramName("/x/y/my-tool");
  try {
    VOX_ERR << "bad key " << 7;
    FAIL();
  } catch (const Error &e) {
    std::string w = e.what();
    EXPECT_EQ(w.rfind("ERROR (my-tool:", 0), 0u) << w;
    EXPECT_NE(w.find("bad key 7"), std::string::npos);
    EXPECT_EQ(e.reason(), "bad key 7");
  }
}

TEST(Progress, StatusAndDurations) {
  EXPECT_EQ(FormatDuration(5), "5s");
  EXPECT_EQ(FormatDuration(125), "2m05s");
  EXPECT_EQ(FormatDuration(3720), "1h02m");
  ProgressReporter p("utts", 10, 1e9);
  p.Tick(3);
  EXPECT_EQ(p.Count(), 3);
  EXPECT_EQ(p.Status().rfind("3/10 utts", 0), 0u) << p.Status();
}

}  // namespace
}  // namespace voxtools

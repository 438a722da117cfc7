// tests/unit/base/parse-options-test.cc
#include "base/parse-options.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include "base/log.h"

namespace voxtools {
namespace {

struct Opts {
  float frame_shift = 10.0f;
  int32_t num_bins = 23;
  bool snip = true;
  std::string window = "povey";
  void Register(OptionsItf *o) {
    o->Register("frame-shift", &frame_shift, "Frame shift in ms");
    o->Register("num-mel-bins", &num_bins, "Number of bins");
    o->Register("snip-edges", &snip, "Snip edges");
    o->Register("window-type", &window, "Window");
  }
};

bool Parse(ParseOptions *po, std::vector<std::string> args) {
  args.insert(args.begin(), "prog");
  std::vector<const char *> argv;
  for (auto &a : args) argv.push_back(a.c_str());
  return po->Read(static_cast<int>(argv.size()), argv.data());
}

TEST(ParseOptions, ValuesDefaultsAndPositionals) {
  ParseOptions po("usage");
  Opts o;
  o.Register(&po);
  ASSERT_TRUE(Parse(&po, {"--print-args=false", "--frame-shift=8.5", "--num_mel_bins=80",
                          "--snip-edges=false", "scp:a.scp", "ark:-"}));
  EXPECT_FLOAT_EQ(o.frame_shift, 8.5f);
  EXPECT_EQ(o.num_bins, 80);
  EXPECT_FALSE(o.snip);
  EXPECT_EQ(o.window, "povey");  // untouched default
  ASSERT_EQ(po.NumArgs(), 2);
  EXPECT_EQ(po.GetArg(1), "scp:a.scp");
  EXPECT_EQ(po.GetArg(2), "ark:-");
  EXPECT_EQ(po.GetOptArg(3), "");
}

TEST(ParseOptions, BareBoolMeansTrueAndOptionsStopAtFirstPositional) {
  ParseOptions po("usage");
  Opts o;
  o.snip = false;
  o.Register(&po);
  ASSERT_TRUE(Parse(&po, {"--print-args=false", "--snip-edges", "in", "--frame-shift=3"}));
  EXPECT_TRUE(o.snip);
  EXPECT_FLOAT_EQ(o.frame_shift, 10.0f);
  EXPECT_EQ(po.NumArgs(), 2);  // "--frame-shift=3" after a positional is positional, as Kaldi
}

TEST(ParseOptions, RepeatedOptionTakesTheLastValue) {
  ParseOptions po("usage");
  Opts o;
  o.Register(&po);
  ASSERT_TRUE(Parse(&po, {"--print-args=false", "--num-mel-bins=30", "--frame-shift=5",
                          "--num_mel_bins=40", "x"}));
  EXPECT_EQ(o.num_bins, 40);
  EXPECT_FLOAT_EQ(o.frame_shift, 5.0f);
}

TEST(ParseOptions, UnknownOptionSuggestsClosest) {
  ParseOptions po("usage");
  Opts o;
  o.Register(&po);
  try {
    Parse(&po, {"--frame-shfit=3", "x"});
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("did you mean --frame-shift"), std::string::npos) << e.what();
  }
}

TEST(ParseOptions, BadValueAndMissingValueAreErrors) {
  {
    ParseOptions po("usage");
    Opts o;
    o.Register(&po);
    EXPECT_THROW(Parse(&po, {"--num-mel-bins=abc"}), Error);
  }
  {
    ParseOptions po("usage");
    Opts o;
    o.Register(&po);
    EXPECT_THROW(Parse(&po, {"--num-mel-bins"}), Error);
  }
}

TEST(ParseOptions, ConfigFileCommandLineWins) {
  char path[] = "/tmp/vox-conf-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream os(path);
    os << "# a comment\n--frame-shift=12  # trailing comment\n\n--num-mel-bins=40\n";
  }
  ParseOptions po("usage");
  Opts o;
  o.Register(&po);
  ASSERT_TRUE(Parse(&po, {"--print-args=false", std::string("--config=") + path, "--num-mel-bins=64"}));
  EXPECT_FLOAT_EQ(o.frame_shift, 12.0f);
  EXPECT_EQ(o.num_bins, 64);
  std::remove(path);
}

TEST(ParseOptions, BadConfigLineNamesFileAndLine) {
  char path[] = "/tmp/vox-conf-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  { std::ofstream os(path); os << "--frame-shift=1\nframe-length=3\n"; }
  ParseOptions po("usage");
  Opts o;
  o.Register(&po);
  try {
    Parse(&po, {std::string("--config=") + path});
    FAIL();
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
  std::remove(path);
}

TEST(ParseOptions, HelpReturnsFalse) {
  ParseOptions po("usage");
  Opts o;
  o.Register(&po);
  testing::internal::CaptureStdout();
  EXPECT_FALSE(Parse(&po, {"--help"}));
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("--frame-shift"), std::string::npos);
  EXPECT_NE(out.find("default = 10"), std::string::npos);
  EXPECT_NE(out.find("default = \"povey\""), std::string::npos);
}

TEST(ParseOptions, PrefixedRegistration) {
  ParseOptions po("usage");
  Opts o;
  PrefixOptions prefixed("fbank", &po);
  o.Register(&prefixed);
  ASSERT_TRUE(Parse(&po, {"--print-args=false", "--fbank.num-mel-bins=30"}));
  EXPECT_EQ(o.num_bins, 30);
}

}  // namespace
}  // namespace voxtools

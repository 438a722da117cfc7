// tests/unit/io/table-spec-test.cc
#include "io/table-spec.h"

#include <gtest/gtest.h>

#include <string>

#include "base/log.h"
#include "test-util.h"

namespace voxtools {
namespace {

using test::ErrorOf;

TEST(TableSpecTest, Rspecifiers) {
  Rspecifier r = ParseRspecifier("ark:feats.ark");
  EXPECT_EQ(r.type, TableType::kArchive);
  EXPECT_EQ(r.filename, "feats.ark");
  EXPECT_FALSE(r.opts.sorted || r.opts.once || r.opts.called_sorted || r.opts.permissive);

  r = ParseRspecifier("o, s, cs, p, scp:gunzip -c a.gz |");
  EXPECT_EQ(r.type, TableType::kScript);
  EXPECT_EQ(r.filename, "gunzip -c a.gz |");
  EXPECT_TRUE(r.opts.once && r.opts.sorted && r.opts.called_sorted && r.opts.permissive);

  r = ParseRspecifier("s,ns,b,t,ark:-");
  EXPECT_FALSE(r.opts.sorted);
  EXPECT_EQ(r.filename, "-");
  EXPECT_EQ(ParseRspecifier("h5:x.h5").type, TableType::kH5);
  // A range-free ':' inside the file name is kept.
  EXPECT_EQ(ParseRspecifier("ark:a.ark:12").filename, "a.ark:12");
}

TEST(TableSpecTest, BadRspecifiersNameThemselves) {
  for (const std::string bad : {"ark,scp:a", "x,ark:a", "feats.ark", "ark,f:a", "t:a",
                                "h5:-", "ark,,s:a", "ark:| gzip"}) {
    std::string msg = ErrorOf([&] { ParseRspecifier(bad); });
    EXPECT_NE(msg.find(bad), std::string::npos) << bad << " -> " << msg;
    EXPECT_EQ(ClassifyRspecifier(bad), TableType::kNone) << bad;
  }
  EXPECT_NE(ErrorOf([] { ParseRspecifier("ark,q:a"); }).find("unknown option 'q'"),
            std::string::npos);
}

TEST(TableSpecTest, Wspecifiers) {
  Wspecifier w = ParseWspecifier("ark,scp:a.ark,a.scp");
  EXPECT_EQ(w.type, TableType::kArchiveAndScript);
  EXPECT_EQ(w.archive, "a.ark");
  EXPECT_EQ(w.script, "a.scp");
  EXPECT_TRUE(w.opts.binary);

  w = ParseWspecifier("t, nf, scp,ark:foo.ark, |gzip -c > foo.scp.gz");
  EXPECT_EQ(w.type, TableType::kArchiveAndScript);
  EXPECT_FALSE(w.opts.binary);
  EXPECT_EQ(w.script, "|gzip -c > foo.scp.gz");

  w = ParseWspecifier("b,f,ark:| gzip -c > x.gz");
  EXPECT_EQ(w.type, TableType::kArchive);
  EXPECT_TRUE(w.opts.flush);
  EXPECT_EQ(w.archive, "| gzip -c > x.gz");

  w = ParseWspecifier("scp:targets.scp");
  EXPECT_EQ(w.type, TableType::kScript);
  EXPECT_EQ(w.script, "targets.scp");

  w = ParseWspecifier("h5,gz:x.h5");
  EXPECT_EQ(w.type, TableType::kH5);
  EXPECT_EQ(w.opts.h5_compression, 1);
  EXPECT_EQ(ParseWspecifier("h5:x.h5").opts.h5_compression, 0);
}

TEST(TableSpecTest, BadWspecifiersNameThemselves) {
  for (const std::string bad : {"ark,o:a", "ark,s:a", "h5,t:x.h5", "ark,gz:a", "h5,ark:a",
                                "ark,scp:a.ark", "ark:cat a |", "ark:a.ark:10", "b:a",
                                "h5:| cat"}) {
    std::string msg = ErrorOf([&] { ParseWspecifier(bad); });
    EXPECT_NE(msg.find(bad), std::string::npos) << bad << " -> " << msg;
    EXPECT_EQ(ClassifyWspecifier(bad), TableType::kNone) << bad;
  }
}

TEST(TableSpecTest, ScpLines) {
  ScpEntry e;
  ASSERT_TRUE(ParseScpLine("utt1 feats.ark:618", &e));
  EXPECT_EQ(e.key, "utt1");
  EXPECT_EQ(e.rxfilename, "feats.ark:618");
  EXPECT_EQ(e.range, "");
  ASSERT_TRUE(ParseScpLine("  fb_sub\tfloat_mats.ark:618[100:122,0:39]  ", &e));
  EXPECT_EQ(e.key, "fb_sub");
  EXPECT_EQ(e.rxfilename, "float_mats.ark:618");
  EXPECT_EQ(e.range, "100:122,0:39");
  ASSERT_TRUE(ParseScpLine("a sox in.wav -t wav - remix 1 |", &e));
  EXPECT_EQ(e.rxfilename, "sox in.wav -t wav - remix 1 |");
  EXPECT_FALSE(ParseScpLine("lonely", &e));
  EXPECT_FALSE(ParseScpLine("", &e));
  EXPECT_FALSE(ParseScpLine("k a.ark]", &e));
  EXPECT_FALSE(ParseScpLine("k a.ark[]", &e));
}

TEST(TableSpecTest, MatrixRangesAreInclusive) {
  MatrixRange r = ResolveMatrixRange("10:19", 123, 80);
  EXPECT_EQ(r.row_begin, 10);
  EXPECT_EQ(r.num_rows, 10);
  EXPECT_EQ(r.col_begin, 0);
  EXPECT_EQ(r.num_cols, 80);
  r = ResolveMatrixRange(":,70:79", 123, 80);
  EXPECT_EQ(r.row_begin, 0);
  EXPECT_EQ(r.num_rows, 123);
  EXPECT_EQ(r.col_begin, 70);
  EXPECT_EQ(r.num_cols, 10);
  r = ResolveMatrixRange("3:3", 7, 13);
  EXPECT_EQ(r.num_rows, 1);
  r = ResolveMatrixRange("1:4,2:11", 7, 13);
  EXPECT_EQ(r.row_begin, 1);
  EXPECT_EQ(r.num_rows, 4);
  EXPECT_EQ(r.col_begin, 2);
  EXPECT_EQ(r.num_cols, 10);
  for (const std::string bad : {"3:7", "4:3", "-1:2", "0:1,0:13", "a:b", "1:2,3:4,5:6", "5"}) {
    std::string msg = ErrorOf([&] { ResolveMatrixRange(bad, 7, 13); });
    EXPECT_NE(msg.find("[" + bad + "]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("7 x 13"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace voxtools

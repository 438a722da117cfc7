// tests/unit/io/kaldi-stream-test.cc
#include "io/kaldi-stream.h"

#include <gtest/gtest.h>

#include <iterator>
#include <string>

#include "base/log.h"
#include "temp-dir.h"
#include "test-util.h"


namespace voxtools {
namespace {

using test::ErrorOf;
using test::FileExists;
using test::ReadWholeFile;
using test::TempDir;
using test::WriteFileBytes;

std::string ReadAll(std::istream &is) {
  return std::string(std::istreambuf_iterator<char>(is), std::istreambuf_iterator<char>());
}

TEST(KaldiStreamTest, ClassifiesExtendedFilenames) {
  EXPECT_EQ(ClassifyRxfilename("-"), InputType::kStandard);
  EXPECT_EQ(ClassifyRxfilename(""), InputType::kStandard);
  EXPECT_EQ(ClassifyRxfilename("gunzip -c a.gz |"), InputType::kPipe);
  EXPECT_EQ(ClassifyRxfilename("a.ark:123"), InputType::kOffsetFile);
  EXPECT_EQ(ClassifyRxfilename("a.ark"), InputType::kFile);
  EXPECT_EQ(ClassifyRxfilename("a:b"), InputType::kFile);
  EXPECT_EQ(ClassifyRxfilename("| gzip"), InputType::kNone);
  EXPECT_EQ(ClassifyRxfilename(" a.ark"), InputType::kNone);
  EXPECT_EQ(ClassifyWxfilename("-"), OutputType::kStandard);
  EXPECT_EQ(ClassifyWxfilename("| gzip -c > x.gz"), OutputType::kPipe);
  EXPECT_EQ(ClassifyWxfilename("x.ark"), OutputType::kFile);
  EXPECT_EQ(ClassifyWxfilename("x.ark:12"), OutputType::kNone);
  EXPECT_EQ(ClassifyWxfilename("cat x |"), OutputType::kNone);
  std::string f;
  int64_t off;
  ASSERT_TRUE(SplitOffsetFilename("dir/a.ark:618", &f, &off));
  EXPECT_EQ(f, "dir/a.ark");
  EXPECT_EQ(off, 618);
  EXPECT_FALSE(SplitOffsetFilename("a.ark", &f, &off));
}

TEST(KaldiStreamTest, OutputAppearsOnlyAfterClose) {
  TempDir dir;
  {
    Output out(dir / "a.txt");
    out.Stream() << "hello";
    EXPECT_EQ(out.Tell(), 5);
    EXPECT_FALSE(FileExists(dir / "a.txt"));
    EXPECT_TRUE(FileExists(TemporaryOutputName(dir / "a.txt")));
    out.Close();
  }
  EXPECT_EQ(ReadWholeFile(dir / "a.txt"), "hello");
  EXPECT_EQ(dir.List().size(), 1u);
}

TEST(KaldiStreamTest, OutputNotClosedLeavesNothing) {
  TempDir dir;
  WriteFileBytes(dir / "old.txt", "previous");
  try {
    Output out(dir / "old.txt");
    out.Stream() << "partial";
    VOX_ERR << "something failed";
  } catch (const Error &) {
  }
  // The previous complete file is untouched and no temporary remains.
  EXPECT_EQ(ReadWholeFile(dir / "old.txt"), "previous");
  EXPECT_EQ(dir.List().size(), 1u);
}

TEST(KaldiStreamTest, SpecialFilesAreWrittenInPlace) {
  Output out("/dev/null");
  out.Stream() << "x";
  out.Close();
  struct stat st;
  ASSERT_EQ(stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST(KaldiStreamTest, BinaryMarkerOnOutputAndInput) {
  TempDir dir;
  Output out(dir / "b", true);
  out.Stream() << "FM ";
  out.Close();
  EXPECT_EQ(ReadWholeFile(dir / "b"), std::string("\0BFM ", 5));
  bool binary = false;
  Input in(dir / "b", &binary);
  EXPECT_TRUE(binary);
  EXPECT_EQ(ReadAll(in.Stream()), "FM ");
  WriteFileBytes(dir / "t", " [ 1 ]\n");
  Input in2(dir / "t", &binary);
  EXPECT_FALSE(binary);
}

TEST(KaldiStreamTest, OffsetInputSeeksAndReusesTheFile) {
  TempDir dir;
  WriteFileBytes(dir / "d", "0123456789");
  Input in(dir / "d:4");
  EXPECT_EQ(in.Stream().get(), '4');
  in.Open(dir / "d:8");
  EXPECT_EQ(ReadAll(in.Stream()), "89");
  in.Open(dir / "d:2");  // backwards, after reaching the end
  EXPECT_EQ(in.Stream().get(), '2');
  in.Open(dir / "d");
  EXPECT_EQ(ReadAll(in.Stream()), "0123456789");
}

TEST(KaldiStreamTest, MissingFileErrorNamesIt) {
  TempDir dir;
  std::string msg = ErrorOf([&] { Input in(dir / "nothere.ark"); });
  EXPECT_NE(msg.find("nothere.ark"), std::string::npos) << msg;
  msg = ErrorOf([&] { Output out(dir / "nodir/x.ark"); });
  EXPECT_NE(msg.find("nodir/x.ark"), std::string::npos) << msg;
}

TEST(KaldiStreamTest, PipesBothWays) {
  TempDir dir;
  Output out("| cat > " + (dir / "p.txt"));
  out.Stream() << "through a pipe";
  out.Close();
  EXPECT_EQ(ReadWholeFile(dir / "p.txt"), "through a pipe");

  Input in("cat " + (dir / "p.txt") + " |");
  EXPECT_EQ(ReadAll(in.Stream()), "through a pipe");
  in.Close();
}

TEST(KaldiStreamTest, PipeFailureIsAnErrorNamingTheCommand) {
  Input in("exit 4 |");
  EXPECT_EQ(ReadAll(in.Stream()), "");
  std::string msg = ErrorOf([&] { in.Close(); });
  EXPECT_NE(msg.find("'exit 4' exited with status 4"), std::string::npos) << msg;

  Output out("| exit 5");
  msg = ErrorOf([&] { out.Close(); });
  EXPECT_NE(msg.find("'exit 5' exited with status 5"), std::string::npos) << msg;
}

TEST(KaldiStreamTest, PipeInputKeepsPutBackAcrossRefills) {
  // 70000 bytes: more than one 64 KiB buffer, so a refill happens in the middle.
  Input in("head -c 70000 /dev/zero | tr '\\0' 'a' |");
  std::istream &is = in.Stream();
  int64_t n = 0;
  bool put_back = false;
  while (is.get() != EOF) {
    n++;
    if (n == 65537 && !put_back) {  // just after the refill point: put back, read again
      is.unget();
      ASSERT_TRUE(is.good());
      n--;
      put_back = true;
    }
  }
  EXPECT_TRUE(put_back);
  EXPECT_EQ(n, 70000);
}

}  // namespace
}  // namespace voxtools

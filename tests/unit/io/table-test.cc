// tests/unit/io/table-test.cc
// The table layer: ark/scp/h5 backends, random access, permissive reading, writers that
// leave nothing behind on failure. Format bytes are checked in holders-test.cc and against
// Kaldi's fixtures in the Bats tests.
#include "io/table.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "base/log.h"
#include "io/h5-file.h"
#include "temp-dir.h"
#include "test-util.h"

namespace voxtools {
namespace {

using test::ErrorOf;
using test::FileExists;
using test::ReadWholeFile;
using test::TempDir;
using test::WriteFileBytes;

void WriteInts(const std::string &wspecifier, const std::vector<std::string> &keys) {
  TableWriter<Int32Holder> w(wspecifier);
  for (size_t i = 0; i < keys.size(); i++) w.Write(keys[i], static_cast<int32_t>(i + 1));
  w.Close();
}

std::vector<std::string> SequentialKeys(const std::string &rspecifier) {
  std::vector<std::string> keys;
  SequentialTableReader<Int32Holder> r(rspecifier);
  for (; !r.Done(); r.Next()) keys.push_back(r.Key());
  EXPECT_TRUE(r.Close());
  return keys;
}

TEST(TableTest, ArkScpWriteAndReadBack) {
  TempDir dir;
  WriteInts("ark,scp:" + (dir / "a.ark") + "," + (dir / "a.scp"), {"x", "y", "z"});
  // "x \0B\4<4 bytes>" is 9 bytes; each offset points just past "key ".
  const std::string ark = dir / "a.ark";
  EXPECT_EQ(ReadWholeFile(dir / "a.scp"),
            "x " + ark + ":2\ny " + ark + ":11\nz " + ark + ":20\n");
  EXPECT_EQ(SequentialKeys("ark:" + (dir / "a.ark")), (std::vector<std::string>{"x", "y", "z"}));
  SequentialTableReader<Int32Holder> r("scp:" + (dir / "a.scp"));
  std::vector<int32_t> values;
  for (; !r.Done(); r.Next()) values.push_back(r.Value());
  EXPECT_EQ(values, (std::vector<int32_t>{1, 2, 3}));
}

TEST(TableTest, TextArchiveBytes) {
  TempDir dir;
  WriteInts("ark,t:" + (dir / "t.ark"), {"a", "b"});
  EXPECT_EQ(ReadWholeFile(dir / "t.ark"), "a 1 \nb 2 \n");
  EXPECT_EQ(SequentialKeys("ark:" + (dir / "t.ark")), (std::vector<std::string>{"a", "b"}));
}

// The requirement behind scp offsets: one key out of 100k is read by opening the archive
// at its offset. Every other byte of the archive is destroyed, so reading anything else (or
// reading from the start) fails.
TEST(TableTest, RandomAccessThroughScpReadsOnlyTheObject) {
  TempDir dir;
  const int kNum = 100000;
  std::vector<std::string> keys(kNum);
  char buf[32];
  for (int i = 0; i < kNum; i++) {
    std::snprintf(buf, sizeof(buf), "utt%06d", i);
    keys[i] = buf;
  }
  WriteInts("ark,scp:" + (dir / "big.ark") + "," + (dir / "big.scp"), keys);

  const std::string target = "utt077777";
  int64_t offset = -1;
  for (const auto &ko : test::ScpOffsets(ReadWholeFile(dir / "big.scp")))
    if (ko.first == target) offset = ko.second;
  ASSERT_GT(offset, 0);
  std::string ark = ReadWholeFile(dir / "big.ark");
  const int64_t kObjectBytes = 7;  // "\0B\4" + int32
  for (int64_t i = 0; i < static_cast<int64_t>(ark.size()); i++)
    if (i < offset || i >= offset + kObjectBytes) ark[i] = '\xff';
  WriteFileBytes(dir / "big.ark", ark);

  RandomAccessTableReader<Int32Holder> r("scp:" + (dir / "big.scp"));
  EXPECT_TRUE(r.HasKey(target));
  EXPECT_EQ(r.Value(target), 77778);
  EXPECT_FALSE(r.HasKey("utt100000"));
  // The corruption is real: any other key fails, naming itself.
  std::string msg = ErrorOf([&] { r.Value("utt000001"); });
  EXPECT_NE(msg.find("reading key utt000001 from scp:"), std::string::npos) << msg;
  EXPECT_THROW(SequentialKeys("ark:" + (dir / "big.ark")), Error);
}

TEST(TableTest, RandomAccessArchiveUnsortedAndSorted) {
  TempDir dir;
  WriteInts("ark:" + (dir / "u.ark"), {"c", "a", "b"});
  RandomAccessTableReader<Int32Holder> u("ark:" + (dir / "u.ark"));
  EXPECT_TRUE(u.HasKey("b"));
  EXPECT_EQ(u.Value("b"), 3);
  EXPECT_EQ(u.Value("c"), 1);  // passed on the way, kept
  EXPECT_FALSE(u.HasKey("zz"));
  EXPECT_EQ(u.Value("a"), 2);
  EXPECT_NE(ErrorOf([&] { u.Value("zz"); }).find("zz"), std::string::npos);

  // Sorted archive followed by garbage: with "s" a missing key that sorts before the last
  // key read is known absent without reading on; without "s" the reader reads on and fails.
  WriteInts("ark:" + (dir / "s.ark"), {"a", "b", "d"});
  std::string bytes = ReadWholeFile(dir / "s.ark") + "e \x01garbage";
  WriteFileBytes(dir / "s.ark", bytes);
  RandomAccessTableReader<Int32Holder> s("s,ark:" + (dir / "s.ark"));
  EXPECT_TRUE(s.HasKey("b"));
  EXPECT_FALSE(s.HasKey("c"));
  EXPECT_EQ(s.Value("d"), 3);
  RandomAccessTableReader<Int32Holder> ns("ark:" + (dir / "s.ark"));
  std::string msg = ErrorOf([&] { ns.HasKey("c"); });
  EXPECT_NE(msg.find("reading key e from ark:"), std::string::npos) << msg;
}

TEST(TableTest, CalledSortedDropsThePastAndChecksOrder) {
  TempDir dir;
  WriteInts("ark:" + (dir / "s.ark"), {"a", "b", "c", "d"});
  RandomAccessTableReader<Int32Holder> r("s,cs,ark:" + (dir / "s.ark"));
  EXPECT_EQ(r.Value("b"), 2);
  EXPECT_EQ(r.Value("b"), 2);  // the same key again is fine
  EXPECT_EQ(r.Value("d"), 4);
  std::string msg = ErrorOf([&] { r.HasKey("a"); });
  EXPECT_NE(msg.find("sorted"), std::string::npos) << msg;
}

TEST(TableTest, DuplicateKeysAreWrittenButRejectedForRandomAccess) {
  TempDir dir;
  WriteInts("ark,scp:" + (dir / "d.ark") + "," + (dir / "d.scp"), {"a", "b", "a"});
  EXPECT_EQ(SequentialKeys("ark:" + (dir / "d.ark")), (std::vector<std::string>{"a", "b", "a"}));
  std::string msg = ErrorOf([&] { RandomAccessTableReader<Int32Holder> r("scp:" + (dir / "d.scp")); });
  EXPECT_NE(msg.find("duplicate key a"), std::string::npos) << msg;
  EXPECT_NE(msg.find("lines 1 and 3"), std::string::npos) << msg;
  RandomAccessTableReader<Int32Holder> r("ark:" + (dir / "d.ark"));
  msg = ErrorOf([&] { r.HasKey("zz"); });
  EXPECT_NE(msg.find("duplicate key a"), std::string::npos) << msg;
}

TEST(TableTest, PermissiveReading) {
  TempDir dir;
  WriteInts("ark,scp:" + (dir / "a.ark") + "," + (dir / "a.scp"), {"x", "y"});
  std::string scp = ReadWholeFile(dir / "a.scp");
  WriteFileBytes(dir / "p.scp", "m " + (dir / "missing.ark") + ":2\n" + scp);
  EXPECT_EQ(SequentialKeys("p,scp:" + (dir / "p.scp")), (std::vector<std::string>{"x", "y"}));
  EXPECT_THROW(SequentialKeys("scp:" + (dir / "p.scp")), Error);
  RandomAccessTableReader<Int32Holder> r("p,scp:" + (dir / "p.scp"));
  EXPECT_FALSE(r.HasKey("m"));
  EXPECT_TRUE(r.HasKey("y"));
  RandomAccessTableReader<Int32Holder> strict("scp:" + (dir / "p.scp"));
  EXPECT_TRUE(strict.HasKey("m"));  // only the index is consulted
  EXPECT_THROW(strict.Value("m"), Error);

  // A truncated archive: permissive reading stops at the damage; Close() says so.
  std::string ark = ReadWholeFile(dir / "a.ark");
  WriteFileBytes(dir / "t.ark", ark.substr(0, ark.size() - 2));
  SequentialTableReader<Int32Holder> t("p,ark:" + (dir / "t.ark"));
  int n = 0;
  for (; !t.Done(); t.Next()) n++;
  EXPECT_EQ(n, 1);
  EXPECT_FALSE(t.Close());
  std::string msg = ErrorOf([&] { SequentialKeys("ark:" + (dir / "t.ark")); });
  EXPECT_NE(msg.find("reading key y from ark:" + (dir / "t.ark")), std::string::npos) << msg;
}

TEST(TableTest, BadArchiveStructure) {
  TempDir dir;
  WriteFileBytes(dir / "k.ark", std::string("a\x01\0B\4\1\0\0\0", 9));
  std::string msg = ErrorOf([&] { SequentialKeys("ark:" + (dir / "k.ark")); });
  EXPECT_NE(msg.find("ark:" + (dir / "k.ark")), std::string::npos) << msg;
  WriteFileBytes(dir / "e.ark", "lonelykey");
  msg = ErrorOf([&] { SequentialKeys("ark:" + (dir / "e.ark")); });
  EXPECT_NE(msg.find("lonelykey"), std::string::npos) << msg;
  msg = ErrorOf([&] { SequentialKeys("ark:" + (dir / "none.ark")); });
  EXPECT_NE(msg.find("none.ark"), std::string::npos) << msg;
}

TEST(TableTest, WriterLeavesNothingWhenAnExceptionUnwinds) {
  TempDir dir;
  try {
    TableWriter<Int32Holder> w("ark,scp:" + (dir / "o.ark") + "," + (dir / "o.scp"));
    w.Write("a", 1);
    TableWriter<Int32Holder> h("h5:" + (dir / "o.h5"));
    h.Write("a", 1);
    VOX_ERR << "a later item failed";
  } catch (const Error &) {
  }
  EXPECT_TRUE(dir.List().empty());
}

TEST(TableTest, WriterWithoutCloseCommitsAsKaldi) {
  TempDir dir;
  {
    TableWriter<Int32Holder> w("ark:" + (dir / "o.ark"));
    w.Write("a", 1);
  }
  EXPECT_EQ(SequentialKeys("ark:" + (dir / "o.ark")), std::vector<std::string>{"a"});
}

TEST(TableTest, InvalidKeysAreRejectedByName) {
  TempDir dir;
  TableWriter<Int32Holder> w("ark:" + (dir / "o.ark"));
  std::string msg = ErrorOf([&] { w.Write("two words", 1); });
  EXPECT_NE(msg.find("'two words'"), std::string::npos) << msg;
  EXPECT_THROW(w.Write("", 1), Error);
  w.Close();
}

TEST(TableTest, ScpWriterWritesEachObjectToItsFile) {
  TempDir dir;
  WriteFileBytes(dir / "t.scp", "a " + (dir / "a.bin") + "\nb " + (dir / "b.bin") + "\n");
  {
    TableWriter<Int32Holder> w("scp:" + (dir / "t.scp"));
    w.Write("a", 7);
    EXPECT_NE(ErrorOf([&] { w.Write("c", 8); }).find("key c is not in scp:"), std::string::npos);
    w.Close();
  }
  EXPECT_EQ(ReadWholeFile(dir / "a.bin"), std::string("\0B\4\7\0\0\0", 7));
  EXPECT_FALSE(FileExists(dir / "b.bin"));
  TableWriter<Int32Holder> p("p,scp:" + (dir / "t.scp"));
  p.Write("c", 8);  // skipped with a warning
  p.Close();
}

TEST(TableTest, PipesAndFlush) {
  TempDir dir;
  WriteInts("f,ark:| gzip -c > " + (dir / "x.gz"), {"a", "b"});
  EXPECT_EQ(SequentialKeys("ark:gunzip -c " + (dir / "x.gz") + " |"),
            (std::vector<std::string>{"a", "b"}));
  std::string msg = ErrorOf([&] { SequentialKeys("ark:gunzip -c " + (dir / "none.gz") + " |"); });
  EXPECT_NE(msg.find("gunzip -c " + (dir / "none.gz")), std::string::npos) << msg;
  msg = ErrorOf([&] { WriteInts("ark,scp:| cat," + (dir / "o.scp"), {"a"}); });
  EXPECT_NE(msg.find("plain file"), std::string::npos) << msg;
}

TEST(TableTest, H5TablesAllTypes) {
  TempDir dir;
  const std::string h5 = dir / "t.h5";
  {
    TableWriter<FloatMatrixHolder> w("h5:" + h5);
    Matrix<float> m(2, 3);
    for (int i = 0; i < 6; i++) m.Data()[i] = 0.5f * i - 1;
    w.Write("spk1/utt1", m);
    w.Write("utt0", Matrix<float>());
    w.Close();
  }
  {
    SequentialTableReader<FloatMatrixHolder> r("h5:" + h5);
    ASSERT_FALSE(r.Done());
    EXPECT_EQ(r.Key(), "spk1/utt1");  // creation order, nested key
    EXPECT_EQ(r.Value()(1, 2), 1.5f);
    r.Next();
    EXPECT_EQ(r.Key(), "utt0");
    EXPECT_EQ(r.Value().NumRows(), 0);
    r.Next();
    EXPECT_TRUE(r.Done());
    RandomAccessTableReader<DoubleMatrixHolder> d("h5:" + h5);
    EXPECT_TRUE(d.HasKey("spk1/utt1"));
    EXPECT_FALSE(d.HasKey("nope"));
    EXPECT_EQ(d.Value("spk1/utt1")(0, 1), -0.5);
    // A matrix dataset read as a vector fails naming key and file.
    SequentialTableReader<FloatVectorHolder> v;
    std::string msg = ErrorOf([&] { v.Open("h5:" + h5); });
    EXPECT_NE(msg.find("reading key spk1/utt1 from h5:" + h5), std::string::npos) << msg;
  }
  {
    TableWriter<Int32Holder> i("h5:" + (dir / "i.h5"));
    i.Write("n", 42);
    i.Close();
    TableWriter<DoubleHolder> d("h5:" + (dir / "d.h5"));
    d.Write("dur", 1.430313);
    d.Close();
    TableWriter<Int32VectorHolder> iv("h5,gz:" + (dir / "iv.h5"));
    iv.Write("ali", std::vector<int32_t>{3, 1, 4});
    iv.Close();
  }
  EXPECT_EQ(RandomAccessTableReader<Int32Holder>("h5:" + (dir / "i.h5")).Value("n"), 42);
  EXPECT_EQ(RandomAccessTableReader<DoubleHolder>("h5:" + (dir / "d.h5")).Value("dur"), 1.430313);
  EXPECT_EQ(RandomAccessTableReader<Int32VectorHolder>("h5:" + (dir / "iv.h5")).Value("ali"),
            (std::vector<int32_t>{3, 1, 4}));
  std::string msg = ErrorOf([&] { TableWriter<TokenHolder> t("h5:" + (dir / "tok.h5")); });
  EXPECT_NE(msg.find("token"), std::string::npos) << msg;
  EXPECT_FALSE(FileExists(dir / "tok.h5"));
}

TEST(TableTest, WaveHolderH5MappingIsTheDocumentedOne) {
  TempDir dir;
  Matrix<float> stereo(2, 5), mono(1, 4);
  for (int i = 0; i < 10; i++) stereo.Data()[i] = 1000.0f * i - 4000.0f;
  for (int i = 0; i < 4; i++) mono.Data()[i] = -i;
  {
    TableWriter<WaveHolder> w("h5:" + (dir / "w.h5"));
    w.Write("st", WaveData(16000, stereo));
    w.Write("mo", WaveData(8000, mono));
    w.Close();
  }
  H5File f(dir / "w.h5", H5File::Mode::kRead);
  EXPECT_EQ(f.Info("st").shape, (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(f.Info("st").type, H5Type::kInt16);
  EXPECT_EQ(f.Info("mo").shape, (std::vector<int64_t>{4}));
  double rate = 0;
  ASSERT_TRUE(f.GetAttribute("mo", "sample_rate", &rate));
  EXPECT_EQ(rate, 8000);
  RandomAccessTableReader<WaveHolder> r("h5:" + (dir / "w.h5"));
  EXPECT_EQ(r.Value("st").Data(), stereo);
  EXPECT_EQ(r.Value("st").SampFreq(), 16000);
  EXPECT_EQ(r.Value("mo").Data(), mono);
}

TEST(TableTest, KaldiWaveArchiveAndScp) {
  VOX_REQUIRE_KALDI_FIXTURES();
  const std::string dir = test::KaldiFixtureDir() + "/features";
  SequentialTableReader<WaveHolder> r("ark:" + dir + "/wavs.ark");
  ASSERT_FALSE(r.Done());
  EXPECT_EQ(r.Key(), "d_short");
  EXPECT_NEAR(r.Value().Duration(), 0.3, 1e-9);
  r.Next();
  EXPECT_EQ(r.Key(), "e_stereo");
  EXPECT_EQ(r.Value().NumChannels(), 2);
  r.Next();
  EXPECT_TRUE(r.Done());
  // The fixture scp names "wavs.ark" relative to its folder: give the full path here.
  TempDir tmp;
  WriteFileBytes(tmp / "w.scp", "e_stereo " + dir + "/wavs.ark:9661\n");
  RandomAccessTableReader<WaveHolder> ra("scp:" + (tmp / "w.scp"));
  EXPECT_NEAR(ra.Value("e_stereo").Duration(), 0.5, 1e-9);
  EXPECT_EQ(ra.Value("e_stereo").SampFreq(), 16000);
}

TEST(TableTest, KaldiDoubleTableUtt2dur) {
  VOX_REQUIRE_KALDI_FIXTURES();
  const std::string dir = test::KaldiFixtureDir() + "/features";
  TempDir tmp;
  {
    SequentialTableReader<DoubleHolder> r("ark:" + dir + "/utt2dur.ark");
    TableWriter<DoubleHolder> w("ark,t:" + (tmp / "u.txt"));
    TableWriter<DoubleHolder> b("ark:" + (tmp / "u.ark"));
    for (; !r.Done(); r.Next()) {
      w.Write(r.Key(), r.Value());
      b.Write(r.Key(), r.Value());
    }
    w.Close();
    b.Close();
  }
  EXPECT_EQ(ReadWholeFile(tmp / "u.txt"), test::Fixture("features/utt2dur.txt"));
  EXPECT_EQ(ReadWholeFile(tmp / "u.ark"), test::Fixture("features/utt2dur.ark"));
}

}  // namespace
}  // namespace voxtools

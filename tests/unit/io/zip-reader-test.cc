// tests/unit/io/zip-reader-test.cc
// ZipReader on archives built here byte by byte (plain and ZIP64, with the fields where
// torch puts them) and on the fixture checkpoints, plus corrupt and truncated variants.
#include "io/zip-reader.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "base/log.h"
#include "checkpoint-test-util.h"

namespace voxtools {
namespace test {
namespace {

void Put16(std::string *s, uint32_t v) {
  s->push_back(static_cast<char>(v & 0xFF));
  s->push_back(static_cast<char>((v >> 8) & 0xFF));
}
void Put32(std::string *s, uint32_t v) {
  Put16(s, v & 0xFFFF);
  Put16(s, v >> 16);
}
void Put64(std::string *s, uint64_t v) {
  Put32(s, static_cast<uint32_t>(v));
  Put32(s, static_cast<uint32_t>(v >> 32));
}

struct TestEntry {
  std::string name, data;
  uint16_t method = 0;
};

// A minimal ZIP writer. zip64: central records carry 0xFFFFFFFF sizes/offsets with a ZIP64
// extra field, and the archive ends with a ZIP64 EOCD + locator (as torch does past 4 GiB).
// local_padding: an extra field in each local header, as torch uses to align data to 64.
std::string MakeZip(const std::vector<TestEntry> &entries, bool zip64, int local_padding = 0) {
  std::string out, cd;
  for (const TestEntry &e : entries) {
    uint64_t offset = out.size();
    uint32_t crc = Crc32(reinterpret_cast<const uint8_t *>(e.data.data()), e.data.size());
    Put32(&out, 0x04034b50);
    Put16(&out, 20); Put16(&out, 0); Put16(&out, e.method); Put16(&out, 0); Put16(&out, 0);
    Put32(&out, crc); Put32(&out, e.data.size()); Put32(&out, e.data.size());
    Put16(&out, e.name.size());
    Put16(&out, local_padding > 0 ? local_padding + 4 : 0);
    out += e.name;
    if (local_padding > 0) {
      Put16(&out, 0x4246);  // "FB", the id torch uses for its padding
      Put16(&out, local_padding);
      out += std::string(local_padding, 'Z');
    }
    out += e.data;
    Put32(&cd, 0x02014b50);
    Put16(&cd, 45); Put16(&cd, 45); Put16(&cd, 0); Put16(&cd, e.method); Put16(&cd, 0);
    Put16(&cd, 0); Put32(&cd, crc);
    Put32(&cd, zip64 ? 0xFFFFFFFFu : e.data.size());
    Put32(&cd, zip64 ? 0xFFFFFFFFu : e.data.size());
    Put16(&cd, e.name.size());
    Put16(&cd, zip64 ? 4 + 24 : 0);
    Put16(&cd, 0); Put16(&cd, 0); Put16(&cd, 0); Put32(&cd, 0);
    Put32(&cd, zip64 ? 0xFFFFFFFFu : offset);
    cd += e.name;
    if (zip64) {
      Put16(&cd, 0x0001);
      Put16(&cd, 24);
      Put64(&cd, e.data.size());  // uncompressed
      Put64(&cd, e.data.size());  // compressed
      Put64(&cd, offset);
    }
  }
  uint64_t cd_offset = out.size();
  out += cd;
  if (zip64) {
    uint64_t z64 = out.size();
    Put32(&out, 0x06064b50); Put64(&out, 44); Put16(&out, 45); Put16(&out, 45);
    Put32(&out, 0); Put32(&out, 0); Put64(&out, entries.size()); Put64(&out, entries.size());
    Put64(&out, cd.size()); Put64(&out, cd_offset);
    Put32(&out, 0x07064b50); Put32(&out, 0); Put64(&out, z64); Put32(&out, 1);
  }
  Put32(&out, 0x06054b50); Put16(&out, 0); Put16(&out, 0);
  Put16(&out, zip64 ? 0xFFFF : entries.size()); Put16(&out, zip64 ? 0xFFFF : entries.size());
  Put32(&out, zip64 ? 0xFFFFFFFFu : cd.size()); Put32(&out, zip64 ? 0xFFFFFFFFu : cd_offset);
  Put16(&out, 0);
  return out;
}

const uint8_t *Bytes(const std::string &s) { return reinterpret_cast<const uint8_t *>(s.data()); }

std::string AsString(ByteSpan span) {
  return std::string(reinterpret_cast<const char *>(span.data), span.size);
}

template <typename Fn>
std::string ErrorOf(Fn f) {
  try {
    f();
  } catch (const Error &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an Error";
  return "";
}

TEST(ZipReaderTest, Crc32KnownValues) {
  EXPECT_EQ(Crc32(Bytes("123456789"), 9), 0xCBF43926u);  // the standard check value
  EXPECT_EQ(Crc32(nullptr, 0), 0u);
  // Slicing-by-8 against the byte loop on every length around the 8-byte step.
  std::string s;
  for (int i = 0; i < 41; i++) s.push_back(static_cast<char>(i * 37 + 11));
  for (size_t n = 0; n <= s.size(); n++) {
    uint32_t split = Crc32(Bytes(s) + n / 2, n - n / 2, Crc32(Bytes(s), n / 2));
    uint32_t bytewise = 0;
    for (size_t k = 0; k < n; k++) bytewise = Crc32(Bytes(s) + k, 1, bytewise);
    EXPECT_EQ(Crc32(Bytes(s), n), bytewise) << n;
    EXPECT_EQ(split, bytewise) << n;
  }
}

TEST(ZipReaderTest, StoredEntriesPlainAndZip64) {
  std::vector<TestEntry> entries = {{"arch/data.pkl", "pickle bytes"},
                                    {"arch/data/0", std::string(1000, '\x7f')},
                                    {"arch/empty", ""}};
  for (bool zip64 : {false, true}) {
    for (int padding : {0, 37}) {
      std::string zip = MakeZip(entries, zip64, padding);
      ASSERT_TRUE(LooksLikeZip(Bytes(zip), zip.size()));
      ZipReader reader(Bytes(zip), zip.size(), "test.zip");
      ASSERT_EQ(reader.Entries().size(), 3u);
      for (const TestEntry &e : entries) {
        const ZipEntry *z = reader.Find(e.name);
        ASSERT_NE(z, nullptr) << e.name;
        EXPECT_EQ(z->size, e.data.size());
        EXPECT_EQ(AsString(reader.Read(*z)), e.data) << e.name << " zip64=" << zip64;
      }
      EXPECT_EQ(reader.Find("arch/missing"), nullptr);
    }
  }
}

TEST(ZipReaderTest, CorruptTruncatedAndCompressedAreRefused) {
  std::string zip = MakeZip({{"a/data.pkl", "0123456789"}, {"a/x", "abc"}}, false);
  {
    std::string bad = zip;
    bad[30 + 10 + 3] ^= 1;  // a byte of the first entry's data
    ZipReader reader(Bytes(bad), bad.size(), "bad.zip");
    EXPECT_NE(ErrorOf([&] { reader.Read(*reader.Find("a/data.pkl")); }).find("CRC-32 mismatch"),
              std::string::npos);
    EXPECT_NO_THROW(reader.Read(*reader.Find("a/data.pkl"), false));
  }
  for (size_t len = 0; len < zip.size(); len++) {
    // Any cut loses the EOCD or the records it points at.
    EXPECT_THROW(ZipReader(Bytes(zip), len, "cut.zip"), Error) << len;
  }
  std::string deflated = MakeZip({{"a/data.pkl", "xyz", 8}}, false);
  ZipReader reader(Bytes(deflated), deflated.size(), "d.zip");
  EXPECT_NE(ErrorOf([&] { reader.Read(reader.Entries()[0]); })
                .find("d.zip: ZIP entry 'a/data.pkl' is compressed (method 8, deflate)"),
            std::string::npos);
  std::string dup = MakeZip({{"n", "1"}, {"n", "2"}}, false);
  EXPECT_NE(ErrorOf([&] { ZipReader(Bytes(dup), dup.size(), "dup.zip"); })
                .find("duplicate ZIP entry 'n'"),
            std::string::npos);
  std::string not_zip = "this is not a zip archive at all, just text";
  EXPECT_FALSE(LooksLikeZip(Bytes(not_zip), not_zip.size()));
  EXPECT_NE(ErrorOf([&] { ZipReader(Bytes(not_zip), not_zip.size(), "t.txt"); })
                .find("no ZIP end-of-central-directory"),
            std::string::npos);
}

TEST(ZipReaderTest, EntryOffsetsPointingOutsideTheFile) {
  std::string zip = MakeZip({{"a/b", "hello"}}, false);
  // Central record's local-header offset (at cd + 42) pointed past the end.
  size_t cd = zip.size() - 22 - (46 + 3);
  std::string bad = zip;
  bad[cd + 42] = '\x70';
  ZipReader reader(Bytes(bad), bad.size(), "off.zip");
  EXPECT_NE(ErrorOf([&] { reader.Read(reader.Entries()[0]); }).find("local header"),
            std::string::npos);
  // Size claimed larger than the file.
  bad = zip;
  bad[cd + 20] = bad[cd + 24] = '\x7f';
  ZipReader reader2(Bytes(bad), bad.size(), "size.zip");
  EXPECT_NE(ErrorOf([&] { reader2.Read(reader2.Entries()[0]); }).find("runs past the end"),
            std::string::npos);
}

TEST(ZipReaderTest, ReadsTheFixtureCheckpointArchive) {
  if (!PathExists(SslFixtureDir() + "/manifest.json")) GTEST_SKIP() << "no ssl fixtures";
  std::string bytes = SlurpFile(SslFixtureDir() + "/base_tiny/checkpoint.pt");
  ZipReader reader(Bytes(bytes), bytes.size(), "checkpoint.pt");
  // README: the folder is named after the file stem.
  ASSERT_NE(reader.Find("checkpoint/data.pkl"), nullptr);
  EXPECT_EQ(AsString(reader.Read(*reader.Find("checkpoint/version"))), "3\n");
  size_t storages = 0;
  for (const ZipEntry &e : reader.Entries()) {
    EXPECT_EQ(e.method, 0) << e.name;
    ByteSpan span = reader.Read(e);  // every CRC checks
    if (e.name.compare(0, 16, "checkpoint/data/") == 0) {
      storages++;
      // torch aligns tensor data to 64 bytes within the file.
      EXPECT_EQ(static_cast<size_t>(span.data - Bytes(bytes)) % 64, 0u) << e.name;
    }
  }
  EXPECT_GT(storages, 10u);
}

}  // namespace
}  // namespace test
}  // namespace voxtools

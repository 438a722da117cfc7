// tests/unit/io/safetensors-test.cc
// The safetensors reader on files assembled here (each header rule broken once) and on the
// fixture and generated files, compared with the numpy reading of checkpoint-dump.py.
#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "base/log.h"
#include "checkpoint-test-util.h"

namespace voxtools {
namespace test {
namespace {

std::string MakeSafetensors(const std::string &header, const std::string &data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int k = 0; k < 8; k++) out[k] = static_cast<char>((n >> (8 * k)) & 0xFF);
  return out + header + data;
}

std::string FloatBytes(std::initializer_list<float> values) {
  std::string s;
  for (float v : values) s.append(reinterpret_cast<const char *>(&v), 4);
  return s;
}

Checkpoint Read(const std::string &file) {
  Checkpoint c;
  c.path = "t.safetensors";
  ReadSafetensors(reinterpret_cast<const uint8_t *>(file.data()), file.size(), "t.safetensors",
                  &c);
  return c;
}

std::string ReadError(const std::string &file) {
  try {
    Read(file);
  } catch (const Error &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an Error";
  return "";
}

TEST(SafetensorsTest, ReadsTensorsInHeaderOrderWithMetadata) {
  std::string data = FloatBytes({1, 2, 3, 4, 5, 6}) + std::string("\x00\x3c\x00\xc0", 4);
  std::string header =
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
      R"("a":{"dtype":"F16","shape":[2],"data_offsets":[24,28]},)"
      R"("s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})";
  std::string file = MakeSafetensors(header, data);
  ASSERT_TRUE(LooksLikeSafetensors(reinterpret_cast<const uint8_t *>(file.data()), file.size()));
  Checkpoint c = Read(file);
  ASSERT_EQ(c.tensors.size(), 3u);
  EXPECT_EQ(c.tensors[0].name, "b");
  EXPECT_EQ(c.tensors[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(c.tensors[0].data, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(c.tensors[1].dtype, TensorDType::kFloat16);
  EXPECT_EQ(c.tensors[1].data, (std::vector<float>{1.0f, -2.0f}));
  EXPECT_EQ(c.tensors[2].data, std::vector<float>{1.0f});  // 0-d: one element
  EXPECT_EQ(c.metadata.Find("__metadata__")->Find("format")->AsString(), "pt");
}

TEST(SafetensorsTest, HeaderRulesAreEnforced) {
  const std::string data = FloatBytes({1, 2});
  auto one = [&](const std::string &info) {
    return MakeSafetensors(R"({"t":)" + info + "}", data);
  };
  EXPECT_NE(ReadError(one(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})"))
                .find("needs 3 elements but has 8 bytes"),
            std::string::npos);
  EXPECT_NE(ReadError(one(R"({"dtype":"F32","shape":[4],"data_offsets":[0,16]})"))
                .find("lie outside the 8 data bytes"),
            std::string::npos);
  EXPECT_NE(ReadError(one(R"({"dtype":"F32","shape":[1],"data_offsets":[8,4]})"))
                .find("data_offsets"),
            std::string::npos);
  EXPECT_NE(ReadError(one(R"({"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]})"))
                .find("unsupported dtype F8_E4M3"),
            std::string::npos);
  EXPECT_NE(ReadError(one(R"({"dtype":"F32","shape":[-1],"data_offsets":[0,8]})"))
                .find("bad shape"),
            std::string::npos);
  EXPECT_NE(ReadError(one(R"({"dtype":"F32","shape":[4294967296,4294967296,16],)"
                          R"("data_offsets":[0,8]})"))
                .find("overflows"),
            std::string::npos);
  EXPECT_NE(ReadError(one(R"({"dtype":"F32","shape":[2]})")).find("lacks dtype"),
            std::string::npos);
  EXPECT_NE(ReadError(one("[]")).find("lacks dtype"), std::string::npos);
  EXPECT_NE(ReadError(MakeSafetensors(R"({"t":{},"t":{}})", data)).find("duplicate key"),
            std::string::npos);
  EXPECT_NE(ReadError(MakeSafetensors("[1]", data)).find("not a JSON object"),
            std::string::npos);
  std::string huge = MakeSafetensors("{}", "");
  huge[0] = '\x7f';  // header length 127 > file
  EXPECT_NE(ReadError(huge).find("exceeds the file"), std::string::npos);
  huge[7] = '\x7f';  // header length ~2^63
  EXPECT_NE(ReadError(huge).find("exceeds the file"), std::string::npos);
  EXPECT_NE(ReadError("abc").find("not a safetensors file"), std::string::npos);
}

TEST(SafetensorsTest, FixturesAndGeneratedFilesMatchNumpy) {
  VOX_REQUIRE_GENERATED_CHECKPOINTS();
  const GeneratedCheckpoints &gen = GeneratedCheckpoints::Get();
  for (const char *input : {"ssl:base_tiny/model.safetensors", "ssl:large_tiny/model.safetensors",
                            "gen:dtypes.safetensors"}) {
    SCOPED_TRACE(input);
    std::string bytes = SlurpFile(gen.Path(input));
    Checkpoint c;
    c.path = input;
    ReadSafetensors(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), input, &c);
    ExpectMatchesReference(c, LoadReference(gen.Index(input)));
  }
}

TEST(SafetensorsTest, EveryTruncationFails) {
  if (!PathExists(SslFixtureDir() + "/manifest.json")) GTEST_SKIP() << "no ssl fixtures";
  std::string bytes = SlurpFile(SslFixtureDir() + "/large_tiny/model.safetensors");
  // The last tensor's end is the file's end, so any cut breaks a data_offsets bound or the
  // header itself. Stepping by a prime covers both.
  for (size_t len = 0; len < bytes.size(); len += 997) {
    EXPECT_THROW(Read(bytes.substr(0, len)), Error) << len;
  }
  EXPECT_THROW(Read(bytes.substr(0, bytes.size() - 1)), Error);
}

}  // namespace
}  // namespace test
}  // namespace voxtools

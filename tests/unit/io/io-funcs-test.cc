// tests/unit/io/io-funcs-test.cc
#include "io/io-funcs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>

#include "base/log.h"
#include "test-util.h"

namespace voxtools {
namespace {

using test::ErrorOf;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

TEST(IoFuncs, FormatFloatMatchesKaldiText) {
  // The strings Kaldi wrote in tables/float_mats.txt and float_vecs.txt for these values.
  EXPECT_EQ(FormatFloat(0.333333f), "0.333333");
  EXPECT_EQ(FormatFloat(1.0f / 3.0f), "0.3333333");
  EXPECT_EQ(FormatFloat(1e-45f), "1.401298e-45");
  EXPECT_EQ(FormatFloat(1.17549435e-38f), "1.175494e-38");
  EXPECT_EQ(FormatFloat(-0.0f), "-0");
  EXPECT_EQ(FormatFloat(0.0f), "0");
  EXPECT_EQ(FormatFloat(3.4028235e+38f), "3.402823e+38");
  EXPECT_EQ(FormatFloat(-3.4028235e+38f), "-3.402823e+38");
  EXPECT_EQ(FormatFloat(1e+30f), "1e+30");
  EXPECT_EQ(FormatFloat(1e+10f), "1e+10");
  EXPECT_EQ(FormatFloat(1E-7f), "1e-07");
  EXPECT_EQ(FormatFloat(123456789.0f), "1.234568e+08");
  EXPECT_EQ(FormatFloat(65504.0f), "65504");
  EXPECT_EQ(FormatFloat(0.1f), "0.1");
  EXPECT_EQ(FormatFloat(-6e-05f), "-6e-05");
  EXPECT_EQ(FormatFloat(1234567.0), "1234567");
  EXPECT_EQ(FormatFloat(12345678.0), "1.234568e+07");
  EXPECT_EQ(FormatFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatFloat(0.00001), "1e-05");
  std::string s = "x";
  AppendFloat(2.5, &s);
  EXPECT_EQ(s, "x2.5 ");
}

TEST(IoFuncs, BinaryMarker) {
  std::ostringstream os;
  WriteBinaryMarker(os, true);
  WriteBinaryMarker(os, false);
  EXPECT_EQ(os.str(), Bytes({0, 'B'}));

  bool binary = false;
  std::istringstream bin(Bytes({0, 'B', 'F'}));
  ReadBinaryMarker(bin, &binary);
  EXPECT_TRUE(binary);
  EXPECT_EQ(bin.get(), 'F');

  std::istringstream text(" [ 1 ]");
  ReadBinaryMarker(text, &binary);
  EXPECT_FALSE(binary);
  EXPECT_EQ(text.get(), ' ');  // nothing consumed in text mode

  std::istringstream bad(Bytes({0, 'X'}));
  EXPECT_NE(ErrorOf([&] { ReadBinaryMarker(bad, &binary); }).find("expected binary marker"),
            std::string::npos);
}

TEST(IoFuncs, BinaryBasicTypesHaveKaldiBytes) {
  std::ostringstream os;
  WriteBasicType<int32_t>(os, true, 0x01020304);
  WriteBasicType<int64_t>(os, true, -2);
  WriteBasicType<float>(os, true, 1.5f);
  WriteBasicType<double>(os, true, 0.25);
  std::string expected =
      Bytes({4, 4, 3, 2,    1,    8, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
             4, 0, 0, 0xc0, 0x3f, 8, 0,    0,    0,    0,    0,    0,    0xd0, 0x3f});
  EXPECT_EQ(os.str(), expected);

  std::istringstream is(expected);
  int32_t i32;
  int64_t i64;
  float f;
  double d;
  ReadBasicType(is, true, &i32);
  ReadBasicType(is, true, &i64);
  ReadBasicType(is, true, &f);
  ReadBasicType(is, true, &d);
  EXPECT_EQ(i32, 0x01020304);
  EXPECT_EQ(i64, -2);
  EXPECT_EQ(f, 1.5f);
  EXPECT_EQ(d, 0.25);
  EXPECT_EQ(is.peek(), EOF);
}

TEST(IoFuncs, BinaryFloatAndDoubleConvert) {
  // Kaldi reads a double where a float is expected (and the reverse), converting.
  std::ostringstream os;
  WriteBasicType<double>(os, true, 0.1);
  WriteBasicType<float>(os, true, 0.1f);
  std::istringstream is(os.str());
  float f;
  double d;
  ReadBasicType(is, true, &f);
  ReadBasicType(is, true, &d);
  EXPECT_EQ(f, 0.1f);
  EXPECT_EQ(d, static_cast<double>(0.1f));
}

TEST(IoFuncs, BinaryBasicTypeErrors) {
  int32_t i;
  std::istringstream wrong_size(Bytes({8, 1, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_NE(ErrorOf([&] {
              ReadBasicType(wrong_size, true, &i);
            }).find("expected int32 (size byte 4), got size byte 8"),
            std::string::npos);
  std::istringstream truncated(Bytes({4, 1, 0}));
  EXPECT_NE(ErrorOf([&] {
              ReadBasicType(truncated, true, &i);
            }).find("truncated int32: stream ended after 2 of 4 bytes"),
            std::string::npos);
  std::istringstream empty("");
  EXPECT_NE(ErrorOf([&] { ReadBasicType(empty, true, &i); }).find("end of stream"),
            std::string::npos);
  float f;
  std::istringstream bad_float(Bytes({2, 0, 0}));
  EXPECT_NE(ErrorOf([&] { ReadBasicType(bad_float, true, &f); }).find("expected float"),
            std::string::npos);
}

TEST(IoFuncs, TextBasicTypes) {
  std::ostringstream os;
  WriteBasicType<int32_t>(os, false, -17);
  WriteBasicType<int64_t>(os, false, 10000000000);
  WriteBasicType<float>(os, false, 1.0f / 3.0f);
  WriteBasicType<double>(os, false, 1e-300);
  EXPECT_EQ(os.str(), "-17 10000000000 0.3333333 1e-300 ");

  std::istringstream is("  -17\n10000000000 0.3333333 1e-300 ");
  int32_t i32;
  int64_t i64;
  float f;
  double d;
  ReadBasicType(is, false, &i32);
  ReadBasicType(is, false, &i64);
  ReadBasicType(is, false, &f);
  ReadBasicType(is, false, &d);
  EXPECT_EQ(i32, -17);
  EXPECT_EQ(i64, 10000000000);
  EXPECT_EQ(f, 0.3333333f);
  EXPECT_EQ(d, 1e-300);
}

TEST(IoFuncs, TextBasicTypeErrors) {
  int32_t i;
  float f;
  std::istringstream junk("12x ");
  EXPECT_NE(ErrorOf([&] { ReadBasicType(junk, false, &i); }).find("expected int32, got '12x'"),
            std::string::npos);
  std::istringstream overflow("3000000000 ");
  EXPECT_NE(ErrorOf([&] { ReadBasicType(overflow, false, &i); }).find("expected int32"),
            std::string::npos);
  std::istringstream nan("nan ");
  EXPECT_NE(ErrorOf([&] { ReadBasicType(nan, false, &f); }).find("expected a finite float"),
            std::string::npos);
  std::istringstream inf("-inf ");
  EXPECT_NE(ErrorOf([&] { ReadBasicType(inf, false, &f); }).find("finite"), std::string::npos);
  std::istringstream empty("   ");
  EXPECT_NE(ErrorOf([&] { ReadBasicType(empty, false, &f); }).find("end of stream"),
            std::string::npos);
}

TEST(IoFuncs, Tokens) {
  std::ostringstream os;
  WriteToken(os, true, "FM");
  WriteToken(os, false, "<Plda>");
  EXPECT_EQ(os.str(), "FM <Plda> ");

  std::istringstream is("FM \n  <Plda> x");
  std::string tok;
  ReadToken(is, true, &tok);
  EXPECT_EQ(tok, "FM");
  EXPECT_EQ(PeekToken(is, false), "<Plda>");
  ExpectToken(is, false, "<Plda>");
  EXPECT_EQ(is.get(), 'x');

  std::istringstream wrong("XY 1");
  EXPECT_NE(ErrorOf([&] { ExpectToken(wrong, true, "FM"); }).find("expected token FM, got 'XY'"),
            std::string::npos);
  std::istringstream no_space("FM");
  EXPECT_NE(ErrorOf([&] {
              ReadToken(no_space, true, &tok);
            }).find("expected a space after token 'FM', got end of stream"),
            std::string::npos);
  std::istringstream empty(" \n");
  EXPECT_NE(ErrorOf([&] { ReadToken(empty, false, &tok); }).find("end of stream"),
            std::string::npos);
  std::istringstream binary_junk(Bytes({'A', 1, 2, 0}));
  EXPECT_NE(ErrorOf([&] { ExpectToken(binary_junk, true, "FM"); }).find("\\x01\\x02"),
            std::string::npos);
}

TEST(IoFuncs, PeekDoesNotConsume) {
  std::istringstream is("  CM2 rest");
  EXPECT_EQ(Peek(is, true), ' ');  // binary mode does not skip whitespace
  EXPECT_EQ(Peek(is, false), 'C');
  EXPECT_EQ(PeekToken(is, true), "CM2");
  std::string tok;
  ReadToken(is, true, &tok);
  EXPECT_EQ(tok, "CM2");
  std::istringstream empty("");
  EXPECT_EQ(Peek(empty, true), EOF);
  EXPECT_EQ(PeekToken(empty, true), "");
}

TEST(IoFuncs, ReadBytesStopsAtEndOfStream) {
  std::istringstream is(std::string(1000, 'a'));
  std::string buf;
  EXPECT_EQ(ReadBytes(is, 600, &buf), 600);
  EXPECT_EQ(buf, std::string(600, 'a'));
  // A size field claiming far more than the stream holds: reads what is there, and grows the
  // buffer only by one chunk.
  EXPECT_EQ(ReadBytes(is, int64_t(1) << 33, &buf), 400);
  EXPECT_EQ(buf.size(), 400u);
}

}  // namespace
}  // namespace voxtools

// tests/unit/io/json-test.cc
#include "io/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "base/log.h"
#include "checkpoint-test-util.h"

namespace voxtools {
namespace test {
namespace {

std::string ParseError(const std::string &text) {
  try {
    ParseJson(text, "t.json");
  } catch (const Error &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an Error for: " << text;
  return "";
}

TEST(JsonTest, ScalarsKeepIntegersExact) {
  EXPECT_TRUE(ParseJson("null", "t").IsNull());
  EXPECT_TRUE(ParseJson(" true ", "t").AsBool());
  EXPECT_FALSE(ParseJson("false", "t").AsBool());
  EXPECT_EQ(ParseJson("9223372036854775807", "t").AsInt(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ParseJson("-9223372036854775808", "t").AsInt(), std::numeric_limits<int64_t>::min());
  JsonValue big = ParseJson("9223372036854775808", "t");  // beyond int64: a double
  EXPECT_FALSE(big.IsInt());
  EXPECT_EQ(big.AsDouble(), 9223372036854775808.0);
  EXPECT_EQ(ParseJson("-0.5e-3", "t").AsDouble(), -0.5e-3);
  EXPECT_EQ(ParseJson("1E2", "t").AsDouble(), 100.0);
  EXPECT_FALSE(ParseJson("1.0", "t").IsInt());
  EXPECT_TRUE(std::isnan(ParseJson("NaN", "t").AsDouble()));
  EXPECT_EQ(ParseJson("-Infinity", "t").AsDouble(), -INFINITY);
  EXPECT_EQ(ParseJson("1e400", "t").AsDouble(), INFINITY);
  EXPECT_EQ(ParseJson("1e-400", "t").AsDouble(), 0.0);
}

TEST(JsonTest, StringEscapesAndUnicode) {
  EXPECT_EQ(ParseJson(R"("a\"b\\c\/d\n\t\r\b\f")", "t").AsString(), "a\"b\\c/d\n\t\r\b\f");
  EXPECT_EQ(ParseJson(R"("\u00e9\u20ac")", "t").AsString(), "\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(ParseJson(R"("\ud83d\ude00")", "t").AsString(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(ParseJson("\"caf\xc3\xa9\"", "t").AsString(), "caf\xc3\xa9");  // raw UTF-8 kept
}

TEST(JsonTest, ContainersKeepOrder) {
  JsonValue v = ParseJson(R"({"b": [1, 2.5, "x", null], "a": {"c": true}, "e": {}, "f": []})",
                          "t");
  ASSERT_EQ(v.Members().size(), 4u);
  EXPECT_EQ(v.Members()[0].first, "b");
  EXPECT_EQ(v.Members()[1].first, "a");
  EXPECT_EQ(v.Find("b")->Items()[1].AsDouble(), 2.5);
  EXPECT_TRUE(v.Find("a")->Find("c")->AsBool());
  EXPECT_EQ(v.Find("missing"), nullptr);
  EXPECT_EQ(v.ToString(), R"({"b":[1,2.5,"x",null],"a":{"c":true},"e":{},"f":[]})");
}

TEST(JsonTest, WriterRoundTrips) {
  JsonValue v = JsonValue::Object();
  v.Set("f", JsonValue::Float(0.1));
  v.Set("one", JsonValue::Float(1.0));
  v.Set("tiny", JsonValue::Float(1e-300));
  v.Set("nan", JsonValue::Float(NAN));
  v.Set("s", JsonValue::String("quote\" ctl\x01 tab\t"));
  v.Set("i", JsonValue::Int(-7));
  JsonValue arr = JsonValue::Array();
  arr.Append(JsonValue::Bool(false));
  v.Set("a", arr);
  for (int indent : {-1, 0, 2}) {
    JsonValue back = ParseJson(v.ToString(indent), "roundtrip");
    EXPECT_EQ(back.Find("f")->AsDouble(), 0.1);
    EXPECT_FALSE(back.Find("one")->IsInt());  // written "1.0", not "1"
    EXPECT_EQ(back.Find("tiny")->AsDouble(), 1e-300);
    EXPECT_TRUE(std::isnan(back.Find("nan")->AsDouble()));
    EXPECT_EQ(back.Find("s")->AsString(), "quote\" ctl\x01 tab\t");
    EXPECT_EQ(back.Find("i")->AsInt(), -7);
    EXPECT_EQ(back.ToString(), v.ToString());
  }
  v.Set("i", JsonValue::Int(8));  // replacing keeps the position
  EXPECT_EQ(v.Members()[5].first, "i");
  EXPECT_EQ(v.Members()[5].second.AsInt(), 8);
}

TEST(JsonTest, ErrorsNameTheInputAndOffset) {
  EXPECT_NE(ParseError(R"({"a": 1, "a": 2})").find("t.json at byte 9: duplicate key \"a\""),
            std::string::npos);
  EXPECT_NE(ParseError("[1, 2").find("unterminated array"), std::string::npos);
  EXPECT_NE(ParseError("[1] x").find("unexpected text after"), std::string::npos);
  EXPECT_NE(ParseError("").find("unexpected end"), std::string::npos);
  EXPECT_NE(ParseError("01").find("unexpected text"), std::string::npos);
  EXPECT_NE(ParseError("1.").find("no digit after"), std::string::npos);
  EXPECT_NE(ParseError("-").find("bad number"), std::string::npos);
  EXPECT_NE(ParseError("\"abc").find("unterminated string"), std::string::npos);
  EXPECT_NE(ParseError("\"a\nb\"").find("control character"), std::string::npos);
  EXPECT_NE(ParseError(R"("\x")").find("bad escape"), std::string::npos);
  EXPECT_NE(ParseError(R"("\ud800")").find("surrogate"), std::string::npos);
  EXPECT_NE(ParseError(R"("\udc00")").find("surrogate"), std::string::npos);
  EXPECT_NE(ParseError(R"("\u12g4")").find("hex"), std::string::npos);
  EXPECT_NE(ParseError("{1: 2}").find("expected a string key"), std::string::npos);
  EXPECT_NE(ParseError("tru").find("unexpected character"), std::string::npos);
  EXPECT_NE(ParseError(std::string(kMaxJsonDepth + 1, '[')).find("nested deeper"),
            std::string::npos);
  // Exactly at the limit is fine.
  std::string deep = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ParseJson(deep, "t").IsArray());
  EXPECT_THROW(ParseJson("\"x\"", "t").AsInt(), Error);
  EXPECT_THROW(ParseJson("1", "t").Items(), Error);
}

TEST(JsonTest, ReadsTheFixtureConfigs) {
  if (!PathExists(SslFixtureDir() + "/manifest.json")) GTEST_SKIP() << "no ssl fixtures";
  JsonValue hf = ParseJson(SlurpFile(SslFixtureDir() + "/base_tiny/config.json"), "config.json");
  EXPECT_EQ(hf.Find("hidden_size")->AsInt(), 64);
  EXPECT_EQ(hf.Find("model_type")->AsString(), "wavlm");
  JsonValue manifest = ParseJson(SlurpFile(SslFixtureDir() + "/manifest.json"), "manifest.json");
  EXPECT_EQ(manifest.Find("configs")->Find("base_tiny")->Find("seed")->AsInt(), 1234);
}

}  // namespace
}  // namespace test
}  // namespace voxtools

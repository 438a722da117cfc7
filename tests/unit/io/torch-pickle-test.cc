// tests/unit/io/torch-pickle-test.cc
// The restricted unpickler on pickles assembled here opcode by opcode (so each case names
// exactly what it exercises), and on the data.pkl of the fixture checkpoints.
#include "io/torch-pickle.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "base/log.h"
#include "checkpoint-test-util.h"
#include "io/zip-reader.h"

namespace voxtools {
namespace test {
namespace {

using namespace std::string_literals;  // literals below hold NUL bytes

// Pickle assembly helpers (protocol 2 opcodes).
std::string U(const std::string &s) {  // BINUNICODE
  std::string out = "X";
  uint32_t n = s.size();
  out.append(reinterpret_cast<const char *>(&n), 4);
  return out + s;
}
std::string K(uint8_t v) { return std::string("K") + static_cast<char>(v); }
std::string Global(const std::string &module, const std::string &name) {
  return "c" + module + "\n" + name + "\n";
}
const std::string kProto2 = "\x80\x02";

TorchPickle Parse(const std::string &p) {
  return ParseTorchPickle(reinterpret_cast<const uint8_t *>(p.data()), p.size(), "test.pkl");
}

std::string ParseError(const std::string &p) {
  try {
    Parse(p);
  } catch (const Error &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an Error";
  return "";
}

// {'w': tensor} with a FloatStorage of 6 elements viewed as (2,3) at offset 0.
std::string TensorPickle(const std::string &storage_type = "FloatStorage",
                         const std::string &extra_args = "") {
  return kProto2 + "}(" + U("w") + Global("torch._utils", "_rebuild_tensor_v2") + "((" +
         U("storage") + Global("torch", storage_type) + U("0") + U("cpu") + K(6) + "tQ" +
         K(0) + K(2) + K(3) + "\x86" + K(3) + K(1) + "\x86" + "\x89" +
         Global("collections", "OrderedDict") + ")R" + extra_args + "tRu.";
}

TEST(TorchPickleTest, ScalarsAndContainers) {
  // {'a': [1, -1, 300, 70000, True, None, 2.5, 'é', (1, 2)], 'b': long}
  double d = 2.5;
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  std::string be;
  for (int k = 7; k >= 0; k--) be.push_back(static_cast<char>((bits >> (8 * k)) & 0xFF));
  std::string p = kProto2 + "}q\x00("s + U("a") + "](" + K(1) + "J\xff\xff\xff\xff" +
                  "M\x2c\x01" + "J\x70\x11\x01\x00"s + "\x88N" + "G" + be + U("\xc3\xa9") +
                  K(1) + K(2) + "\x86" + "e" + U("b") + "\x8a\x02\x00\x80"s + "u.";
  TorchPickle t = Parse(p);
  const PickleValue *a = t.root.Find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->items.size(), 9u);
  EXPECT_EQ(a->items[0].int_value, 1);
  EXPECT_EQ(a->items[1].int_value, -1);
  EXPECT_EQ(a->items[2].int_value, 300);
  EXPECT_EQ(a->items[3].int_value, 70000);
  EXPECT_TRUE(a->items[4].bool_value);
  EXPECT_EQ(a->items[5].type, PickleValue::Type::kNone);
  EXPECT_EQ(a->items[6].float_value, 2.5);
  EXPECT_EQ(a->items[7].string_value, "\xc3\xa9");
  EXPECT_EQ(a->items[8].type, PickleValue::Type::kTuple);
  EXPECT_EQ(t.root.Find("b")->int_value, -32768);  // LONG1 0x8000 is negative
  EXPECT_EQ(PickleToJson(t.root, t).ToString(),
            "{\"a\":[1,-1,300,70000,true,null,2.5,\"\xc3\xa9\",[1,2]],\"b\":-32768}");
}

TEST(TorchPickleTest, MemoSharesMutableObjects) {
  // d = {}; memo[0] = d; l = [d, d]; then SETITEM on memo'd d after it is in l.
  std::string p = kProto2 + "](}q\x00h\x00"s + "e" + "h\x00"s + U("k") + K(7) + "s0.";
  TorchPickle t = Parse(p);
  ASSERT_EQ(t.root.items.size(), 2u);
  EXPECT_EQ(t.root.items[1].Find("k")->int_value, 7);
  EXPECT_EQ(t.root.items[0].Find("k")->int_value, 7);
}

TEST(TorchPickleTest, RepeatedDictKeyKeepsFirstPositionAndLastValue) {
  std::string p = kProto2 + "}(" + U("x") + K(1) + U("y") + K(2) + U("x") + K(3) + "u.";
  TorchPickle t = Parse(p);
  ASSERT_EQ(t.root.entries.size(), 2u);
  EXPECT_EQ(t.root.entries[0].first.string_value, "x");
  EXPECT_EQ(t.root.entries[0].second.int_value, 3);
}

TEST(TorchPickleTest, TensorsAndStorages) {
  TorchPickle t = Parse(TensorPickle());
  ASSERT_TRUE(t.root.IsTensorDict());
  ASSERT_EQ(t.storages.size(), 1u);
  EXPECT_EQ(t.storages[0].key, "0");
  EXPECT_EQ(t.storages[0].dtype, TensorDType::kFloat32);
  EXPECT_EQ(t.storages[0].numel, 6);
  const TorchTensorRef &w = t.root.Find("w")->tensor;
  EXPECT_EQ(w.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(w.stride, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(PickleToJson(t.root, t).ToString(), R"({"w":"<tensor float32 [2, 3]>"})");
  EXPECT_EQ(Parse(TensorPickle("BFloat16Storage")).storages[0].dtype, TensorDType::kBFloat16);
  // A 7th argument (metadata, newer torch) is accepted.
  EXPECT_TRUE(Parse(TensorPickle("HalfStorage", "N")).root.IsTensorDict());
}

TEST(TorchPickleTest, ForbiddenGlobalsAreNamed) {
  // GLOBAL, as os.system pickles on Linux.
  std::string p = kProto2 + Global("posix", "system") + U("echo pwned") + "\x85R.";
  EXPECT_NE(ParseError(p).find("forbidden global 'posix.system' in test.pkl"),
            std::string::npos);
  // STACK_GLOBAL (protocol 4).
  p = "\x80\x04" + U("builtins") + U("eval") + "\x93" + U("1") + "\x85R.";
  EXPECT_NE(ParseError(p).find("forbidden global 'builtins.eval' in test.pkl"),
            std::string::npos);
  // INST imports and calls in one opcode.
  p = "(ios\nsystem\n.";
  EXPECT_NE(ParseError(p).find("forbidden global 'os.system'"), std::string::npos);
  // Near misses of allowed names.
  EXPECT_NE(ParseError(kProto2 + Global("torch._utils", "_rebuild_qtensor") + ".")
                .find("forbidden global 'torch._utils._rebuild_qtensor'"),
            std::string::npos);
  EXPECT_NE(ParseError(kProto2 + Global("torch", "load") + ".").find("forbidden global"),
            std::string::npos);
}

TEST(TorchPickleTest, AllowedGlobalsOnlyAsTheyAreMeantToBeUsed) {
  // A storage type called, an allowed global as a plain value, OBJ, NEWOBJ of another class.
  EXPECT_NE(ParseError(kProto2 + Global("torch", "FloatStorage") + ")R.").find("cannot be called"),
            std::string::npos);
  EXPECT_NE(ParseError(kProto2 + Global("collections", "OrderedDict") + ".")
                .find("used as a value"),
            std::string::npos);
  EXPECT_NE(ParseError(kProto2 + "(" + Global("collections", "OrderedDict") + "o.")
                .find("OBJ opcode"),
            std::string::npos);
  EXPECT_NE(ParseError(kProto2 + Global("collections", "OrderedDict") + ")\x81.")
                .find("NEWOBJ of a class other than argparse.Namespace"),
            std::string::npos);
  // Wrong argument shapes for the tensor rebuilders.
  EXPECT_NE(ParseError(kProto2 + Global("torch._utils", "_rebuild_tensor_v2") + ")R.")
                .find("expects 6 or 7 arguments"),
            std::string::npos);
  // Persistent ids other than ('storage', ...).
  EXPECT_NE(ParseError(kProto2 + "(" + U("module") + "tQ.").find("persistent id"),
            std::string::npos);
}

TEST(TorchPickleTest, MalformedPicklesFail) {
  EXPECT_NE(ParseError("").find("truncated"), std::string::npos);
  EXPECT_NE(ParseError(kProto2 + "X\xff\xff\xff\x7f" + "abc").find("truncated"),
            std::string::npos);
  EXPECT_NE(ParseError(kProto2 + "h\x05.").find("memo entry 5 is not set"), std::string::npos);
  EXPECT_NE(ParseError(kProto2 + "a.").find("stack underflow"), std::string::npos);
  EXPECT_NE(ParseError(kProto2 + "(" + K(1) + "0" + "0.").find("stack underflow"),
            std::string::npos);  // popping below the MARK
  EXPECT_NE(ParseError(kProto2 + ".").find("empty stack"), std::string::npos);
  EXPECT_NE(ParseError("\x80\x06.").find("protocol 6"), std::string::npos);
  EXPECT_NE(ParseError(kProto2 + "\x8a\x09" + std::string(9, '\x01') + ".").find("int64"),
            std::string::npos);
  EXPECT_NE(ParseError(kProto2 + "F1.5\n.").find("unsupported opcode 0x46 'F'"),
            std::string::npos);
  EXPECT_NE(ParseError(kProto2 + K(1) + K(2) + "a.").find("not a list"), std::string::npos);
  // Truncating a valid tensor pickle anywhere fails cleanly.
  std::string good = TensorPickle();
  for (size_t n = 0; n < good.size(); n++)
    EXPECT_THROW(Parse(good.substr(0, n)), Error) << n;
}

TEST(TorchPickleTest, RecursionAndMemoBombsAreBounded) {
  // A list appended to itself: a cycle. Building the tree must stop, not recurse forever.
  std::string cycle = kProto2 + "]q\x00h\x00"s + "a.";
  EXPECT_NE(ParseError(cycle).find("nested deeper"), std::string::npos);
  // Each level holds the previous one twice: 2^40 leaves from a few hundred bytes.
  std::string bomb = kProto2 + U(std::string(1000, 'x')) + "q\x00"s;
  for (int i = 0; i < 40; i++) bomb += "h\x00h\x00\x86q\x00"s;
  bomb += ".";
  EXPECT_NE(ParseError(bomb).find("far larger than the pickle"), std::string::npos);
}

TEST(TorchPickleTest, ReadsTheFixtureCheckpointPickle) {
  if (!PathExists(SslFixtureDir() + "/manifest.json")) GTEST_SKIP() << "no ssl fixtures";
  std::string bytes = SlurpFile(SslFixtureDir() + "/base_tiny/checkpoint.pt");
  ZipReader zip(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), "checkpoint.pt");
  ByteSpan pkl = zip.Read(*zip.Find("checkpoint/data.pkl"));
  TorchPickle t = ParseTorchPickle(pkl.data, pkl.size, "checkpoint.pt");
  ASSERT_EQ(t.root.type, PickleValue::Type::kDict);
  const PickleValue *model = t.root.Find("model");
  ASSERT_NE(model, nullptr);
  EXPECT_TRUE(model->IsTensorDict());
  EXPECT_EQ(t.root.Find("cfg")->Find("num_buckets")->int_value, 320);
  EXPECT_EQ(t.root.Find("cfg")->Find("mask_prob")->float_value, 0.65);
  // One storage per tensor, each a FloatStorage on the CPU.
  EXPECT_EQ(t.storages.size(), model->entries.size());
  for (const TorchStorageRef &s : t.storages) {
    EXPECT_EQ(s.dtype, TensorDType::kFloat32);
    EXPECT_EQ(s.location, "cpu");
  }
}

}  // namespace
}  // namespace test
}  // namespace voxtools

// tests/unit/io/checkpoint-test-util.h
// Shared by the checkpoint reader tests: the WavLM fixtures ($VOX_FIXTURES/ssl), the
// synthetic checkpoints and independent readings made at test time by
// tests/reference/checkpoint-make.py and checkpoint-dump.py (Debian's /usr/bin/python3 with
// torch; $VOX_PYTHON overrides), and a comparison of our reading with theirs.
#ifndef VOXTOOLS_TESTS_UNIT_IO_CHECKPOINT_TEST_UTIL_H_
#define VOXTOOLS_TESTS_UNIT_IO_CHECKPOINT_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/log.h"
#include "io/checkpoint.h"
#include "io/json.h"

namespace voxtools {
namespace test {

inline std::string SslFixtureDir() {
  const char *env = std::getenv("VOX_FIXTURES");
  std::string root = env != nullptr && *env != '\0' ? env : "../shared/fixtures";
  return root + "/ssl";
}

inline bool PathExists(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

inline std::string SlurpFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// The checkpoints the reference dump covers, in its order: every layout of both WavLM
// fixtures, then the synthetic ones (relative to the generated folder, marked by "gen:").
inline const std::vector<std::string> &ReferenceInputs() {
  static const std::vector<std::string> inputs = {
      "ssl:base_tiny/checkpoint.pt",  "ssl:base_tiny/state_dict.pt",
      "ssl:base_tiny",                "ssl:base_tiny/model.safetensors",
      "ssl:large_tiny/checkpoint.pt", "ssl:large_tiny/state_dict.pt",
      "ssl:large_tiny",               "ssl:large_tiny/model.safetensors",
      "gen:dtypes.pt",                "gen:dtypes.safetensors",
      "gen:namespace.pt",             "gen:protocol4.pt",
      "gen:legacy.pt",
  };
  return inputs;
}

// Generated once per test binary; removed at exit. Returns "" (with *why set) when the
// fixtures or Debian's torch are missing.
class GeneratedCheckpoints {
 public:
  static const GeneratedCheckpoints &Get() {
    static GeneratedCheckpoints g;
    return g;
  }
  bool Ok() const { return !dir_.empty(); }
  const std::string &Why() const { return why_; }
  const std::string &Dir() const { return dir_; }
  std::string Path(const std::string &input) const {
    if (input.compare(0, 4, "ssl:") == 0) return SslFixtureDir() + "/" + input.substr(4);
    return dir_ + "/" + input.substr(4);
  }
  // Index into ReferenceInputs().
  int Index(const std::string &input) const {
    const auto &in = ReferenceInputs();
    for (size_t i = 0; i < in.size(); i++)
      if (in[i] == input) return static_cast<int>(i);
    ADD_FAILURE() << "no reference for " << input;
    return -1;
  }

 private:
  GeneratedCheckpoints() {
    if (!PathExists(SslFixtureDir() + "/manifest.json")) {
      why_ = "WavLM fixtures not found under " + SslFixtureDir() + " (set VOX_FIXTURES)";
      return;
    }
    const char *py = std::getenv("VOX_PYTHON");
    std::string python = py != nullptr && *py != '\0' ? py : "/usr/bin/python3";
    const char *root_env = std::getenv("VOX_ROOT");
    std::string root = root_env != nullptr && *root_env != '\0' ? root_env : ".";
    std::string templ = ::testing::TempDir() + "voxtools-ckpt-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) {
      why_ = "mkdtemp failed";
      return;
    }
    std::string dir = buf.data();
    std::string cmd = python + " " + root + "/tests/reference/checkpoint-make.py " + dir;
    int rc = std::system((cmd + " > " + dir + "/make.log 2>&1").c_str());
    if (rc == 0) {
      cmd = python + " " + root + "/tests/reference/checkpoint-dump.py " + dir + "/ref";
      dir_ = dir;  // Path() needs it
      for (const std::string &in : ReferenceInputs()) cmd += " " + Path(in);
      rc = std::system((cmd + " > " + dir + "/dump.log 2>&1").c_str());
    }
    if (rc != 0) {
      int status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
      why_ = (status == 2 ? "Debian python3-torch not available: " : "reference script failed: ") +
             SlurpFile(dir + "/make.log") + SlurpFile(dir + "/dump.log");
      dir_.clear();
      // A broken script must fail the tests, not skip them: only a missing torch skips.
      if (status != 2) ADD_FAILURE() << why_;
    }
    cleanup_ = dir;
  }
  ~GeneratedCheckpoints() {
    if (!cleanup_.empty()) std::system(("rm -rf '" + cleanup_ + "'").c_str());
  }
  std::string dir_, why_, cleanup_;
};

#define VOX_REQUIRE_GENERATED_CHECKPOINTS()                                              \
  do {                                                                                  \
    if (!::voxtools::test::GeneratedCheckpoints::Get().Ok())                            \
      GTEST_SKIP() << ::voxtools::test::GeneratedCheckpoints::Get().Why();              \
  } while (0)

struct ReferenceTensor {
  std::string name, dtype;
  std::vector<int64_t> shape;
};

struct ReferenceReading {
  JsonValue config;
  std::vector<ReferenceTensor> tensors;
  std::vector<float> values;  // all tensors, in order
};

inline ReferenceReading LoadReference(int index) {
  const std::string base =
      GeneratedCheckpoints::Get().Dir() + "/ref/" + std::to_string(index);
  ReferenceReading ref;
  std::istringstream lines(SlurpFile(base + ".txt"));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.compare(0, 7, "config ") == 0) {
      ref.config = ParseJson(line.substr(7), base + ".txt");
      continue;
    }
    std::istringstream ls(line);
    std::string word;
    ReferenceTensor t;
    int ndim = 0;
    ls >> word >> t.name >> t.dtype >> ndim;
    for (int k = 0; k < ndim; k++) {
      int64_t d;
      ls >> d;
      t.shape.push_back(d);
    }
    ref.tensors.push_back(t);
  }
  std::string raw = SlurpFile(base + ".f32");
  ref.values.resize(raw.size() / 4);
  std::memcpy(ref.values.data(), raw.data(), ref.values.size() * 4);
  return ref;
}

// Deep equality; ints and floats must agree in type as well as value.
inline bool JsonEqual(const JsonValue &a, const JsonValue &b) {
  if (a.GetType() != b.GetType()) return false;
  switch (a.GetType()) {
    case JsonValue::Type::kNull: return true;
    case JsonValue::Type::kBool: return a.AsBool() == b.AsBool();
    case JsonValue::Type::kInt: return a.AsInt() == b.AsInt();
    case JsonValue::Type::kFloat: return a.AsDouble() == b.AsDouble();
    case JsonValue::Type::kString: return a.AsString() == b.AsString();
    case JsonValue::Type::kArray:
      if (a.Items().size() != b.Items().size()) return false;
      for (size_t i = 0; i < a.Items().size(); i++)
        if (!JsonEqual(a.Items()[i], b.Items()[i])) return false;
      return true;
    case JsonValue::Type::kObject:
      if (a.Members().size() != b.Members().size()) return false;
      for (size_t i = 0; i < a.Members().size(); i++)
        if (a.Members()[i].first != b.Members()[i].first ||
            !JsonEqual(a.Members()[i].second, b.Members()[i].second))
          return false;
      return true;
  }
  return false;
}

// Every tensor: same name, order, dtype, shape, and bit-identical float32 values (the
// conversions to float32 are exact or correctly rounded on both sides, so the tolerance is
// zero). Also checks that the reading is not trivially empty.
inline void ExpectMatchesReference(const Checkpoint &ckpt, const ReferenceReading &ref) {
  ASSERT_EQ(ckpt.tensors.size(), ref.tensors.size()) << ckpt.path;
  ASSERT_GT(ref.tensors.size(), 0u);
  size_t offset = 0, nonzero = 0;
  for (size_t i = 0; i < ref.tensors.size(); i++) {
    const CheckpointTensor &t = ckpt.tensors[i];
    const ReferenceTensor &r = ref.tensors[i];
    EXPECT_EQ(t.name, r.name) << ckpt.path << " tensor " << i;
    EXPECT_EQ(DTypeName(t.dtype), r.dtype) << r.name;
    EXPECT_EQ(t.shape, r.shape) << r.name;
    ASSERT_EQ(static_cast<int64_t>(t.data.size()), t.NumElements()) << r.name;
    ASSERT_LE(offset + t.data.size(), ref.values.size()) << r.name;
    size_t mismatches = 0;
    for (size_t k = 0; k < t.data.size(); k++) {
      if (std::memcmp(&t.data[k], &ref.values[offset + k], 4) != 0 && mismatches++ < 3)
        ADD_FAILURE() << r.name << "[" << k << "]: ours " << t.data[k] << ", reference "
                      << ref.values[offset + k];
      nonzero += t.data[k] != 0.0f;
    }
    offset += t.data.size();
  }
  EXPECT_EQ(offset, ref.values.size()) << ckpt.path;
  EXPECT_GT(nonzero, 0u) << ckpt.path;
  EXPECT_TRUE(JsonEqual(ckpt.config, ref.config))
      << ckpt.path << "\nours:      " << ckpt.config.ToString()
      << "\nreference: " << ref.config.ToString();
}

}  // namespace test
}  // namespace voxtools

#endif  // VOXTOOLS_TESTS_UNIT_IO_CHECKPOINT_TEST_UTIL_H_

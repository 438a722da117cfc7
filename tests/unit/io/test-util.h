// tests/unit/io/test-util.h
// Helpers for the io tests: locating the Kaldi fixtures, reading files whole, and a minimal
// archive splitter that does not depend on the table layer. The splitter reads a key up to
// its space and then calls the object reader under test on the stream, so every fixture
// archive also checks that a reader consumes exactly one object.
#ifndef VOXTOOLS_TESTS_UNIT_IO_TEST_UTIL_H_
#define VOXTOOLS_TESTS_UNIT_IO_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/log.h"
#include "io/io-funcs.h"

namespace voxtools {
namespace test {

// $VOX_FIXTURES/kaldi (tests/run-tests.sh sets it), else ../shared/fixtures/kaldi from the
// repository root.
inline std::string KaldiFixtureDir() {
  const char *env = std::getenv("VOX_FIXTURES");
  std::string root = env != nullptr && *env != '\0' ? env : "../shared/fixtures";
  return root + "/kaldi";
}

inline bool KaldiFixturesPresent() {
  struct stat st;
  return stat((KaldiFixtureDir() + "/tables/single_mat.bin").c_str(), &st) == 0;
}

// Skips (visibly, counted by gtest) when the fixtures are not there.
#define VOX_REQUIRE_KALDI_FIXTURES()                                                           \
  do {                                                                                         \
    if (!::voxtools::test::KaldiFixturesPresent())                                             \
      GTEST_SKIP() << "Kaldi fixtures not found under " << ::voxtools::test::KaldiFixtureDir() \
                   << " (set VOX_FIXTURES)";                                                   \
  } while (0)

inline std::string ReadFileBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string Fixture(const std::string &relative) {
  return ReadFileBytes(KaldiFixtureDir() + "/" + relative);
}

struct ArchiveEntry {
  std::string key;
  bool binary = false;
  int64_t offset = 0;  // where the object starts (what an scp records)
  std::string bytes;   // the object as stored, marker included
};

// Splits a Kaldi archive. read(std::istream &, bool binary) must read exactly one object (the
// caller keeps what it read, e.g. by pushing into a vector captured by the lambda).
template <typename ReadFn>
std::vector<ArchiveEntry> SplitArchive(const std::string &data, ReadFn read) {
  std::istringstream is(data);
  std::vector<ArchiveEntry> entries;
  while (is.peek() != EOF) {
    ArchiveEntry e;
    int c;
    while ((c = is.get()) != EOF && c != ' ') e.key.push_back(static_cast<char>(c));
    if (c != ' ' || e.key.empty()) throw std::runtime_error("bad archive key: " + e.key);
    e.offset = static_cast<int64_t>(is.tellg());
    ReadBinaryMarker(is, &e.binary);
    read(is, e.binary);
    int64_t end =
        is.peek() == EOF ? static_cast<int64_t>(data.size()) : static_cast<int64_t>(is.tellg());
    e.bytes = data.substr(e.offset, end - e.offset);
    entries.push_back(e);
  }
  return entries;
}

// "key file:offset" lines of an scp, offsets only (ranges are parsed by their tests).
inline std::vector<std::pair<std::string, int64_t>> ScpOffsets(const std::string &scp) {
  std::vector<std::pair<std::string, int64_t>> out;
  std::istringstream is(scp);
  std::string key, target;
  while (is >> key >> target) {
    size_t colon = target.rfind(':');
    out.emplace_back(key, std::stoll(target.substr(colon + 1)));
  }
  return out;
}

// Runs f and returns the Error's message, or "" (and a test failure) if it did not throw.
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

}  // namespace test
}  // namespace voxtools

#endif  // VOXTOOLS_TESTS_UNIT_IO_TEST_UTIL_H_

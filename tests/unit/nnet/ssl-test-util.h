// tests/unit/nnet/ssl-test-util.h
// What the SSL model tests share: the fixture folder ($VOX_FIXTURES/ssl), a reader for the
// NumPy .npy files the fixtures and tests/reference/ssl-*.py write (format 1.0/2.0,
// little-endian, C order; float32, int32 or bool), and a max-abs comparison.
#ifndef VOXTOOLS_TESTS_UNIT_NNET_SSL_TEST_UTIL_H_
#define VOXTOOLS_TESTS_UNIT_NNET_SSL_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "matrix/tensor.h"

namespace voxtools {
namespace test {

// $VOX_FIXTURES/ssl or the shared default; "" if absent.
inline std::string SslFixtureDir() {
  const char *env = std::getenv("VOX_FIXTURES");
  std::string dir = std::string(env ? env : "/work/shared/fixtures") + "/ssl";
  std::ifstream probe(dir + "/manifest.json");
  return probe ? dir : "";
}

// Runs tests/reference/<script> <tmpdir> once per process and script; returns the folder it
// wrote, or "" with *why: "FAILED: <command>" (the test must fail) or, on exit status 2,
// that torch/torchaudio are missing (the test skips).
inline std::string ReferenceFolder(const std::string &script, std::string *why) {
  static std::map<std::string, std::pair<std::string, std::string>> done;  // dir, reason
  auto it = done.find(script);
  if (it == done.end()) {
    const char *py = std::getenv("VOX_PYTHON");
    const char *root = std::getenv("VOX_ROOT");
    const std::string path = std::string(root ? root : ".") + "/tests/reference/" + script;
    const std::string out = ::testing::TempDir() + "/" + script + "-" + std::to_string(getpid());
    const std::string cmd = std::string(py ? py : "/usr/bin/python3") + " " + path + " " + out;
    const int rc = std::system(cmd.c_str());
    std::pair<std::string, std::string> result;
    if (WIFEXITED(rc) && WEXITSTATUS(rc) == 0) {
      result.first = out;
    } else if (WIFEXITED(rc) && WEXITSTATUS(rc) == 2) {
      result.second = "torch/torchaudio not importable (Debian python3-torch, python3-torchaudio)";
    } else {
      result.second = "FAILED: " + cmd;
    }
    it = done.emplace(script, result).first;
  }
  *why = it->second.second;
  return it->second.first;
}

struct Npy {
  std::string descr;  // "<f4", "<i4", "|b1"
  std::vector<int64_t> shape;
  std::vector<float> data;  // every dtype converted to float
};

// Throws std::runtime_error (a test failure) on anything unexpected.
inline Npy ReadNpy(const std::string &path) {
  std::ifstream is(path, std::ios::binary);
  if (!is) throw std::runtime_error("cannot open " + path);
  std::string bytes((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    throw std::runtime_error(path + ": not an npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
    offset = 10;
  } else {
    uint32_t n;
    std::memcpy(&n, bytes.data() + 8, 4);
    header_len = n;
    offset = 12;
  }
  const std::string header = bytes.substr(offset, header_len);
  Npy npy;
  auto field = [&](const std::string &key) {
    size_t p = header.find("'" + key + "'");
    if (p == std::string::npos) throw std::runtime_error(path + ": no " + key);
    return header.substr(header.find(':', p) + 1);
  };
  std::string d = field("descr");
  d = d.substr(d.find('\'') + 1);
  npy.descr = d.substr(0, d.find('\''));
  if (field("fortran_order").find("False") > 2) throw std::runtime_error(path + ": Fortran order");
  std::string s = field("shape");
  s = s.substr(s.find('(') + 1, s.find(')') - s.find('(') - 1);
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (item.find_first_not_of(' ') != std::string::npos) npy.shape.push_back(std::stoll(item));
  int64_t n = 1;
  for (int64_t x : npy.shape) n *= x;
  const char *p = bytes.data() + offset + header_len;
  const size_t avail = bytes.size() - offset - header_len;
  npy.data.resize(n);
  if (npy.descr == "<f4" && avail >= 4 * size_t(n)) {
    std::memcpy(npy.data.data(), p, 4 * n);
  } else if (npy.descr == "<i4" && avail >= 4 * size_t(n)) {
    for (int64_t i = 0; i < n; i++) {
      int32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      npy.data[i] = static_cast<float>(v);
    }
  } else if (npy.descr == "|b1" && avail >= size_t(n)) {
    for (int64_t i = 0; i < n; i++) npy.data[i] = p[i] ? 1.0f : 0.0f;
  } else {
    throw std::runtime_error(path + ": unsupported dtype " + npy.descr + " or truncated");
  }
  return npy;
}

inline Tensor NpyTensor(const Npy &npy) { return Tensor::FromVector(Shape(npy.shape), npy.data); }

// max |a - b| over all elements; +inf if the shapes differ or a NaN appears.
inline double MaxAbsDiff(const Tensor &a, const Tensor &b) {
  if (a.shape() != b.shape()) return INFINITY;
  double worst = 0;
  for (int64_t i = 0; i < a.NumElements(); i++) {
    const double d = std::fabs(static_cast<double>(a.Data()[i]) - b.Data()[i]);
    if (std::isnan(d)) return INFINITY;
    worst = std::max(worst, d);
  }
  return worst;
}

inline double MaxAbs(const Tensor &a) {
  double m = 0;
  for (int64_t i = 0; i < a.NumElements(); i++) m = std::max(m, std::fabs(double(a.Data()[i])));
  return m;
}

}  // namespace test
}  // namespace voxtools

#endif  // VOXTOOLS_TESTS_UNIT_NNET_SSL_TEST_UTIL_H_

// tests/unit/feat/feat-test-util.h
// Small readers for the Kaldi feature fixtures, so the front-end is tested without the table
// layer: text archives of matrices/vectors (`key [ rows ]`) and 16-bit PCM RIFF wavs.
#ifndef VOXTOOLS_TESTS_UNIT_FEAT_FEAT_TEST_UTIL_H_
#define VOXTOOLS_TESTS_UNIT_FEAT_FEAT_TEST_UTIL_H_

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "matrix/matrix.h"

namespace voxtools {
namespace feat_test {

// $VOX_FIXTURES/kaldi/features, or the shared default; "" if absent.
inline std::string FeaturesDir() {
  const char *env = std::getenv("VOX_FIXTURES");
  std::string dir = std::string(env ? env : "/work/shared/fixtures") + "/kaldi/features";
  std::ifstream probe(dir + "/wav.scp");
  return probe ? dir : "";
}

// A text archive of matrices (or vectors: one row) keyed by utterance, in file order.
inline std::vector<std::pair<std::string, Matrix<float>>> ReadTextArchive(
    const std::string &path) {
  std::ifstream is(path);
  std::vector<std::pair<std::string, Matrix<float>>> out;
  std::string key, tok;
  while (is >> key) {
    is >> tok;  // "["
    std::vector<std::vector<float>> rows(1);
    std::string line;
    std::getline(is, line);
    bool done = false;
    auto take = [&](const std::string &l) {
      std::istringstream ls(l);
      std::string v;
      while (ls >> v) {
        if (v == "]") {
          done = true;
          break;
        }
        rows.back().push_back(std::strtof(v.c_str(), nullptr));
      }
    };
    take(line);
    while (!done && std::getline(is, line)) {
      if (!rows.back().empty()) rows.emplace_back();
      take(line);
    }
    if (rows.back().empty()) rows.pop_back();
    Matrix<float> m(rows.size(), rows.empty() ? 0 : rows[0].size());
    for (size_t r = 0; r < rows.size(); r++)
      for (size_t c = 0; c < rows[r].size(); c++) m(r, c) = rows[r][c];
    out.emplace_back(key, m);
  }
  return out;
}

// A binary archive of float matrices (`key \0BFM \4 rows \4 cols data`), exact values.
inline std::vector<std::pair<std::string, Matrix<float>>> ReadBinaryArchive(
    const std::string &path) {
  std::ifstream is(path, std::ios::binary);
  std::vector<std::pair<std::string, Matrix<float>>> out;
  std::string key;
  while (std::getline(is, key, ' ')) {
    char hdr[6];
    is.read(hdr, 5);  // \0B "FM "
    if (!is || std::string(hdr + 2, 3) != "FM ") break;
    int32_t rows, cols;
    is.get();
    is.read(reinterpret_cast<char *>(&rows), 4);
    is.get();
    is.read(reinterpret_cast<char *>(&cols), 4);
    Matrix<float> m(rows, cols);
    is.read(reinterpret_cast<char *>(m.Data()), sizeof(float) * rows * cols);
    out.emplace_back(key, m);
  }
  return out;
}

struct Wav {
  float samp_freq = 0;
  Matrix<float> data;  // channels x samples, int16 scale
};

// 16-bit PCM RIFF only (what the fixtures hold).
inline Wav ReadWav16(const std::string &path) {
  std::ifstream is(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
  auto u32 = [&](size_t p) { uint32_t v; std::memcpy(&v, &bytes[p], 4); return v; };
  auto u16 = [&](size_t p) { uint16_t v; std::memcpy(&v, &bytes[p], 2); return v; };
  Wav w;
  int channels = 1;
  size_t p = 12;
  while (p + 8 <= bytes.size()) {
    std::string id = bytes.substr(p, 4);
    uint32_t size = u32(p + 4);
    if (id == "fmt ") {
      channels = u16(p + 10);
      w.samp_freq = static_cast<float>(u32(p + 12));
    } else if (id == "data") {
      size_t n = size / (2 * channels);
      w.data.Resize(channels, n);
      for (size_t i = 0; i < n; i++)
        for (int c = 0; c < channels; c++) {
          int16_t s;
          std::memcpy(&s, &bytes[p + 8 + 2 * (i * channels + c)], 2);
          w.data(c, i) = s;
        }
      break;
    }
    p += 8 + size + (size & 1);
  }
  return w;
}

// wav.scp-style list: key -> path relative to dir.
inline std::vector<std::pair<std::string, std::string>> ReadScp(const std::string &dir,
                                                                const std::string &name) {
  std::ifstream is(dir + "/" + name);
  std::vector<std::pair<std::string, std::string>> out;
  std::string k, v;
  while (is >> k >> v) out.emplace_back(k, dir + "/" + v);
  return out;
}

inline float MaxAbsDiff(const Matrix<float> &a, const Matrix<float> &b) {
  float m = 0;
  for (int64_t i = 0; i < a.NumElements(); i++)
    m = std::max(m, std::abs(a.Data()[i] - b.Data()[i]));
  return m;
}

}  // namespace feat_test
}  // namespace voxtools

#endif  // VOXTOOLS_TESTS_UNIT_FEAT_FEAT_TEST_UTIL_H_

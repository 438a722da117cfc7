// src/base/text-utils.cc
#include "base/text-utils.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace voxtools {

namespace {
const char *kWhite = " \t\n\r\v\f";
}

std::string Trim(const std::string &s) {
  size_t b = s.find_first_not_of(kWhite);
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(kWhite);
  return s.substr(b, e - b + 1);
}

std::vector<std::string> SplitString(const std::string &s, const char *delims, bool omit_empty) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find_first_of(delims, start);
    if (end == std::string::npos) end = s.size();
    if (!omit_empty || end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool SplitKeyValue(const std::string &line, std::string *key, std::string *rest) {
  size_t b = line.find_first_not_of(kWhite);
  if (b == std::string::npos) return false;
  size_t e = line.find_first_of(kWhite, b);
  *key = line.substr(b, e == std::string::npos ? std::string::npos : e - b);
  *rest = e == std::string::npos ? "" : Trim(line.substr(e));
  return true;
}

bool IsToken(const std::string &s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (std::isspace(c) || c == 0) return false;
  return true;
}

bool ConvertToInt64(const std::string &s, int64_t *out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

bool ConvertToInt32(const std::string &s, int32_t *out) {
  int64_t v;
  if (!ConvertToInt64(s, &v) || v < INT32_MIN || v > INT32_MAX) return false;
  *out = static_cast<int32_t>(v);
  return true;
}

bool ConvertToDouble(const std::string &s, double *out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char *end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

bool ConvertToFloat(const std::string &s, float *out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char *end = nullptr;
  // strtof rounds once, directly to float (strtod then a cast could round twice).
  float v = std::strtof(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

}  // namespace voxtools

// src/base/text-utils.h
// Small string helpers shared by the parsers (tables, scp, config files, data dirs).
#ifndef VOXTOOLS_BASE_TEXT_UTILS_H_
#define VOXTOOLS_BASE_TEXT_UTILS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace voxtools {

// Removes leading and trailing whitespace (space, tab, CR, LF, VT, FF).
std::string Trim(const std::string &s);

// Splits at any character in `delims`; with omit_empty, runs of delimiters count as one.
std::vector<std::string> SplitString(const std::string &s, const char *delims, bool omit_empty);

// Splits "key rest of line" at the first run of whitespace; rest is trimmed. Returns false
// if the line holds no key.
bool SplitKeyValue(const std::string &line, std::string *key, std::string *rest);

// A valid table key: non-empty, no whitespace (Kaldi's IsToken).
bool IsToken(const std::string &s);

// Whole-string conversions; false on any junk, overflow or empty input. ConvertToFloat and
// ConvertToDouble accept what strtod does (including inf and nan).
bool ConvertToInt32(const std::string &s, int32_t *out);
bool ConvertToInt64(const std::string &s, int64_t *out);
bool ConvertToFloat(const std::string &s, float *out);
bool ConvertToDouble(const std::string &s, double *out);

}  // namespace voxtools

#endif  // VOXTOOLS_BASE_TEXT_UTILS_H_

// src/io/io-funcs.cc
// Kaldi's basic object-format primitives. The readers work on the stream buffer directly
// (sgetc/snextc) where they scan characters: that is what istream's own extractors do, minus
// the per-call sentry and locale overhead, and it lets them stop at a length cap so that a
// corrupt binary stream cannot make a "token" megabytes long.
#include "io/io-funcs.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include "base/log.h"
#include "base/text-utils.h"

namespace voxtools {
namespace {

// Longer tokens or numbers are not valid Kaldi data; the cap bounds work on garbage input.
constexpr size_t kMaxWordLength = 1024;

bool IsSpace(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// "'F'", "end of stream", or "byte 0x00": what an error message says it found.
std::string DescribeChar(int c) {
  if (c == EOF) return "end of stream";
  if (c > ' ' && c < 127) return std::string("'") + static_cast<char>(c) + "'";
  char buf[16];
  std::snprintf(buf, sizeof(buf), "byte 0x%02x", c & 0xff);
  return buf;
}

// Quotes a word for an error message: at most 20 characters, non-printables as \xNN.
std::string QuoteWord(const std::string &word) {
  std::string out = "'";
  for (size_t i = 0; i < word.size() && i < 20; i++) {
    unsigned char c = word[i];
    if (c >= ' ' && c < 127) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (word.size() > 20) out += "...";
  return out + "'";
}

std::streambuf *Buffer(std::istream &is) {
  std::streambuf *sb = is.rdbuf();
  if (sb == nullptr || is.fail()) VOX_ERR << "read from a stream that is in an error state";
  return sb;
}

void SkipWhitespace(std::istream &is) {
  std::streambuf *sb = Buffer(is);
  int c = sb->sgetc();
  while (c != EOF && IsSpace(c)) c = sb->snextc();
  if (c == EOF) is.setstate(std::ios::eofbit);
}

// Skips whitespace, then reads up to (not including) the next whitespace character. An empty
// word means end of stream.
void ReadWord(std::istream &is, std::string *word) {
  word->clear();
  SkipWhitespace(is);
  std::streambuf *sb = is.rdbuf();
  int c = sb->sgetc();
  while (c != EOF && !IsSpace(c) && word->size() < kMaxWordLength) {
    word->push_back(static_cast<char>(c));
    c = sb->snextc();
  }
  if (c == EOF) is.setstate(std::ios::eofbit);
}

template <typename T>
const char *TypeName();
template <>
const char *TypeName<int32_t>() {
  return "int32";
}
template <>
const char *TypeName<int64_t>() {
  return "int64";
}
template <>
const char *TypeName<float>() {
  return "float";
}
template <>
const char *TypeName<double>() {
  return "double";
}

template <typename T>
void ReadRaw(std::istream &is, T *value) {
  is.read(reinterpret_cast<char *>(value), sizeof(T));
  if (is.gcount() != static_cast<std::streamsize>(sizeof(T)))
    VOX_ERR << "truncated " << TypeName<T>() << ": stream ended after " << is.gcount() << " of "
            << sizeof(T) << " bytes";
}

// Kaldi writes each binary scalar as one byte giving its size, then the value. Floats and
// doubles may be stored as either (Kaldi converts on reading); integers must match exactly.
template <typename T>
void ReadBinaryScalar(std::istream &is, T *value) {
  int size = Buffer(is)->sbumpc();
  if (size == EOF) {
    is.setstate(std::ios::eofbit);
    VOX_ERR << "expected " << TypeName<T>() << ", got end of stream";
  }
  if (size == static_cast<int>(sizeof(T))) {
    ReadRaw(is, value);
    return;
  }
  if constexpr (std::is_floating_point_v<T>) {
    if (size == 4) {
      float f;
      ReadRaw(is, &f);
      *value = static_cast<T>(f);
      return;
    }
    if (size == 8) {
      double d;
      ReadRaw(is, &d);
      *value = static_cast<T>(d);
      return;
    }
  }
  VOX_ERR << "expected " << TypeName<T>() << " (size byte " << sizeof(T) << "), got size byte "
          << size;
}

template <typename T>
void ReadTextScalar(std::istream &is, T *value) {
  std::string word;
  ReadWord(is, &word);
  if (word.empty()) VOX_ERR << "expected " << TypeName<T>() << ", got end of stream";
  bool ok;
  if constexpr (std::is_same_v<T, int32_t>) {
    ok = ConvertToInt32(word, value);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    ok = ConvertToInt64(word, value);
  } else if constexpr (std::is_same_v<T, float>) {
    ok = ConvertToFloat(word, value);
  } else {
    ok = ConvertToDouble(word, value);
  }
  if (!ok) VOX_ERR << "expected " << TypeName<T>() << ", got " << QuoteWord(word);
  if constexpr (std::is_floating_point_v<T>) {
    // DESIGN.md: bad numbers are stopped where they enter.
    if (!std::isfinite(*value))
      VOX_ERR << "expected a finite " << TypeName<T>() << ", got " << QuoteWord(word);
  }
}

}  // namespace

void WriteBinaryMarker(std::ostream &os, bool binary) {
  if (binary) os.write("\0B", 2);
}

void ReadBinaryMarker(std::istream &is, bool *binary) {
  std::streambuf *sb = Buffer(is);
  int c = sb->sgetc();
  if (c == EOF) is.setstate(std::ios::eofbit);
  if (c != '\0') {
    *binary = false;
    return;
  }
  c = sb->snextc();
  if (c != 'B') VOX_ERR << "expected binary marker \\0B, got \\0 followed by " << DescribeChar(c);
  sb->sbumpc();
  *binary = true;
}

template <typename T>
void WriteBasicType(std::ostream &os, bool binary, T value) {
  static_assert(std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t> ||
                    std::is_same_v<T, float> || std::is_same_v<T, double>,
                "WriteBasicType: int32_t, int64_t, float or double");
  if (binary) {
    os.put(static_cast<char>(sizeof(T)));
    os.write(reinterpret_cast<const char *>(&value), sizeof(T));
  } else if constexpr (std::is_floating_point_v<T>) {
    std::string s;
    AppendFloat(value, &s);
    os << s;
  } else {
    os << value << ' ';
  }
}

template <typename T>
void ReadBasicType(std::istream &is, bool binary, T *value) {
  if (binary) {
    ReadBinaryScalar(is, value);
  } else {
    ReadTextScalar(is, value);
  }
}

template void WriteBasicType<int32_t>(std::ostream &, bool, int32_t);
template void WriteBasicType<int64_t>(std::ostream &, bool, int64_t);
template void WriteBasicType<float>(std::ostream &, bool, float);
template void WriteBasicType<double>(std::ostream &, bool, double);
template void ReadBasicType<int32_t>(std::istream &, bool, int32_t *);
template void ReadBasicType<int64_t>(std::istream &, bool, int64_t *);
template void ReadBasicType<float>(std::istream &, bool, float *);
template void ReadBasicType<double>(std::istream &, bool, double *);

void WriteToken(std::ostream &os, bool binary, const std::string &token) {
  VOX_ASSERT(IsToken(token));
  os << token << ' ';
}

void ReadToken(std::istream &is, bool binary, std::string *token) {
  // Kaldi skips leading whitespace in both modes (istream >> string), so do we.
  ReadWord(is, token);
  if (token->empty()) VOX_ERR << "expected a token, got end of stream";
  std::streambuf *sb = is.rdbuf();
  int c = sb->sgetc();
  if (!IsSpace(c)) {
    if (c == EOF) is.setstate(std::ios::eofbit);
    VOX_ERR << "expected a space after token " << QuoteWord(*token) << ", got " << DescribeChar(c);
  }
  sb->sbumpc();
}

void ExpectToken(std::istream &is, bool binary, const std::string &token) {
  std::string got;
  ReadWord(is, &got);
  if (got != token)
    VOX_ERR << "expected token " << token << ", got "
            << (got.empty() ? std::string("end of stream") : QuoteWord(got));
  std::streambuf *sb = is.rdbuf();
  int c = sb->sgetc();
  if (!IsSpace(c)) {
    if (c == EOF) is.setstate(std::ios::eofbit);
    VOX_ERR << "expected a space after token " << token << ", got " << DescribeChar(c);
  }
  sb->sbumpc();
}

std::string PeekToken(std::istream &is, bool binary) {
  if (!binary) SkipWhitespace(is);
  std::streambuf *sb = Buffer(is);
  std::string token;
  int c = sb->sgetc();
  while (c != EOF && !IsSpace(c) && token.size() < kMaxWordLength) {
    token.push_back(static_cast<char>(c));
    c = sb->snextc();
  }
  for (size_t i = 0; i < token.size(); i++) {
    if (sb->sungetc() == EOF) {
      is.setstate(std::ios::badbit);
      VOX_ERR << "cannot put back token " << QuoteWord(token)
              << " into the stream (a pipe whose buffer was refilled): use Peek()";
    }
  }
  return token;
}

int Peek(std::istream &is, bool binary) {
  if (!binary) SkipWhitespace(is);
  int c = Buffer(is)->sgetc();
  if (c == EOF) is.setstate(std::ios::eofbit);
  return c;
}

void AppendFloat(double value, std::string *out) {
  // std::to_chars with a precision is specified to print exactly what printf("%.7g") does,
  // which is what an iostream with precision 7 prints; it is several times faster than both.
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::general, 7);
  VOX_ASSERT(res.ec == std::errc());
  out->append(buf, res.ptr);
  out->push_back(' ');
}

std::string FormatFloat(double value) {
  std::string s;
  AppendFloat(value, &s);
  s.pop_back();
  return s;
}

int64_t ReadBytes(std::istream &is, int64_t num_bytes, std::string *bytes) {
  VOX_ASSERT(num_bytes >= 0 && num_bytes <= kMaxObjectBytes);
  // Chunked so that a lying size field costs at most one chunk of memory beyond the data.
  constexpr int64_t kChunk = int64_t(64) << 20;
  bytes->clear();
  int64_t done = 0;
  while (done < num_bytes) {
    int64_t n = std::min(kChunk, num_bytes - done);
    bytes->resize(done + n);
    is.read(&(*bytes)[done], n);
    int64_t got = is.gcount();
    done += got;
    if (got < n) {
      bytes->resize(done);
      break;
    }
  }
  return done;
}

}  // namespace voxtools

// src/io/kaldi-object.cc
// Kaldi's matrix and vector objects, binary and text (the formats are in kaldi-object.h and
// ../shared/fixtures/kaldi/README.md). The binary readers move the values with one bulk read;
// the text readers scan the stream buffer character by character and parse each number with
// strtof/strtod, which round once, directly to the target type (as istream >> float does in
// Kaldi, so "1e-45" becomes the same denormal).
#include "io/kaldi-object.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "base/log.h"
#include "io/compressed-matrix.h"
#include "io/io-funcs.h"

namespace voxtools {
namespace {

template <typename Real>
struct ObjectNames;
template <>
struct ObjectNames<float> {
  static constexpr const char *kMatrix = "FM", *kVector = "FV", *kWhat = "float";
  static constexpr char kOtherStart = 'D';
  using Other = double;
};
template <>
struct ObjectNames<double> {
  static constexpr const char *kMatrix = "DM", *kVector = "DV", *kWhat = "double";
  static constexpr char kOtherStart = 'F';
  using Other = float;
};

// Up to this many bytes are read straight into the object; beyond it ReadBytes grows a buffer
// as data arrives, so a corrupt header on a short stream cannot claim gigabytes up front.
constexpr int64_t kDirectReadBytes = int64_t(64) << 20;

bool IsSpace(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// num_values is at most (2^31)^2, so it cannot overflow; the byte count could.
void CheckSize(const std::string &what, int64_t num_values, int64_t value_size) {
  if (num_values > kMaxObjectBytes / value_size)
    VOX_ERR << what << " too large (" << num_values << " values of " << value_size
            << " bytes; the limit is " << kMaxObjectBytes << " bytes): corrupt header?";
}

// Reads num_values values of Real. `resize` is called once, when it is safe to allocate (for
// a large object only after its data has arrived), and returns where the values go.
template <typename Real, typename ResizeFn>
void ReadValues(std::istream &is, int64_t num_values, const std::string &what, ResizeFn resize) {
  int64_t num_bytes = num_values * static_cast<int64_t>(sizeof(Real));
  int64_t got;
  if (num_bytes <= kDirectReadBytes) {
    Real *dst = resize();
    got = 0;
    if (num_bytes > 0) {
      is.read(reinterpret_cast<char *>(dst), num_bytes);
      got = is.gcount();
    }
  } else {
    std::string buf;
    got = ReadBytes(is, num_bytes, &buf);
    if (got == num_bytes) std::memcpy(resize(), buf.data(), num_bytes);
  }
  if (got < num_bytes)
    VOX_ERR << "truncated " << what << ", stream ended after "
            << got / static_cast<int64_t>(sizeof(Real)) << " values";
}

// Parses one text number: the characters up to whitespace, ']' or ';'. Returns false (and
// leaves the offending text in *word) if they are not a number.
template <typename Real>
bool ReadTextNumber(std::streambuf *sb, std::string *word, Real *value) {
  word->clear();
  int c = sb->sgetc();
  while (c != EOF && !IsSpace(c) && c != ']' && c != ';' && word->size() < 256) {
    word->push_back(static_cast<char>(c));
    c = sb->snextc();
  }
  if (word->empty()) return false;
  char *end = nullptr;
  if constexpr (std::is_same_v<Real, float>) {
    *value = std::strtof(word->c_str(), &end);
  } else {
    *value = std::strtod(word->c_str(), &end);
  }
  return end == word->c_str() + word->size();
}

std::string Quote(const std::string &word) {
  std::string out;
  for (size_t i = 0; i < word.size() && i < 20; i++) {
    unsigned char c = word[i];
    out += (c >= ' ' && c < 127) ? static_cast<char>(c) : '?';
  }
  if (word.size() > 20) out += "...";
  return "'" + out + "'";
}

// After ']', Kaldi's writers put a newline: eat it (or "\r\n") so the next read starts clean.
void EatEndOfLine(std::istream &is, std::streambuf *sb) {
  int c = sb->sgetc();
  if (c == '\r') c = sb->snextc();
  if (c == '\n') c = sb->snextc();
  if (c == EOF) is.setstate(std::ios::eofbit);
}

// Reads the opening "[" of a text object (or the whole "[]"). Returns false for "[]".
bool ReadOpenBracket(std::istream &is, const char *what) {
  std::streambuf *sb = is.rdbuf();
  if (sb == nullptr || is.fail()) VOX_ERR << "read from a stream that is in an error state";
  int c = sb->sgetc();
  while (c != EOF && IsSpace(c)) c = sb->snextc();
  if (c != '[') {
    std::string word;
    while (c != EOF && !IsSpace(c) && word.size() < 21) {
      word.push_back(static_cast<char>(c));
      c = sb->snextc();
    }
    if (c == EOF) is.setstate(std::ios::eofbit);
    VOX_ERR << "expected '[' at the start of a text " << what << ", got "
            << (word.empty() ? std::string("end of stream") : Quote(word));
  }
  // Kaldi wants "[" as a word of its own; "[1 2]" is accepted here too (no ambiguity).
  c = sb->snextc();
  if (c == ']') {  // "[]", which Kaldi tolerates.
    sb->sbumpc();
    EatEndOfLine(is, sb);
    return false;
  }
  return true;
}

template <typename Real>
void ReadTextMatrix(std::istream &is, Matrix<Real> *m) {
  if (!ReadOpenBracket(is, "matrix")) {
    m->Resize(0, 0);
    return;
  }
  std::streambuf *sb = is.rdbuf();
  std::vector<Real> values;
  int64_t num_cols = -1, num_rows = 0, row_len = 0;
  std::string word;
  auto end_row = [&]() {
    if (row_len == 0) return;  // blank lines and "; ;" are not rows
    if (num_cols < 0) {
      num_cols = row_len;
    } else if (row_len != num_cols) {
      VOX_ERR << "text matrix has rows of different lengths: row 0 has " << num_cols
              << " values, row " << num_rows << " has " << row_len;
    }
    num_rows++;
    row_len = 0;
  };
  while (true) {
    int c = sb->sgetc();
    if (c == EOF) {
      is.setstate(std::ios::eofbit);
      VOX_ERR << "truncated text matrix: stream ended after " << values.size()
              << " values, before ']'";
    } else if (c == ']') {
      sb->sbumpc();
      EatEndOfLine(is, sb);
      end_row();
      break;
    } else if (c == '\n' || c == ';') {
      sb->sbumpc();
      end_row();
    } else if (IsSpace(c)) {
      sb->sbumpc();
    } else {
      Real v;
      if (!ReadTextNumber(sb, &word, &v))
        VOX_ERR << "expected a number in text matrix at row " << num_rows << ", column " << row_len
                << ", got " << Quote(word);
      if (!std::isfinite(v))
        VOX_ERR << "text matrix has a non-finite value " << Quote(word) << " at row " << num_rows
                << ", column " << row_len;
      values.push_back(v);
      row_len++;
    }
  }
  if (num_rows == 0) {
    m->Resize(0, 0);
    return;
  }
  m->Resize(num_rows, num_cols);
  std::memcpy(m->Data(), values.data(), values.size() * sizeof(Real));
}

template <typename Real>
void ReadTextVector(std::istream &is, Vector<Real> *v) {
  if (!ReadOpenBracket(is, "vector")) {
    v->Resize(0);
    return;
  }
  std::streambuf *sb = is.rdbuf();
  std::vector<Real> values;
  std::string word;
  while (true) {
    int c = sb->sgetc();
    if (c == EOF) {
      is.setstate(std::ios::eofbit);
      VOX_ERR << "truncated text vector: stream ended after " << values.size()
              << " values, before ']'";
    } else if (c == ']') {
      sb->sbumpc();
      EatEndOfLine(is, sb);
      break;
    } else if (c == '\n' || c == '\r') {
      VOX_ERR << "newline inside a text vector after " << values.size()
              << " values (is it a matrix?)";
    } else if (IsSpace(c)) {
      sb->sbumpc();
    } else {
      Real x;
      if (!ReadTextNumber(sb, &word, &x))
        VOX_ERR << "expected a number in text vector at index " << values.size() << ", got "
                << Quote(word);
      if (!std::isfinite(x))
        VOX_ERR << "text vector has a non-finite value " << Quote(word) << " at index "
                << values.size();
      values.push_back(x);
    }
  }
  v->Resize(static_cast<int64_t>(values.size()));
  if (!values.empty()) std::memcpy(v->Data(), values.data(), values.size() * sizeof(Real));
}

void CheckWrite(std::ostream &os, const char *what) {
  if (os.fail()) VOX_ERR << "write error while writing a " << what;
}

int32_t CheckedInt32(int64_t n, const char *what) {
  if (n > std::numeric_limits<int32_t>::max())
    VOX_ERR << what << " dimension " << n << " does not fit Kaldi's int32 format";
  return static_cast<int32_t>(n);
}

}  // namespace

template <typename Real>
void WriteMatrix(std::ostream &os, bool binary, const Matrix<Real> &m) {
  if (binary) {
    WriteToken(os, binary, ObjectNames<Real>::kMatrix);
    WriteBasicType<int32_t>(os, binary, CheckedInt32(m.NumRows(), "matrix"));
    WriteBasicType<int32_t>(os, binary, CheckedInt32(m.NumCols(), "matrix"));
    if (m.NumElements() > 0)
      os.write(reinterpret_cast<const char *>(m.Data()),
               m.NumElements() * static_cast<int64_t>(sizeof(Real)));
  } else if (m.NumElements() == 0) {
    os << " [ ]\n";
  } else {
    // One row at a time: bounded memory, and one stream call per row instead of per value.
    std::string line = " [";
    for (int64_t r = 0; r < m.NumRows(); r++) {
      line += "\n  ";
      const Real *row = m.Row(r);
      for (int64_t c = 0; c < m.NumCols(); c++) AppendFloat(row[c], &line);
      if (r + 1 == m.NumRows()) line += "]\n";
      os.write(line.data(), line.size());
      line.clear();
    }
  }
  CheckWrite(os, "matrix");
}

template <typename Real>
void ReadMatrix(std::istream &is, bool binary, Matrix<Real> *m) {
  using Names = ObjectNames<Real>;
  if (!binary) {
    ReadTextMatrix(is, m);
    return;
  }
  int c = Peek(is, binary);
  if (c == 'C') {  // compressed: decompress into float, as Kaldi's Matrix::Read does
    CompressedMatrix cm;
    cm.Read(is, binary);
    if constexpr (std::is_same_v<Real, float>) {
      cm.CopyToMatrix(m);
    } else {
      Matrix<float> tmp;
      cm.CopyToMatrix(&tmp);
      m->CopyFrom(tmp);
    }
    return;
  }
  if (c == Names::kOtherStart) {  // DM read as float, or FM as double: converted
    Matrix<typename Names::Other> tmp;
    ReadMatrix(is, binary, &tmp);
    m->CopyFrom(tmp);
    return;
  }
  std::string token;
  ReadToken(is, binary, &token);
  if (token != Names::kMatrix)
    VOX_ERR << "expected token " << Names::kMatrix << " (or DM, CM, CM2, CM3), got "
            << Quote(token);
  int32_t rows, cols;
  ReadBasicType(is, binary, &rows);
  ReadBasicType(is, binary, &cols);
  std::string what = std::string(Names::kWhat) + " matrix";
  if (rows < 0 || cols < 0) VOX_ERR << "bad " << what << " dimensions " << rows << " x " << cols;
  CheckSize(what + " of " + std::to_string(rows) + " x " + std::to_string(cols),
            static_cast<int64_t>(rows) * cols, sizeof(Real));
  what += ": expected " + std::to_string(rows) + " x " + std::to_string(cols) + " values";
  ReadValues<Real>(is, static_cast<int64_t>(rows) * cols, what, [&]() {
    m->Resize(rows, cols);
    return m->Data();
  });
}

template <typename Real>
void WriteVector(std::ostream &os, bool binary, const Vector<Real> &v) {
  if (binary) {
    WriteToken(os, binary, ObjectNames<Real>::kVector);
    WriteBasicType<int32_t>(os, binary, CheckedInt32(v.Dim(), "vector"));
    if (v.Dim() > 0)
      os.write(reinterpret_cast<const char *>(v.Data()),
               v.Dim() * static_cast<int64_t>(sizeof(Real)));
  } else {
    std::string line = " [ ";
    for (int64_t i = 0; i < v.Dim(); i++) AppendFloat(v(i), &line);
    line += "]\n";
    os.write(line.data(), line.size());
  }
  CheckWrite(os, "vector");
}

template <typename Real>
void ReadVector(std::istream &is, bool binary, Vector<Real> *v) {
  using Names = ObjectNames<Real>;
  if (!binary) {
    ReadTextVector(is, v);
    return;
  }
  if (Peek(is, binary) == Names::kOtherStart) {
    Vector<typename Names::Other> tmp;
    ReadVector(is, binary, &tmp);
    v->CopyFrom(tmp);
    return;
  }
  std::string token;
  ReadToken(is, binary, &token);
  if (token != Names::kVector)
    VOX_ERR << "expected token " << Names::kVector << " (or "
            << ObjectNames<typename Names::Other>::kVector << "), got " << Quote(token);
  int32_t dim;
  ReadBasicType(is, binary, &dim);
  std::string what = std::string(Names::kWhat) + " vector";
  if (dim < 0) VOX_ERR << "bad " << what << " dimension " << dim;
  CheckSize(what + " of dimension " + std::to_string(dim), dim, sizeof(Real));
  what += ": expected " + std::to_string(dim) + " values";
  ReadValues<Real>(is, dim, what, [&]() {
    v->Resize(dim);
    return v->Data();
  });
}

template void WriteMatrix<float>(std::ostream &, bool, const Matrix<float> &);
template void WriteMatrix<double>(std::ostream &, bool, const Matrix<double> &);
template void ReadMatrix<float>(std::istream &, bool, Matrix<float> *);
template void ReadMatrix<double>(std::istream &, bool, Matrix<double> *);
template void WriteVector<float>(std::ostream &, bool, const Vector<float> &);
template void WriteVector<double>(std::ostream &, bool, const Vector<double> &);
template void ReadVector<float>(std::istream &, bool, Vector<float> *);
template void ReadVector<double>(std::istream &, bool, Vector<double> *);

}  // namespace voxtools

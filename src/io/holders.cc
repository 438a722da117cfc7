// src/io/holders.cc
#include "io/holders.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "base/log.h"
#include "base/text-utils.h"
#include "io/h5-file.h"
#include "io/io-funcs.h"
#include "io/kaldi-object.h"
#include "io/table-spec.h"
#include "io/wave-h5.h"

namespace voxtools {

namespace {

// After an object reader returns: a stream that failed means the object ended early.
void CheckNotTruncated(const std::istream &is, const char *what) {
  if (is.fail()) VOX_ERR << "unexpected end of input while reading a " << what;
}

[[noreturn]] void NoRange(const char *type_name, const std::string &range) {
  VOX_ERR << "an scp range [" << range << "] applies to matrices only, not to a " << type_name;
  throw Error("unreachable");  // VOX_ERR always throws
}

[[noreturn]] void NoH5(const char *type_name) {
  VOX_ERR << "tables of " << type_name << " objects have no HDF5 form";
  throw Error("unreachable");
}

std::string ShapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); i++) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Text mode: the rest of the line after a value must be blank; consumes the newline.
void ExpectEndOfLine(std::istream &is, const char *what) {
  int c;
  while ((c = is.get()) != EOF && c != '\n') {
    if (!std::isspace(c))
      VOX_ERR << "unexpected text after a " << what << " (starting with '"
              << static_cast<char>(c) << "')";
  }
}

// Reads a matrix, a compressed one included, as Matrix<float> or Matrix<double>. If the
// object is compressed and `range` is given, only that block is decompressed.
template <typename Real>
void ReadAnyMatrix(std::istream &is, const std::string *range, Matrix<Real> *m) {
  bool binary;
  ReadBinaryMarker(is, &binary);
  if (IsCompressedMatrixNext(is, binary)) {
    CompressedMatrix cm;
    cm.Read(is, binary);
    CheckNotTruncated(is, "compressed matrix");
    Matrix<float> f;
    if (range) {
      MatrixRange r = ResolveMatrixRange(*range, cm.NumRows(), cm.NumCols());
      cm.CopyToMatrix(r.row_begin, r.num_rows, r.col_begin, r.num_cols, &f);
    } else {
      cm.CopyToMatrix(&f);
    }
    m->CopyFrom(f);
    return;
  }
  ReadMatrix(is, binary, m);
  CheckNotTruncated(is, "matrix");
  if (range) {
    MatrixRange r = ResolveMatrixRange(*range, m->NumRows(), m->NumCols());
    *m = m->Range(r.row_begin, r.num_rows, r.col_begin, r.num_cols);
  }
}

}  // namespace

// ---------------------------------------------------------------- matrices
template <> const char *KaldiMatrixHolder<float>::TypeName() { return "float matrix"; }
template <> const char *KaldiMatrixHolder<double>::TypeName() { return "double matrix"; }

template <typename Real>
void KaldiMatrixHolder<Real>::Write(std::ostream &os, bool binary, const T &t) {
  WriteBinaryMarker(os, binary);
  WriteMatrix(os, binary, t);
}

template <typename Real>
void KaldiMatrixHolder<Real>::Read(std::istream &is) {
  ReadAnyMatrix(is, nullptr, &t_);
}

template <typename Real>
void KaldiMatrixHolder<Real>::ReadRange(std::istream &is, const std::string &range) {
  ReadAnyMatrix(is, &range, &t_);
}

template <typename Real>
void KaldiMatrixHolder<Real>::WriteH5(H5File *file, const std::string &key, const T &t) {
  file->Write(key, {t.NumRows(), t.NumCols()}, t.Data());
}

template <typename Real>
void KaldiMatrixHolder<Real>::ReadH5(const H5File &file, const std::string &key) {
  std::vector<int64_t> shape;
  std::vector<Real> data;
  file.Read(key, &shape, &data);
  if (shape.size() != 2)
    VOX_ERR << "dataset " << key << " has shape " << ShapeString(shape)
            << ", expected a 2-D matrix [rows, cols]";
  t_.Resize(shape[0], shape[1]);
  if (t_.NumElements() > 0) std::copy(data.begin(), data.end(), t_.Data());
}

template class KaldiMatrixHolder<float>;
template class KaldiMatrixHolder<double>;

// ---------------------------------------------------------------- vectors
template <> const char *KaldiVectorHolder<float>::TypeName() { return "float vector"; }
template <> const char *KaldiVectorHolder<double>::TypeName() { return "double vector"; }

template <typename Real>
void KaldiVectorHolder<Real>::Write(std::ostream &os, bool binary, const T &t) {
  WriteBinaryMarker(os, binary);
  WriteVector(os, binary, t);
}

template <typename Real>
void KaldiVectorHolder<Real>::Read(std::istream &is) {
  bool binary;
  ReadBinaryMarker(is, &binary);
  ReadVector(is, binary, &t_);
  CheckNotTruncated(is, "vector");
}

template <typename Real>
void KaldiVectorHolder<Real>::ReadRange(std::istream &, const std::string &range) {
  NoRange(TypeName(), range);
}

template <typename Real>
void KaldiVectorHolder<Real>::WriteH5(H5File *file, const std::string &key, const T &t) {
  file->Write(key, {t.Dim()}, t.Data());
}

template <typename Real>
void KaldiVectorHolder<Real>::ReadH5(const H5File &file, const std::string &key) {
  std::vector<int64_t> shape;
  std::vector<Real> data;
  file.Read(key, &shape, &data);
  if (shape.size() != 1)
    VOX_ERR << "dataset " << key << " has shape " << ShapeString(shape)
            << ", expected a 1-D vector";
  t_.Resize(shape[0]);
  if (t_.Dim() > 0) std::copy(data.begin(), data.end(), t_.Data());
}

template class KaldiVectorHolder<float>;
template class KaldiVectorHolder<double>;

// ---------------------------------------------------------------- compressed matrices
void CompressedMatrixHolder::Write(std::ostream &os, bool binary, const T &t) {
  WriteBinaryMarker(os, binary);
  t.Write(os, binary);
}

void CompressedMatrixHolder::Read(std::istream &is) {
  bool binary;
  ReadBinaryMarker(is, &binary);
  if (IsCompressedMatrixNext(is, binary)) {
    t_.Read(is, binary);
    CheckNotTruncated(is, "compressed matrix");
  } else {
    // An uncompressed matrix read as compressed is compressed the way Kaldi does.
    Matrix<float> m;
    ReadMatrix(is, binary, &m);
    CheckNotTruncated(is, "matrix");
    t_ = CompressedMatrix(m, CompressionMethod::kAutomatic);
  }
}

void CompressedMatrixHolder::ReadRange(std::istream &, const std::string &range) {
  NoRange(TypeName(), range);
}

void CompressedMatrixHolder::WriteH5(H5File *file, const std::string &key, const T &t) {
  Matrix<float> m;
  t.CopyToMatrix(&m);
  FloatMatrixHolder::WriteH5(file, key, m);
}

void CompressedMatrixHolder::ReadH5(const H5File &file, const std::string &key) {
  FloatMatrixHolder h;
  h.ReadH5(file, key);
  t_ = CompressedMatrix(h.Value(), CompressionMethod::kAutomatic);
}

// ---------------------------------------------------------------- basic types
template <> const char *BasicHolder<int32_t>::TypeName() { return "int32"; }
template <> const char *BasicHolder<float>::TypeName() { return "float"; }
template <> const char *BasicHolder<double>::TypeName() { return "double"; }

template <typename Basic>
void BasicHolder<Basic>::Write(std::ostream &os, bool binary, const T &t) {
  WriteBinaryMarker(os, binary);
  WriteBasicType(os, binary, t);
  if (!binary) os << '\n';
}

template <typename Basic>
void BasicHolder<Basic>::Read(std::istream &is) {
  bool binary;
  ReadBinaryMarker(is, &binary);
  ReadBasicType(is, binary, &t_);
  CheckNotTruncated(is, TypeName());
  if (!binary) ExpectEndOfLine(is, TypeName());
}

template <typename Basic>
void BasicHolder<Basic>::ReadRange(std::istream &, const std::string &range) {
  NoRange(TypeName(), range);
}

template <typename Basic>
void BasicHolder<Basic>::WriteH5(H5File *file, const std::string &key, const T &t) {
  file->Write(key, {}, &t);
}

template <typename Basic>
void BasicHolder<Basic>::ReadH5(const H5File &file, const std::string &key) {
  std::vector<int64_t> shape;
  std::vector<T> data;
  file.Read(key, &shape, &data);
  if (data.size() != 1 || shape.size() > 1)
    VOX_ERR << "dataset " << key << " has shape " << ShapeString(shape) << ", expected a scalar";
  t_ = data[0];
}

template class BasicHolder<int32_t>;
template class BasicHolder<float>;
template class BasicHolder<double>;

// ---------------------------------------------------------------- int32 vectors
void Int32VectorHolder::Write(std::ostream &os, bool binary, const T &t) {
  WriteBinaryMarker(os, binary);
  if (binary) {
    WriteBasicType<int32_t>(os, true, static_cast<int32_t>(t.size()));
    for (int32_t v : t) WriteBasicType(os, true, v);
  } else {
    for (int32_t v : t) WriteBasicType(os, false, v);
    os << '\n';
  }
}

void Int32VectorHolder::Read(std::istream &is) {
  bool binary;
  ReadBinaryMarker(is, &binary);
  t_.clear();
  if (binary) {
    int32_t size;
    ReadBasicType(is, true, &size);
    CheckNotTruncated(is, "int32 vector");
    if (size < 0) VOX_ERR << "negative int32 vector size " << size;
    // Grow as we read, so a corrupt size cannot make us allocate gigabytes up front.
    for (int32_t i = 0; i < size; i++) {
      int32_t v;
      ReadBasicType(is, true, &v);
      CheckNotTruncated(is, "int32 vector");
      t_.push_back(v);
    }
  } else {
    std::string line;
    std::getline(is, line);
    for (const std::string &w : SplitString(line, " \t\r", true)) {
      int32_t v;
      if (!ConvertToInt32(w, &v)) VOX_ERR << "bad integer '" << w << "' in an int32 vector";
      t_.push_back(v);
    }
  }
}

void Int32VectorHolder::ReadRange(std::istream &, const std::string &range) {
  NoRange(TypeName(), range);
}

void Int32VectorHolder::WriteH5(H5File *file, const std::string &key, const T &t) {
  file->Write(key, {static_cast<int64_t>(t.size())}, t.data());
}

void Int32VectorHolder::ReadH5(const H5File &file, const std::string &key) {
  std::vector<int64_t> shape;
  file.Read(key, &shape, &t_);
  if (shape.size() != 1)
    VOX_ERR << "dataset " << key << " has shape " << ShapeString(shape)
            << ", expected a 1-D int32 vector";
}

// ---------------------------------------------------------------- tokens
void TokenHolder::Write(std::ostream &os, bool, const T &t) {
  if (!IsToken(t)) VOX_ERR << "invalid token '" << t << "' (empty or contains whitespace)";
  os << t << '\n';
}

void TokenHolder::Read(std::istream &is) {
  t_.clear();
  int c;
  while ((c = is.peek()) == ' ' || c == '\t') is.get();
  while ((c = is.get()) != EOF && !std::isspace(c)) t_.push_back(static_cast<char>(c));
  if (t_.empty()) VOX_ERR << "expected a token, found " << (c == EOF ? "end of file" : "a blank");
  if (c != '\n' && c != EOF) ExpectEndOfLine(is, "token");
}

void TokenHolder::ReadRange(std::istream &, const std::string &range) {
  NoRange(TypeName(), range);
}
void TokenHolder::WriteH5(H5File *, const std::string &, const T &) { NoH5(TypeName()); }
void TokenHolder::ReadH5(const H5File &, const std::string &) { NoH5(TypeName()); }

// ---------------------------------------------------------------- waves
void WaveHolder::Write(std::ostream &os, bool binary, const T &t) {
  if (!binary) VOX_ERR << "wave objects have no text form (use a binary archive, without 't')";
  t.Write(os);
}

void WaveHolder::Read(std::istream &is) { t_.Read(is); }

void WaveHolder::ReadRange(std::istream &, const std::string &range) {
  NoRange(TypeName(), range);
}

void WaveHolder::WriteH5(H5File *file, const std::string &key, const T &t) {
  // As WaveData::Write does for a RIFF entry: clipping is never silent.
  const int64_t clipped = WriteH5Wave(file, key, t, WaveSampleFormat::kInt16);
  if (clipped > 0)
    VOX_WARN << key << ": clipped " << clipped << " of " << t.Data().NumElements()
             << " samples to the 16-bit range";
}

void WaveHolder::ReadH5(const H5File &file, const std::string &key) {
  try {
    t_ = ReadH5Wave(file, key);
  } catch (const Error &e) {
    VOX_ERR << "dataset " << key << ": " << e.reason();
  }
}

}  // namespace voxtools

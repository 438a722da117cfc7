// src/io/compressed-matrix.h
// Kaldi's compressed matrix ("CM", "CM2", "CM3"), byte for byte as Kaldi's
// CompressedMatrix: a global header (min, range, rows, cols) and then, for "CM", per-column
// percentile headers with one byte per value, or for "CM2"/"CM3" two/one byte(s) per value
// on a linear scale. Methods 1..7 as Kaldi's --compression-method (1 automatic, 2 speech
// feature, 3 two-byte auto, 4 two-byte signed integer, 5 one-byte auto, 6 one-byte unsigned
// integer, 7 one-byte zero-one). Decompression is bit-exact with Kaldi's.
#ifndef VOXTOOLS_IO_COMPRESSED_MATRIX_H_
#define VOXTOOLS_IO_COMPRESSED_MATRIX_H_

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "matrix/matrix.h"

namespace voxtools {

enum class CompressionMethod {
  kAutomatic = 1,
  kSpeechFeature = 2,
  kTwoByteAuto = 3,
  kTwoByteSignedInteger = 4,
  kOneByteAuto = 5,
  kOneByteUnsignedInteger = 6,
  kOneByteZeroOne = 7,
};

class CompressedMatrix {
 public:
  CompressedMatrix() = default;
  // Compresses m. An empty matrix compresses to an empty CompressedMatrix (written as a
  // well-defined header: Kaldi writes uninitialised bytes there, which we do not copy).
  CompressedMatrix(const Matrix<float> &m, CompressionMethod method);

  int32_t NumRows() const;
  int32_t NumCols() const;
  void CopyToMatrix(Matrix<float> *m) const;
  // Decompresses rows [row_begin, row_begin+num_rows) x cols [col_begin, col_begin+num_cols).
  void CopyToMatrix(int32_t row_begin, int32_t num_rows, int32_t col_begin, int32_t num_cols,
                    Matrix<float> *m) const;

  // Binary mode writes the compressed bytes (token + headers + data). Text mode writes the
  // decompressed matrix as text, as Kaldi does.
  void Write(std::ostream &os, bool binary) const;
  // Reads starting at the token ("CM"/"CM2"/"CM3"). In text mode reads a text matrix and
  // compresses it with kAutomatic (as Kaldi).
  // Anything else where the token should be (FM/DM) is read as a plain matrix and compressed
  // with kAutomatic, as Kaldi does. Throws Error on a bad token, bad dimensions or truncation.
  void Read(std::istream &is, bool binary);

  // The storage format: 1 "CM" (per-column headers), 2 "CM2", 3 "CM3"; 0 when empty.
  int32_t Format() const { return format_; }

 private:
  // Kaldi's GlobalHeader without its format field (which is stored as the token): the 16
  // bytes that follow the token on disk, little-endian.
  struct GlobalHeader {
    float min_value = 0.0f;
    float range = 0.0f;
    int32_t num_rows = 0;
    int32_t num_cols = 0;
  };
  // Bytes after the global header for a format and shape: per-column headers (4 x uint16
  // each) plus one byte per value, column-major, for CM; row-major uint16 (CM2) or uint8
  // (CM3) values otherwise.
  static int64_t DataBytes(int32_t format, int64_t num_rows, int64_t num_cols);

  int32_t format_ = 0;
  GlobalHeader header_;
  std::string bytes_;  // everything after the global header, exactly as stored
};

// Peeks at the next token: true if the stream holds a compressed matrix ("CM", "CM2", "CM3").
bool IsCompressedMatrixNext(std::istream &is, bool binary);

}  // namespace voxtools

#endif  // VOXTOOLS_IO_COMPRESSED_MATRIX_H_

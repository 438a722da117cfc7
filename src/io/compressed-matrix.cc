// src/io/compressed-matrix.cc
// Kaldi's CompressedMatrix (kaldi-asr/kaldi src/matrix/compressed-matrix.cc), reimplemented
// from its documented format and arithmetic so that compression is byte-identical and
// decompression bit-exact:
//   - a global header (min_value, range, num_rows, num_cols); the format is the token;
//   - CM: per column four uint16 "percentiles" (0, 25, 75, 100) on the global linear scale,
//     then one byte per value, column-major, mapping [p0,p25) to 0..64, [p25,p75) to 64..192
//     and [p75,p100] to 192..255;
//   - CM2/CM3: row-major uint16/uint8 on the global linear scale.
// Every expression below keeps Kaldi's mix of float and double arithmetic (a float times an
// int is float; adding a double literal makes it double), because the bytes depend on it.
#include "io/compressed-matrix.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "base/log.h"
#include "io/io-funcs.h"
#include "io/kaldi-object.h"

// A fused multiply-add rounds once where Kaldi (built without FMA) rounds twice, which would
// change bytes; keep the compiler from contracting (GCC with -std=gnu++ or clang would).
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace voxtools {
namespace {

constexpr int32_t kFormatColHeaders = 1;  // "CM"
constexpr int32_t kFormatTwoByte = 2;     // "CM2"
constexpr int32_t kFormatOneByte = 3;     // "CM3"

struct PerColHeader {
  uint16_t p0, p25, p75, p100;
};
static_assert(sizeof(PerColHeader) == 8, "PerColHeader is 8 bytes on disk");

// float -> int conversion as x86 does it (cvttss2si): out-of-range and NaN give INT_MIN, which
// the callers then clamp. A plain cast would be undefined behaviour there.
int TruncToInt(double x) {
  if (!(x > -2147483649.0 && x < 2147483648.0)) return std::numeric_limits<int>::min();
  return static_cast<int>(x);
}

// The value's position on the global scale, in [0, 1].
float GlobalFraction(float min_value, float range, float value) {
  float f = (value - min_value) / range;
  if (f > 1.0f) f = 1.0f;
  if (f < 0.0f) f = 0.0f;
  return f;
}

uint16_t FloatToUint16(float min_value, float range, float value) {
  float scaled = GlobalFraction(min_value, range, value) * 65535.0f;
  return static_cast<uint16_t>(TruncToInt(static_cast<double>(scaled) + 0.499));
}

uint8_t FloatToUint8(float min_value, float range, float value) {
  float scaled = GlobalFraction(min_value, range, value) * 255.0f;
  return static_cast<uint8_t>(TruncToInt(static_cast<double>(scaled) + 0.499));
}

float Uint16ToFloat(float min_value, float range, uint16_t value) {
  // The constant is 1/65535 as Kaldi writes it, rounded to float.
  float step = range * 1.52590218966964e-05f;
  float offset = step * static_cast<float>(value);
  return min_value + offset;
}

// One value of a CM column: which of the three segments it falls in, then linear within it.
uint8_t FloatToChar(float p0, float p25, float p75, float p100, float value) {
  int ans;
  if (value < p25) {
    float f = (value - p0) / (p25 - p0);
    float scaled = f * 64.0f;
    ans = TruncToInt(static_cast<double>(scaled) + 0.5);
    ans = std::clamp(ans, 0, 64);
  } else if (value < p75) {
    float f = (value - p25) / (p75 - p25);
    float scaled = f * 128.0f;
    ans = 64 + TruncToInt(static_cast<double>(scaled) + 0.5);
    ans = std::clamp(ans, 64, 192);
  } else {
    float f = (value - p75) / (p100 - p75);
    float scaled = f * 63.0f;
    ans = 192 + TruncToInt(static_cast<double>(scaled) + 0.5);
    ans = std::clamp(ans, 192, 255);
  }
  return static_cast<uint8_t>(ans);
}

float CharToFloat(float p0, float p25, float p75, float p100, uint8_t value) {
  if (value <= 64) {
    float span = (p25 - p0) * static_cast<float>(value);
    double offset = static_cast<double>(span) * (1 / 64.0);
    return static_cast<float>(p0 + offset);
  } else if (value <= 192) {
    float span = (p75 - p25) * static_cast<float>(value - 64);
    double offset = static_cast<double>(span) * (1 / 128.0);
    return static_cast<float>(p25 + offset);
  } else {
    float span = (p100 - p75) * static_cast<float>(value - 192);
    double offset = static_cast<double>(span) * (1 / 63.0);
    return static_cast<float>(p75 + offset);
  }
}

// The four percentiles of one column, as uint16 on the global scale, forced strictly
// increasing (so no segment has zero width) and within 0..65535. `col` is scratch (reordered).
PerColHeader ComputeColHeader(float min_value, float range, std::vector<float> *col) {
  std::vector<float> &s = *col;
  const int n = static_cast<int>(s.size());
  auto to_u16 = [&](float v) { return FloatToUint16(min_value, range, v); };
  auto at_least = [](int value, int lower) {
    return static_cast<uint16_t>(std::max(value, lower));
  };
  PerColHeader h;
  if (n >= 5) {
    // Only the order statistics at 0, n/4, 3(n/4) and n-1 are needed; which one each is does
    // not depend on how the selection is done.
    int q = n / 4;
    std::nth_element(s.begin(), s.begin() + q, s.end());
    std::nth_element(s.begin(), s.begin(), s.begin() + q);
    std::nth_element(s.begin() + q + 1, s.begin() + 3 * q, s.end());
    std::nth_element(s.begin() + 3 * q + 1, s.end() - 1, s.end());
    h.p0 = std::min<int>(to_u16(s[0]), 65532);
    h.p25 = std::min<int>(at_least(to_u16(s[q]), h.p0 + 1), 65533);
    h.p75 = std::min<int>(at_least(to_u16(s[3 * q]), h.p25 + 1), 65534);
    h.p100 = at_least(to_u16(s[n - 1]), h.p75 + 1);
  } else {
    // Few rows: the sorted values themselves, as many as there are.
    std::sort(s.begin(), s.end());
    h.p0 = std::min<int>(to_u16(s[0]), 65532);
    h.p25 = n > 1 ? std::min<int>(at_least(to_u16(s[1]), h.p0 + 1), 65533) : h.p0 + 1;
    h.p75 = n > 2 ? std::min<int>(at_least(to_u16(s[2]), h.p25 + 1), 65534) : h.p25 + 1;
    h.p100 = n > 3 ? at_least(to_u16(s[3]), h.p75 + 1) : h.p75 + 1;
  }
  return h;
}

const char *FormatToken(int32_t format) {
  switch (format) {
    case kFormatTwoByte:
      return "CM2";
    case kFormatOneByte:
      return "CM3";
    default:
      return "CM";
  }
}

}  // namespace

int64_t CompressedMatrix::DataBytes(int32_t format, int64_t num_rows, int64_t num_cols) {
  switch (format) {
    case kFormatColHeaders:
      return num_cols * (static_cast<int64_t>(sizeof(PerColHeader)) + num_rows);
    case kFormatTwoByte:
      return 2 * num_rows * num_cols;
    default:
      return num_rows * num_cols;
  }
}

CompressedMatrix::CompressedMatrix(const Matrix<float> &m, CompressionMethod method) {
  if (m.NumElements() == 0) return;
  if (m.NumRows() > std::numeric_limits<int32_t>::max() ||
      m.NumCols() > std::numeric_limits<int32_t>::max())
    VOX_ERR << "cannot compress a " << m.NumRows() << " x " << m.NumCols()
            << " matrix: dimensions must fit in int32";
  const int32_t num_rows = static_cast<int32_t>(m.NumRows());
  const int32_t num_cols = static_cast<int32_t>(m.NumCols());
  const float *data = m.Data();
  const int64_t n = m.NumElements();

  if (method == CompressionMethod::kAutomatic)
    method = num_rows > 8 ? CompressionMethod::kSpeechFeature : CompressionMethod::kTwoByteAuto;
  float min_value = 0.0f, range = 0.0f;
  switch (method) {
    case CompressionMethod::kSpeechFeature:
    case CompressionMethod::kTwoByteAuto:
    case CompressionMethod::kOneByteAuto: {
      float lo = data[0], hi = data[0];
      for (int64_t i = 0; i < n; i++) {
        if (!std::isfinite(data[i]))
          VOX_ERR << "cannot compress a matrix with NaN or Inf (at row " << i / num_cols
                  << ", column " << i % num_cols << ")";
        lo = std::min(lo, data[i]);
        hi = std::max(hi, data[i]);
      }
      // A constant matrix still needs a positive range (Kaldi's choice of how much).
      if (hi == lo) hi = static_cast<float>(lo + (1.0 + std::fabs(static_cast<double>(lo))));
      min_value = lo;
      range = hi - lo;
      if (!(range > 0.0f) || !std::isfinite(range))
        VOX_ERR << "cannot compress a matrix whose values span [" << lo << ", " << hi
                << "]: the range does not fit in a float";
      break;
    }
    case CompressionMethod::kTwoByteSignedInteger:
      min_value = -32768.0f;
      range = 65535.0f;
      break;
    case CompressionMethod::kOneByteUnsignedInteger:
      min_value = 0.0f;
      range = 255.0f;
      break;
    case CompressionMethod::kOneByteZeroOne:
      min_value = 0.0f;
      range = 1.0f;
      break;
    default:
      VOX_ERR << "invalid compression method " << static_cast<int>(method) << " (valid: 1 to 7)";
  }
  if (method == CompressionMethod::kTwoByteSignedInteger ||
      method == CompressionMethod::kOneByteUnsignedInteger ||
      method == CompressionMethod::kOneByteZeroOne) {
    // Inf clamps to the ends of the fixed scale (as in Kaldi); NaN has no place on it.
    for (int64_t i = 0; i < n; i++)
      if (std::isnan(data[i]))
        VOX_ERR << "cannot compress a matrix with NaN (at row " << i / num_cols << ", column "
                << i % num_cols << ")";
  }

  switch (method) {
    case CompressionMethod::kSpeechFeature:
      format_ = kFormatColHeaders;
      break;
    case CompressionMethod::kTwoByteAuto:
    case CompressionMethod::kTwoByteSignedInteger:
      format_ = kFormatTwoByte;
      break;
    default:
      format_ = kFormatOneByte;
      break;
  }
  header_.min_value = min_value;
  header_.range = range;
  header_.num_rows = num_rows;
  header_.num_cols = num_cols;
  bytes_.assign(DataBytes(format_, num_rows, num_cols), '\0');

  if (format_ == kFormatColHeaders) {
    char *col_headers = &bytes_[0];
    uint8_t *values = reinterpret_cast<uint8_t *>(col_headers) + num_cols * sizeof(PerColHeader);
    std::vector<float> col(num_rows);
    for (int32_t c = 0; c < num_cols; c++) {
      for (int32_t r = 0; r < num_rows; r++) col[r] = data[static_cast<int64_t>(r) * num_cols + c];
      PerColHeader h = ComputeColHeader(min_value, range, &col);
      std::memcpy(col_headers + c * sizeof(PerColHeader), &h, sizeof(h));
      float p0 = Uint16ToFloat(min_value, range, h.p0),
            p25 = Uint16ToFloat(min_value, range, h.p25),
            p75 = Uint16ToFloat(min_value, range, h.p75),
            p100 = Uint16ToFloat(min_value, range, h.p100);
      uint8_t *out = values + static_cast<int64_t>(c) * num_rows;
      for (int32_t r = 0; r < num_rows; r++)
        out[r] = FloatToChar(p0, p25, p75, p100, data[static_cast<int64_t>(r) * num_cols + c]);
    }
  } else if (format_ == kFormatTwoByte) {
    for (int64_t i = 0; i < n; i++) {
      uint16_t v = FloatToUint16(min_value, range, data[i]);
      std::memcpy(&bytes_[2 * i], &v, 2);
    }
  } else {
    uint8_t *out = reinterpret_cast<uint8_t *>(&bytes_[0]);
    for (int64_t i = 0; i < n; i++) out[i] = FloatToUint8(min_value, range, data[i]);
  }
}

int32_t CompressedMatrix::NumRows() const { return header_.num_rows; }
int32_t CompressedMatrix::NumCols() const { return header_.num_cols; }

void CompressedMatrix::CopyToMatrix(Matrix<float> *m) const {
  CopyToMatrix(0, NumRows(), 0, NumCols(), m);
}

void CompressedMatrix::CopyToMatrix(int32_t row_begin, int32_t num_rows, int32_t col_begin,
                                    int32_t num_cols, Matrix<float> *m) const {
  const int64_t all_rows = NumRows(), all_cols = NumCols();
  if (row_begin < 0 || num_rows < 0 || row_begin + static_cast<int64_t>(num_rows) > all_rows ||
      col_begin < 0 || num_cols < 0 || col_begin + static_cast<int64_t>(num_cols) > all_cols)
    VOX_ERR << "range of rows [" << row_begin << ", " << int64_t(row_begin) + num_rows
            << ") and columns [" << col_begin << ", " << int64_t(col_begin) + num_cols
            << ") is outside the " << all_rows << " x " << all_cols << " compressed matrix";
  m->Resize(num_rows, num_cols);
  if (m->NumElements() == 0) return;
  const float min_value = header_.min_value, range = header_.range;
  const uint8_t *bytes = reinterpret_cast<const uint8_t *>(bytes_.data());
  if (format_ == kFormatColHeaders) {
    const uint8_t *values = bytes + all_cols * sizeof(PerColHeader);
    for (int32_t c = 0; c < num_cols; c++) {
      PerColHeader h;
      std::memcpy(&h, bytes + (col_begin + c) * sizeof(PerColHeader), sizeof(h));
      float p0 = Uint16ToFloat(min_value, range, h.p0),
            p25 = Uint16ToFloat(min_value, range, h.p25),
            p75 = Uint16ToFloat(min_value, range, h.p75),
            p100 = Uint16ToFloat(min_value, range, h.p100);
      // Decode each of the 256 byte values once per column: the same function, so the same
      // bits, and far cheaper than one evaluation per value for long columns.
      float table[256];
      for (int b = 0; b < 256; b++) table[b] = CharToFloat(p0, p25, p75, p100, b);
      const uint8_t *in = values + (col_begin + c) * all_rows + row_begin;
      float *out = m->Data() + c;
      for (int32_t r = 0; r < num_rows; r++) out[static_cast<int64_t>(r) * num_cols] = table[in[r]];
    }
  } else if (format_ == kFormatTwoByte) {
    const float increment = static_cast<float>(range * (1.0 / 65535.0));
    for (int32_t r = 0; r < num_rows; r++) {
      const uint8_t *in = bytes + 2 * ((row_begin + r) * all_cols + col_begin);
      float *out = m->Row(r);
      for (int32_t c = 0; c < num_cols; c++) {
        uint16_t v;
        std::memcpy(&v, in + 2 * c, 2);
        float offset = static_cast<float>(v) * increment;
        out[c] = min_value + offset;
      }
    }
  } else {
    const float increment = static_cast<float>(range * (1.0 / 255.0));
    for (int32_t r = 0; r < num_rows; r++) {
      const uint8_t *in = bytes + (row_begin + r) * all_cols + col_begin;
      float *out = m->Row(r);
      for (int32_t c = 0; c < num_cols; c++) {
        float offset = static_cast<float>(in[c]) * increment;
        out[c] = min_value + offset;
      }
    }
  }
}

void CompressedMatrix::Write(std::ostream &os, bool binary) const {
  if (!binary) {  // text: the decompressed values, as Kaldi does
    Matrix<float> m;
    CopyToMatrix(&m);
    WriteMatrix(os, binary, m);
    return;
  }
  // An empty matrix is "CM" and an all-zero header (Kaldi writes uninitialised bytes there;
  // ours is well defined and Kaldi reads it back as empty).
  WriteToken(os, binary, FormatToken(format_));
  os.write(reinterpret_cast<const char *>(&header_), sizeof(header_));
  os.write(bytes_.data(), bytes_.size());
  if (os.fail()) VOX_ERR << "write error while writing a compressed matrix";
}

void CompressedMatrix::Read(std::istream &is, bool binary) {
  *this = CompressedMatrix();
  if (!binary || Peek(is, binary) != 'C') {
    // Text, or a plain FM/DM where a compressed matrix was expected: read and compress.
    Matrix<float> m;
    ReadMatrix(is, binary, &m);
    *this = CompressedMatrix(m, CompressionMethod::kAutomatic);
    return;
  }
  std::string token;
  ReadToken(is, binary, &token);
  int32_t format = 0;
  if (token == "CM") {
    format = kFormatColHeaders;
  } else if (token == "CM2") {
    format = kFormatTwoByte;
  } else if (token == "CM3") {
    format = kFormatOneByte;
  } else {
    VOX_ERR << "expected token CM, CM2 or CM3, got '" << token.substr(0, 20) << "'";
  }
  static_assert(sizeof(GlobalHeader) == 16, "the global header is 16 bytes on disk");
  GlobalHeader h;
  is.read(reinterpret_cast<char *>(&h), sizeof(h));
  if (is.gcount() != sizeof(h))
    VOX_ERR << "truncated compressed matrix header: stream ended after " << is.gcount()
            << " of 16 bytes";
  if (h.num_rows < 0 || h.num_cols < 0)
    VOX_ERR << "bad compressed matrix dimensions " << h.num_rows << " x " << h.num_cols;
  if (h.num_cols == 0) return;  // empty (Kaldi reads nothing more in this case either)
  // Both dimensions are below 2^31, so neither this nor DataBytes can overflow int64.
  if (static_cast<int64_t>(h.num_rows) * h.num_cols > kMaxObjectBytes / 2)
    VOX_ERR << "compressed matrix of " << h.num_rows << " x " << h.num_cols
            << " too large: corrupt header?";
  int64_t size = DataBytes(format, h.num_rows, h.num_cols);
  if (size > kMaxObjectBytes)
    VOX_ERR << "compressed matrix of " << h.num_rows << " x " << h.num_cols << " too large ("
            << size << " bytes): corrupt header?";
  std::string bytes;
  int64_t got = ReadBytes(is, size, &bytes);
  if (got < size)
    VOX_ERR << "truncated compressed matrix (" << token << ", " << h.num_rows << " x " << h.num_cols
            << "): expected " << size << " bytes of data, stream ended after " << got;
  if (h.num_rows == 0) return;  // nothing but column headers: still empty
  format_ = format;
  header_ = h;
  bytes_ = std::move(bytes);
}

bool IsCompressedMatrixNext(std::istream &is, bool binary) {
  return binary && Peek(is, binary) == 'C';
}

}  // namespace voxtools

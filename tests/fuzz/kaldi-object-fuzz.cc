// tests/fuzz/kaldi-object-fuzz.cc
// libFuzzer target for the Kaldi object readers (io-funcs, kaldi-object, compressed-matrix):
// the bytes are read as a single object file (marker + matrix / vector / compressed matrix)
// and as an archive (key, space, object, ...). A reader may only succeed or throw Error;
// anything else (a crash, a sanitizer report, another exception type) is a finding. What is
// read successfully must also survive a binary write and re-read unchanged.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

#include "base/log.h"
#include "io/compressed-matrix.h"
#include "io/io-funcs.h"
#include "io/kaldi-object.h"

namespace {

using voxtools::CompressedMatrix;
using voxtools::Error;
using voxtools::Matrix;
using voxtools::Vector;

template <typename Real>
void CheckMatrixRoundTrip(const Matrix<Real> &m) {
  std::stringstream ss;
  voxtools::WriteMatrix(ss, true, m);
  Matrix<Real> back;
  voxtools::ReadMatrix(ss, true, &back);
  if (!(back.NumRows() == m.NumRows() && back.NumCols() == m.NumCols() &&
        (m.NumElements() == 0 ||
         std::memcmp(back.Data(), m.Data(), m.NumElements() * sizeof(Real)) == 0)))
    std::abort();
}

template <typename Real>
void ReadOneMatrix(const std::string &data) {
  std::istringstream is(data);
  try {
    bool binary;
    voxtools::ReadBinaryMarker(is, &binary);
    Matrix<Real> m;
    voxtools::ReadMatrix(is, binary, &m);
    CheckMatrixRoundTrip(m);
    std::ostringstream text;
    voxtools::WriteMatrix(text, false, m);
  } catch (const Error &) {
  }
}

template <typename Real>
void ReadOneVector(const std::string &data) {
  std::istringstream is(data);
  try {
    bool binary;
    voxtools::ReadBinaryMarker(is, &binary);
    Vector<Real> v;
    voxtools::ReadVector(is, binary, &v);
    std::stringstream ss;
    voxtools::WriteVector(ss, true, v);
    Vector<Real> back;
    voxtools::ReadVector(ss, true, &back);
    if (!(back.Dim() == v.Dim() &&
          (v.Dim() == 0 || std::memcmp(back.Data(), v.Data(), v.Dim() * sizeof(Real)) == 0)))
      std::abort();
  } catch (const Error &) {
  }
}

void ReadOneCompressed(const std::string &data) {
  std::istringstream is(data);
  try {
    bool binary;
    voxtools::ReadBinaryMarker(is, &binary);
    CompressedMatrix cm;
    cm.Read(is, binary);
    Matrix<float> m;
    cm.CopyToMatrix(&m);
    if (cm.NumRows() > 1 && cm.NumCols() > 1) {
      Matrix<float> part;
      cm.CopyToMatrix(1, cm.NumRows() - 1, 1, cm.NumCols() - 1, &part);
    }
    // Compressed bytes written back must read back to the same bytes.
    std::stringstream ss;
    cm.Write(ss, true);
    CompressedMatrix again;
    again.Read(ss, true);
    std::ostringstream a, b;
    cm.Write(a, true);
    again.Write(b, true);
    if (a.str() != b.str()) std::abort();
  } catch (const Error &) {
  }
}

// "key object key object ...", as in an archive; stops at the first error.
void ReadArchive(const std::string &data) {
  std::istringstream is(data);
  try {
    for (int n = 0; n < 1000 && is.peek() != EOF; n++) {
      std::string key;
      int c;
      while ((c = is.get()) != EOF && c != ' ' && key.size() < 256) key.push_back(c);
      if (c != ' ') return;
      bool binary;
      voxtools::ReadBinaryMarker(is, &binary);
      if (voxtools::IsCompressedMatrixNext(is, binary)) {
        CompressedMatrix cm;
        cm.Read(is, binary);
      } else {
        Matrix<float> m;
        voxtools::ReadMatrix(is, binary, &m);
      }
    }
  } catch (const Error &) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  ReadOneMatrix<float>(bytes);
  ReadOneMatrix<double>(bytes);
  ReadOneVector<float>(bytes);
  ReadOneVector<double>(bytes);
  ReadOneCompressed(bytes);
  ReadArchive(bytes);
  std::istringstream is(bytes);
  try {
    std::string token = voxtools::PeekToken(is, false);
    int32_t i;
    voxtools::ReadBasicType(is, false, &i);
  } catch (const Error &) {
  }
  return 0;
}

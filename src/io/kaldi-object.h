// src/io/kaldi-object.h
// Reading and writing Kaldi's matrix and vector objects (not tables: one object, no key).
//
// Binary: "FM " / "DM " then int32 rows, int32 cols, then row-major float32 / float64;
// "FV " / "DV " then int32 dim, then the values; compressed "CM ", "CM2 ", "CM3 " (read
// only here; see compressed-matrix.h). Text: " [\n  1 2 3 \n  4 5 6 ]\n" for a matrix,
// " [ 1 2 3 ]\n" for a vector, " [ ]\n" when empty (the leading space is the one after the key
// in a table; a single-object file has it too). The text reader accepts every layout Kaldi
// accepts ('[' and values on one line, ']' on its own line, rows on one line separated by
// ';' nowhere, exponents like 1E-7) and checks every row has the same length.
//
// Reading converts between float and double as Kaldi does (a DM read into Matrix<float> is
// cast element by element). A text value that is nan or inf is an Error naming the row
// (DESIGN.md: bad data is caught where it enters); binary values are taken as they are.
// Errors name what was expected and found; the table layer adds the key and file.
#ifndef VOXTOOLS_IO_KALDI_OBJECT_H_
#define VOXTOOLS_IO_KALDI_OBJECT_H_

#include <istream>
#include <ostream>
#include <string>

#include "matrix/matrix.h"

namespace voxtools {

// `binary` is the mode of the stream (after ReadBinaryMarker); the marker itself is not
// read or written here.
template <typename Real> void WriteMatrix(std::ostream &os, bool binary, const Matrix<Real> &m);
template <typename Real> void ReadMatrix(std::istream &is, bool binary, Matrix<Real> *m);
template <typename Real> void WriteVector(std::ostream &os, bool binary, const Vector<Real> &v);
template <typename Real> void ReadVector(std::istream &is, bool binary, Vector<Real> *v);

// A whole single-object file (Kaldi's ReadKaldiObject/WriteKaldiObject): marker + object.
// `rxfilename`/`wxfilename` follow kaldi-stream.h (files, "-", pipes).
template <typename Real>
void ReadKaldiObject(const std::string &rxfilename, Matrix<Real> *m);
template <typename Real>
void ReadKaldiObject(const std::string &rxfilename, Vector<Real> *v);
template <typename Real>
void WriteKaldiObject(const std::string &wxfilename, bool binary, const Matrix<Real> &m);
template <typename Real>
void WriteKaldiObject(const std::string &wxfilename, bool binary, const Vector<Real> &v);

}  // namespace voxtools

#endif  // VOXTOOLS_IO_KALDI_OBJECT_H_

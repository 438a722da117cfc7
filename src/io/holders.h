// src/io/holders.h
// Holders: how one object of a table is read and written (Kaldi's kaldi-holder.h). The table
// classes in table.h are templates on a Holder and know nothing about the objects.
//
// The interface every Holder provides (ExampleHolder below is the documentation, not code):
//
//   class ExampleHolder {
//    public:
//     using T = ...;                     // the object type
//     static const char *TypeName();     // for messages: "float matrix"
//     // One object as it follows "key " in an archive, or as a single-object file: the
//     // binary marker "\0B" (for types that have one) then the object. Throws Error.
//     static void Write(std::ostream &os, bool binary, const T &t);
//     // Reads what Write wrote, in either mode (the marker says which). Throws Error with
//     // the reason; the table layer adds the key and the file.
//     void Read(std::istream &is);
//     // scp ranges ("[r1:r2,c1:c2]"): kSupportsRange holders read the object and keep the
//     // range; the others throw.
//     static constexpr bool kSupportsRange = false;
//     void ReadRange(std::istream &is, const std::string &range);
//     // HDF5 ("h5:" tables): one dataset per key. kSupportsH5 holders map T to a dataset;
//     // the others throw (and the table refuses "h5:" when it is opened).
//     static constexpr bool kSupportsH5 = false;
//     static void WriteH5(H5File *file, const std::string &key, const T &t);
//     void ReadH5(const H5File &file, const std::string &key);
//     T &Value();
//     void Clear();                      // frees the object
//   };
//
// Formats (binary / text; text bytes are exactly Kaldi's, see the fixtures README):
//   FloatMatrixHolder, DoubleMatrixHolder: "\0BFM "... / " [\n  1 2 \n  3 4 ]\n". Reading
//     accepts FM, DM and compressed CM/CM2/CM3, converting as Kaldi does. Ranges supported
//     (on a compressed matrix only the selected block is decompressed).
//     HDF5: 2-D dataset [rows, cols], float32 (float) or float64 (double); reading accepts
//     either type.
//   FloatVectorHolder, DoubleVectorHolder: "\0BFV "... / " [ 1 2 3 ]\n". HDF5: 1-D dataset
//     [dim], float32 / float64.
//   CompressedMatrixHolder: writes "\0BCM "... (copy-feats --compress). Reading a non-
//     compressed matrix compresses it with kAutomatic (Kaldi). HDF5: the decompressed
//     matrix as float32 [rows, cols] (HDF5 has its own compression: "h5,gz:").
//   Int32Holder, FloatHolder, DoubleHolder (Kaldi's BasicHolder): "\0B\4<int32>",
//     "\0B\4<float32>", "\0B\b<float64>" / "5 \n", "1.430313 \n" (value, space, newline).
//     HDF5: scalar dataset, int32 / float32 / float64.
//   Int32VectorHolder (Kaldi's BasicVectorHolder<int32>): "\0B\4<size>" then "\4<int32>" per
//     element / "1 2 3 \n" (empty: "\n"). HDF5: 1-D int32 dataset.
//   TokenHolder: "word\n" in both modes, no binary marker. No HDF5 mapping.
//   WaveHolder: a RIFF WAV file (WaveData::Write, 16-bit PCM), in binary mode only (no
//     marker; an scp offset points at "RIFF"). Text mode is an Error.
//     HDF5 mapping: io/wave-h5.h (shared with wav-to-h5, h5-to-wav and WaveReader); written
//     as int16, read from int16 or float32 (whose attribute full_scale gives the scale).
#ifndef VOXTOOLS_IO_HOLDERS_H_
#define VOXTOOLS_IO_HOLDERS_H_

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "io/compressed-matrix.h"
#include "io/wave.h"
#include "matrix/matrix.h"

namespace voxtools {

class H5File;

template <typename Real>
class KaldiMatrixHolder {
 public:
  using T = Matrix<Real>;
  static const char *TypeName();
  static void Write(std::ostream &os, bool binary, const T &t);
  void Read(std::istream &is);
  static constexpr bool kSupportsRange = true;
  void ReadRange(std::istream &is, const std::string &range);
  static constexpr bool kSupportsH5 = true;
  static void WriteH5(H5File *file, const std::string &key, const T &t);
  void ReadH5(const H5File &file, const std::string &key);
  T &Value() { return t_; }
  void Clear() { t_ = T(); }

 private:
  T t_;
};
using FloatMatrixHolder = KaldiMatrixHolder<float>;
using DoubleMatrixHolder = KaldiMatrixHolder<double>;

template <typename Real>
class KaldiVectorHolder {
 public:
  using T = Vector<Real>;
  static const char *TypeName();
  static void Write(std::ostream &os, bool binary, const T &t);
  void Read(std::istream &is);
  static constexpr bool kSupportsRange = false;
  void ReadRange(std::istream &is, const std::string &range);
  static constexpr bool kSupportsH5 = true;
  static void WriteH5(H5File *file, const std::string &key, const T &t);
  void ReadH5(const H5File &file, const std::string &key);
  T &Value() { return t_; }
  void Clear() { t_ = T(); }

 private:
  T t_;
};
using FloatVectorHolder = KaldiVectorHolder<float>;
using DoubleVectorHolder = KaldiVectorHolder<double>;

class CompressedMatrixHolder {
 public:
  using T = CompressedMatrix;
  static const char *TypeName() { return "compressed matrix"; }
  static void Write(std::ostream &os, bool binary, const T &t);
  void Read(std::istream &is);
  static constexpr bool kSupportsRange = false;
  void ReadRange(std::istream &is, const std::string &range);
  static constexpr bool kSupportsH5 = true;
  static void WriteH5(H5File *file, const std::string &key, const T &t);
  void ReadH5(const H5File &file, const std::string &key);
  T &Value() { return t_; }
  void Clear() { t_ = T(); }

 private:
  T t_;
};

// T is int32_t, float or double.
template <typename Basic>
class BasicHolder {
 public:
  using T = Basic;
  static const char *TypeName();
  static void Write(std::ostream &os, bool binary, const T &t);
  void Read(std::istream &is);
  static constexpr bool kSupportsRange = false;
  void ReadRange(std::istream &is, const std::string &range);
  static constexpr bool kSupportsH5 = true;
  static void WriteH5(H5File *file, const std::string &key, const T &t);
  void ReadH5(const H5File &file, const std::string &key);
  T &Value() { return t_; }
  void Clear() { t_ = T(); }

 private:
  T t_ = T();
};
using Int32Holder = BasicHolder<int32_t>;
using FloatHolder = BasicHolder<float>;
using DoubleHolder = BasicHolder<double>;

class Int32VectorHolder {
 public:
  using T = std::vector<int32_t>;
  static const char *TypeName() { return "int32 vector"; }
  static void Write(std::ostream &os, bool binary, const T &t);
  void Read(std::istream &is);
  static constexpr bool kSupportsRange = false;
  void ReadRange(std::istream &is, const std::string &range);
  static constexpr bool kSupportsH5 = true;
  static void WriteH5(H5File *file, const std::string &key, const T &t);
  void ReadH5(const H5File &file, const std::string &key);
  T &Value() { return t_; }
  void Clear() { T().swap(t_); }

 private:
  T t_;
};

class TokenHolder {
 public:
  using T = std::string;
  static const char *TypeName() { return "token"; }
  static void Write(std::ostream &os, bool binary, const T &t);
  void Read(std::istream &is);
  static constexpr bool kSupportsRange = false;
  void ReadRange(std::istream &is, const std::string &range);
  static constexpr bool kSupportsH5 = false;
  static void WriteH5(H5File *file, const std::string &key, const T &t);
  void ReadH5(const H5File &file, const std::string &key);
  T &Value() { return t_; }
  void Clear() { t_.clear(); }

 private:
  T t_;
};

class WaveHolder {
 public:
  using T = WaveData;
  static const char *TypeName() { return "wave"; }
  static void Write(std::ostream &os, bool binary, const T &t);
  void Read(std::istream &is);
  static constexpr bool kSupportsRange = false;
  void ReadRange(std::istream &is, const std::string &range);
  static constexpr bool kSupportsH5 = true;
  static void WriteH5(H5File *file, const std::string &key, const T &t);
  void ReadH5(const H5File &file, const std::string &key);
  T &Value() { return t_; }
  void Clear() { t_ = T(); }

 private:
  T t_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_IO_HOLDERS_H_

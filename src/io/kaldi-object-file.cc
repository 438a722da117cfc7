// src/io/kaldi-object-file.cc
// Single-object files (Kaldi's ReadKaldiObject / WriteKaldiObject): the binary marker and one
// matrix or vector, through kaldi-stream.h so that "-", pipes and "file:offset" work and
// output appears under its final name only when complete. Kept apart from kaldi-object.cc so
// that the stream-level readers do not depend on the stream classes.
#include <string>

#include "base/log.h"
#include "io/io-funcs.h"
#include "io/kaldi-object.h"
#include "io/kaldi-stream.h"

namespace voxtools {
namespace {

// The message of an Error without its "ERROR (where) " prefix, to re-throw it with the file
// name added and not two prefixes.
std::string MessageBody(const Error &e) {
  std::string s = e.what();
  if (s.compare(0, 7, "ERROR (") == 0) {
    size_t end = s.find(") ");
    if (end != std::string::npos) return s.substr(end + 2);
  }
  return s;
}

template <typename Object, typename ReadFn>
void ReadObjectFile(const std::string &rxfilename, const char *what, Object *obj, ReadFn read) {
  bool binary = false;
  Input in(rxfilename, &binary);
  try {
    read(in.Stream(), binary, obj);
  } catch (const Error &e) {
    VOX_ERR << "reading " << what << " from " << PrintableRxfilename(rxfilename) << ": "
            << MessageBody(e);
  }
  in.Close();
}

template <typename Object, typename WriteFn>
void WriteObjectFile(const std::string &wxfilename, bool binary, const Object &obj, WriteFn write) {
  Output out(wxfilename, binary);
  write(out.Stream(), binary, obj);
  out.Close();
}

}  // namespace

template <typename Real>
void ReadKaldiObject(const std::string &rxfilename, Matrix<Real> *m) {
  ReadObjectFile(rxfilename, "matrix", m, ReadMatrix<Real>);
}

template <typename Real>
void ReadKaldiObject(const std::string &rxfilename, Vector<Real> *v) {
  ReadObjectFile(rxfilename, "vector", v, ReadVector<Real>);
}

template <typename Real>
void WriteKaldiObject(const std::string &wxfilename, bool binary, const Matrix<Real> &m) {
  WriteObjectFile(wxfilename, binary, m, WriteMatrix<Real>);
}

template <typename Real>
void WriteKaldiObject(const std::string &wxfilename, bool binary, const Vector<Real> &v) {
  WriteObjectFile(wxfilename, binary, v, WriteVector<Real>);
}

template void ReadKaldiObject<float>(const std::string &, Matrix<float> *);
template void ReadKaldiObject<double>(const std::string &, Matrix<double> *);
template void ReadKaldiObject<float>(const std::string &, Vector<float> *);
template void ReadKaldiObject<double>(const std::string &, Vector<double> *);
template void WriteKaldiObject<float>(const std::string &, bool, const Matrix<float> &);
template void WriteKaldiObject<double>(const std::string &, bool, const Matrix<double> &);
template void WriteKaldiObject<float>(const std::string &, bool, const Vector<float> &);
template void WriteKaldiObject<double>(const std::string &, bool, const Vector<double> &);

}  // namespace voxtools

// src/backend/plda-front-end.cc
#include "backend/plda-front-end.h"

#include "backend/transforms.h"
#include "base/log.h"
#include "io/io-funcs.h"
#include "io/kaldi-object.h"

namespace voxtools {

int64_t PldaFrontEnd::InputDim() const {
  if (mean.Dim() > 0) return mean.Dim();
  return 0;
}

int64_t PldaFrontEnd::OutputDim(int64_t in_dim) const {
  return transform.NumRows() > 0 ? transform.NumRows() : in_dim;
}

void PldaFrontEnd::Apply(const Vector<float> &in, Vector<float> *out) const {
  Vector<float> v(in);
  if (mean.Dim() > 0) SubtractMean(mean, &v);
  if (transform.NumRows() > 0) ApplyTransform(transform, v, &v);
  if (length_norm) NormalizeLength(true, &v);
  *out = std::move(v);
}

void PldaModel::Write(std::ostream &os, bool binary) const {
  if (!front_end.Empty()) {
    WriteToken(os, binary, "<PldaFrontEnd>");
    WriteToken(os, binary, "<Mean>");
    WriteVector(os, binary, front_end.mean);
    WriteToken(os, binary, "<Transform>");
    WriteMatrix(os, binary, front_end.transform);
    WriteToken(os, binary, "<LengthNorm>");
    WriteBasicType<int32_t>(os, binary, front_end.length_norm ? 1 : 0);
    WriteToken(os, binary, "</PldaFrontEnd>");
  }
  plda.Write(os, binary);
}

void PldaModel::Read(std::istream &is, bool binary) {
  front_end = PldaFrontEnd();
  if (PeekToken(is, binary) == "<PldaFrontEnd>") {
    ExpectToken(is, binary, "<PldaFrontEnd>");
    ExpectToken(is, binary, "<Mean>");
    ReadVector(is, binary, &front_end.mean);
    ExpectToken(is, binary, "<Transform>");
    ReadMatrix(is, binary, &front_end.transform);
    ExpectToken(is, binary, "<LengthNorm>");
    int32_t length_norm = 0;
    ReadBasicType(is, binary, &length_norm);
    front_end.length_norm = length_norm != 0;
    ExpectToken(is, binary, "</PldaFrontEnd>");
  }
  plda.Read(is, binary);
  const Matrix<double> &t = front_end.transform;
  if (t.NumRows() > 0) {
    if (t.NumRows() != plda.Dim())
      VOX_ERR << "PLDA front-end transform has " << t.NumRows() << " rows, the model dimension is "
              << plda.Dim();
    const int64_t in_dim = front_end.mean.Dim();
    if (in_dim > 0 && t.NumCols() != in_dim && t.NumCols() != in_dim + 1)
      VOX_ERR << "PLDA front-end transform is " << t.NumRows() << " x " << t.NumCols()
              << ", the mean has dimension " << in_dim;
  } else if (front_end.mean.Dim() > 0 && front_end.mean.Dim() != plda.Dim()) {
    VOX_ERR << "PLDA front-end mean has dimension " << front_end.mean.Dim()
            << ", the model " << plda.Dim();
  }
}

}  // namespace voxtools

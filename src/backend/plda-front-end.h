// src/backend/plda-front-end.h
// The embedding preprocessing that train-plda can store with its model, so that score-plda
// applies exactly the chain the model was trained on: subtract the training mean, apply an
// affine transform (LDA), then length-normalise to sqrt(dim) (Kaldi's recipe chain
// ivector-subtract-global-mean | transform-vec | ivector-normalize-length).
//
// File format of a model with a front-end (voxtools only; Kaldi reads just the plain <Plda>):
//   <PldaFrontEnd> <Mean> DV <Transform> DM <LengthNorm> int32 </PldaFrontEnd> <Plda> ... </Plda>
// An empty mean or transform means "none". A file that starts with <Plda> is Kaldi's model
// and has no front-end.
#ifndef VOXTOOLS_BACKEND_PLDA_FRONT_END_H_
#define VOXTOOLS_BACKEND_PLDA_FRONT_END_H_

#include <istream>
#include <ostream>

#include "backend/plda.h"
#include "matrix/matrix.h"

namespace voxtools {

struct PldaFrontEnd {
  Vector<double> mean;       // empty: no mean subtraction
  Matrix<double> transform;  // empty: none; else out_dim x dim or out_dim x (dim + 1)
  bool length_norm = false;

  bool Empty() const { return mean.Dim() == 0 && transform.NumRows() == 0 && !length_norm; }
  // Input dimension expected (0 if the front-end does not fix it).
  int64_t InputDim() const;
  // Output dimension for an input of dimension in_dim.
  int64_t OutputDim(int64_t in_dim) const;
  // Throws Error if in has the wrong dimension.
  void Apply(const Vector<float> &in, Vector<float> *out) const;
};

// A PLDA model with its optional front-end.
struct PldaModel {
  PldaFrontEnd front_end;
  Plda plda;

  void Write(std::ostream &os, bool binary) const;
  // Reads either format; checks that the front-end's output dimension is the model's.
  void Read(std::istream &is, bool binary);
};

}  // namespace voxtools

#endif  // VOXTOOLS_BACKEND_PLDA_FRONT_END_H_

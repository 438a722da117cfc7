// src/backend/transforms.h
// Embedding transforms applied before scoring: global mean, mean subtraction, length
// normalisation, affine transforms (LDA, whitening) and their estimation for whitening.
// These are Kaldi's ivector-mean, ivector-subtract-global-mean, ivector-normalize-length and
// transform-vec, as library calls on single vectors so that tools can stream.
//
// Length normalisation: Garcia-Romero & Espy-Wilson, "Analysis of i-vector length
// normalization in speaker recognition systems", Interspeech 2011.
#ifndef VOXTOOLS_BACKEND_TRANSFORMS_H_
#define VOXTOOLS_BACKEND_TRANSFORMS_H_

#include <cstdint>
#include <string>

#include "matrix/matrix.h"

namespace voxtools {

// True if every element is finite (no NaN, no Inf).
bool AllFinite(const Vector<float> &v);
// Throws Error "<what> <key> has a NaN or Inf element (index i)" if not AllFinite.
void CheckFinite(const Vector<float> &v, const std::string &what, const std::string &key);

// Accumulates a mean in double, checking that every vector has the same dimension.
class MeanAccumulator {
 public:
  // Throws Error naming `key` if the dimension differs from the first vector's.
  void Add(const Vector<float> &v, const std::string &key = "");
  int64_t Count() const { return count_; }
  int64_t Dim() const { return sum_.Dim(); }
  // Throws Error if nothing was added.
  Vector<double> Mean() const;
  // v -= Mean(), rounded as Kaldi's ivector-subtract-global-mean does with the input's own
  // mean: v + float(-1 / count) * sum, so that the archives match Kaldi's to the last digit.
  void SubtractMeanFrom(Vector<float> *v) const;

 private:
  Vector<double> sum_;
  int64_t count_ = 0;
};

// v -= mean (dimensions must agree, else Error). The float version rounds as Kaldi's
// ivector-subtract-global-mean with a mean file (float arithmetic); the double one as Kaldi's
// with the input's own mean (each element in double, then rounded).
void SubtractMean(const Vector<float> &mean, Vector<float> *v);
void SubtractMean(const Vector<double> &mean, Vector<float> *v);

// Scales v to length sqrt(dim) (scaleup, Kaldi's default) or 1. Returns the ratio of the
// original length to the target length (Kaldi logs its average); a zero vector is left as it
// is and 0 is returned.
double NormalizeLength(bool scaleup, Vector<float> *v);

// out = T in (T is out_dim x dim), or T [in; 1] when T has dim + 1 columns (an affine
// transform whose last column is the offset, as Kaldi's LDA matrices). Computed in double.
// Throws Error if T has neither dim nor dim + 1 columns.
void ApplyTransform(const Matrix<double> &t, const Vector<float> &in, Vector<float> *out);

enum class WhiteningType { kPca, kZca };

// An affine whitening transform (dim x (dim + 1)) for data with this mean and covariance:
// x -> W (x - mean) with W C W^T = I. PCA: W = diag(s^-1/2) U^T (rows are principal
// directions, largest variance first); ZCA: U diag(s^-1/2) U^T (the symmetric one, which
// rotates least). Eigenvalues are floored at floor * (largest eigenvalue), so a singular
// covariance gives a warning-free but finite transform; floor must be > 0.
Matrix<double> ComputeWhiteningTransform(const Vector<double> &mean,
                                         const Matrix<double> &covariance, WhiteningType type,
                                         double floor, int64_t *num_floored = nullptr);

}  // namespace voxtools

#endif  // VOXTOOLS_BACKEND_TRANSFORMS_H_

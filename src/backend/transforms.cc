// src/backend/transforms.cc
#include "backend/transforms.h"

#include <cmath>

#include "base/log.h"
#include "matrix/linalg.h"

namespace voxtools {

bool AllFinite(const Vector<float> &v) {
  for (int64_t i = 0; i < v.Dim(); i++)
    if (!std::isfinite(v(i))) return false;
  return true;
}

void CheckFinite(const Vector<float> &v, const std::string &what, const std::string &key) {
  for (int64_t i = 0; i < v.Dim(); i++)
    if (!std::isfinite(v(i)))
      VOX_ERR << what << " " << key << " has a NaN or Inf element (index " << i << ")";
}

void MeanAccumulator::Add(const Vector<float> &v, const std::string &key) {
  if (count_ == 0) {
    sum_.Resize(v.Dim());
  } else if (v.Dim() != sum_.Dim()) {
    VOX_ERR << "vector " << key << " has dimension " << v.Dim() << ", the previous ones "
            << sum_.Dim();
  }
  for (int64_t i = 0; i < v.Dim(); i++) sum_(i) += v(i);
  count_++;
}

Vector<double> MeanAccumulator::Mean() const {
  if (count_ == 0) VOX_ERR << "no vectors to average";
  Vector<double> mean(sum_);
  // Multiplying by the reciprocal (not dividing) rounds as Kaldi's Scale(1.0 / n) does, so the
  // tools reproduce Kaldi's archives to the last digit.
  const double scale = 1.0 / count_;
  for (int64_t i = 0; i < mean.Dim(); i++) mean(i) *= scale;
  return mean;
}

void MeanAccumulator::SubtractMeanFrom(Vector<float> *v) const {
  if (count_ == 0) VOX_ERR << "no vectors to average";
  if (v->Dim() != sum_.Dim())
    VOX_ERR << "vector has dimension " << v->Dim() << ", the mean " << sum_.Dim();
  const float alpha = static_cast<float>(-1.0 / count_);
  for (int64_t i = 0; i < v->Dim(); i++)
    (*v)(i) = static_cast<float>((*v)(i) + static_cast<double>(alpha) * sum_(i));
}

void SubtractMean(const Vector<float> &mean, Vector<float> *v) {
  if (mean.Dim() != v->Dim())
    VOX_ERR << "vector has dimension " << v->Dim() << ", the mean " << mean.Dim();
  for (int64_t i = 0; i < v->Dim(); i++) (*v)(i) -= mean(i);
}

void SubtractMean(const Vector<double> &mean, Vector<float> *v) {
  if (mean.Dim() != v->Dim())
    VOX_ERR << "vector has dimension " << v->Dim() << ", the mean " << mean.Dim();
  for (int64_t i = 0; i < v->Dim(); i++) (*v)(i) = static_cast<float>((*v)(i) - mean(i));
}

double NormalizeLength(bool scaleup, Vector<float> *v) {
  double sumsq = 0.0;
  for (int64_t i = 0; i < v->Dim(); i++) sumsq += double((*v)(i)) * (*v)(i);
  double ratio = std::sqrt(sumsq);
  if (scaleup) ratio /= std::sqrt(static_cast<double>(v->Dim()));
  if (ratio == 0.0) return 0.0;
  for (int64_t i = 0; i < v->Dim(); i++) (*v)(i) = static_cast<float>((*v)(i) / ratio);
  return ratio;
}

void ApplyTransform(const Matrix<double> &t, const Vector<float> &in, Vector<float> *out) {
  const int64_t dim = in.Dim();
  const bool affine = t.NumCols() == dim + 1;
  if (!affine && t.NumCols() != dim)
    VOX_ERR << "transform is " << t.NumRows() << " x " << t.NumCols() << " but the vector has "
            << "dimension " << dim << " (expected " << dim << " or " << dim + 1 << " columns)";
  Vector<float> result(t.NumRows());
  for (int64_t r = 0; r < t.NumRows(); r++) {
    const double *row = t.Row(r);
    double sum = affine ? row[dim] : 0.0;
    for (int64_t c = 0; c < dim; c++) sum += row[c] * in(c);
    result(r) = static_cast<float>(sum);
  }
  *out = std::move(result);
}

Matrix<double> ComputeWhiteningTransform(const Vector<double> &mean,
                                         const Matrix<double> &covariance, WhiteningType type,
                                         double floor, int64_t *num_floored) {
  const int64_t dim = mean.Dim();
  if (covariance.NumRows() != dim || covariance.NumCols() != dim)
    VOX_ERR << "covariance is " << covariance.NumRows() << " x " << covariance.NumCols()
            << ", the mean has dimension " << dim;
  if (!(floor > 0.0)) VOX_ERR << "whitening floor must be > 0, got " << floor;
  Vector<double> s;
  Matrix<double> u;
  SymEig(covariance, &s, &u);
  if (dim == 0 || !(s(0) > 0.0)) VOX_ERR << "covariance is zero: cannot whiten";
  const double min_eig = floor * s(0);
  int64_t floored = 0;
  for (int64_t i = 0; i < dim; i++) {
    if (s(i) < min_eig) {
      s(i) = min_eig;
      floored++;
    }
  }
  if (num_floored != nullptr) *num_floored = floored;
  Matrix<double> pca(dim, dim);  // diag(s^-1/2) U^T
  for (int64_t i = 0; i < dim; i++) {
    const double scale = 1.0 / std::sqrt(s(i));
    for (int64_t j = 0; j < dim; j++) pca(i, j) = scale * u(j, i);
  }
  Matrix<double> w;
  if (type == WhiteningType::kZca)
    MatMul(u, false, pca, false, &w);
  else
    w = pca;
  Vector<double> offset;
  MatVec(w, false, mean, &offset);
  Matrix<double> out(dim, dim + 1);
  for (int64_t r = 0; r < dim; r++) {
    for (int64_t c = 0; c < dim; c++) out(r, c) = w(r, c);
    out(r, dim) = -offset(r);
  }
  return out;
}

}  // namespace voxtools

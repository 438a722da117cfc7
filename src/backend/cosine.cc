// src/backend/cosine.cc
#include "backend/cosine.h"

#include <cmath>

#include "base/log.h"

namespace voxtools {

CosineScorer::CosineScorer(int64_t dim, const Vector<double> &mean) : dim_(dim), mean_(mean) {
  if (mean_.Dim() != 0 && mean_.Dim() != dim_)
    VOX_ERR << "mean has dimension " << mean_.Dim() << ", the vectors " << dim_;
}

int64_t CosineScorer::Add(const Vector<float> &v, std::vector<double> *store) {
  if (v.Dim() != dim_) VOX_ERR << "vector has dimension " << v.Dim() << ", expected " << dim_;
  const size_t start = store->size();
  double sumsq = 0.0;
  for (int64_t i = 0; i < dim_; i++) {
    const double x = v(i) - (mean_.Dim() ? mean_(i) : 0.0);
    store->push_back(x);
    sumsq += x * x;
  }
  if (!(sumsq > 0.0)) {
    store->resize(start);
    VOX_ERR << "vector is zero" << (mean_.Dim() ? " after subtracting the mean" : "")
            << ": its cosine is undefined";
  }
  const double scale = 1.0 / std::sqrt(sumsq);
  for (size_t i = start; i < store->size(); i++) (*store)[i] *= scale;
  return static_cast<int64_t>(start / dim_);
}

double CosineScorer::Cosine(const Vector<float> &a, const Vector<float> &b) {
  CosineScorer s(a.Dim());
  s.AddEnrollment(a);
  s.AddTest(b);
  return s.Score(0, 0);
}

}  // namespace voxtools

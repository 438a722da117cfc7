// src/backend/cosine.h
// Cosine scoring: each vector is (optionally) centred on a mean and scaled to unit length
// once; a trial is then one dot product.
#ifndef VOXTOOLS_BACKEND_COSINE_H_
#define VOXTOOLS_BACKEND_COSINE_H_

#include <cstdint>
#include <vector>

#include "matrix/matrix.h"

namespace voxtools {

class CosineScorer {
 public:
  // mean: subtracted from every vector first (empty: none). dim: the vectors' dimension.
  CosineScorer(int64_t dim, const Vector<double> &mean = Vector<double>());
  // Store a vector; returns its index. Throws Error if the dimension is wrong or the vector
  // is zero (after mean subtraction): its cosine is undefined.
  int64_t AddEnrollment(const Vector<float> &v) { return Add(v, &enroll_); }
  int64_t AddTest(const Vector<float> &v) { return Add(v, &test_); }

  double Score(int64_t e, int64_t t) const {
    const double *a = &enroll_[e * dim_], *b = &test_[t * dim_];
    double sum = 0.0;
    for (int64_t i = 0; i < dim_; i++) sum += a[i] * b[i];
    return sum;
  }
  // Cosine of two vectors (the same processing), for one-off use.
  static double Cosine(const Vector<float> &a, const Vector<float> &b);

 private:
  int64_t Add(const Vector<float> &v, std::vector<double> *store);
  int64_t dim_;
  Vector<double> mean_;
  std::vector<double> enroll_, test_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_BACKEND_COSINE_H_

// src/backend/plda-scorer.cc
#include "backend/plda-scorer.h"

#include <cmath>

#include "base/log.h"

namespace voxtools {

PldaScorer::PldaScorer(const Plda &plda, const PldaConfig &config)
    : plda_(plda), config_(config), dim_(plda.Dim()) {
  VOX_ASSERT(dim_ > 0);
}

int32_t PldaScorer::QIndex(int32_t n) {
  auto it = n_index_.find(n);
  if (it != n_index_.end()) return it->second;
  const int32_t index = static_cast<int32_t>(n_index_.size());
  n_index_[n] = index;
  const Vector<double> &psi = plda_.Psi();
  for (int64_t i = 0; i < dim_; i++) {
    const double v1 = 1.0 + psi(i) / (n * psi(i) + 1.0), v0 = 1.0 + psi(i);
    q_.push_back(1.0 / v1 - 1.0 / v0);
  }
  return index;
}

int64_t PldaScorer::AddEnrollment(const Vector<double> &v, int32_t num_examples,
                                  double *norm_factor) {
  if (num_examples <= 0) VOX_ERR << "number of enrolment utterances must be > 0, got " << num_examples;
  Vector<double> e;
  const double factor = plda_.TransformVector(config_, v, num_examples, &e);
  if (norm_factor != nullptr) *norm_factor = factor;
  const Vector<double> &psi = plda_.Psi();
  const double n = num_examples;
  double c = 0.0;
  for (int64_t i = 0; i < dim_; i++) {
    const double denom = n * psi(i) + 1.0;
    const double a = n * psi(i) / denom, v1 = 1.0 + psi(i) / denom, v0 = 1.0 + psi(i);
    c += std::log(v1 / v0) + a * a * e(i) * e(i) / v1;
    enroll_w_.push_back(a * e(i) / v1);
  }
  enroll_c_.push_back(c);
  enroll_n_.push_back(QIndex(num_examples));
  return NumEnrollments() - 1;
}

int64_t PldaScorer::AddTest(const Vector<double> &v, double *norm_factor) {
  Vector<double> y;
  const double factor = plda_.TransformVector(config_, v, 1, &y);
  if (norm_factor != nullptr) *norm_factor = factor;
  for (int64_t i = 0; i < dim_; i++) {
    test_y_.push_back(y(i));
    test_yy_.push_back(y(i) * y(i));
  }
  return NumTests() - 1;
}

}  // namespace voxtools

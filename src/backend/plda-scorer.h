// src/backend/plda-scorer.h
// Fast PLDA trial scoring: each enrolment and test vector is transformed once, and each trial
// then costs two dot products of length dim.
//
// With y the transformed test vector, e the transformed enrolment vector (n utterances),
// a = n psi / (n psi + 1), v1 = 1 + psi / (n psi + 1), v0 = 1 + psi, Kaldi's LLR
//   -0.5 [ sum log v1 + sum (y - a e)^2 / v1 - sum log v0 - sum y^2 / v0 ]
// expands to -0.5 [ c_e + sum y^2 q_n - 2 sum y w_e ] with
//   c_e = sum log(v1 / v0) + sum a^2 e^2 / v1,   q_n = 1 / v1 - 1 / v0,   w_e = a e / v1,
// where c_e and w_e are per enrolment, q_n per distinct n, and y^2 per test vector.
#ifndef VOXTOOLS_BACKEND_PLDA_SCORER_H_
#define VOXTOOLS_BACKEND_PLDA_SCORER_H_

#include <cstdint>
#include <map>
#include <vector>

#include "backend/plda.h"
#include "matrix/matrix.h"

namespace voxtools {

class PldaScorer {
 public:
  // Keeps a reference to plda (it must outlive the scorer) and a copy of config.
  PldaScorer(const Plda &plda, const PldaConfig &config);

  // Transforms an enrolment vector (the mean of num_examples utterances) and stores it. As
  // Kaldi's ivector-plda-scoring, num_examples enters both the length normalisation (the
  // expected covariance of a mean of n vectors) and the likelihood ratio. Returns its index. *norm_factor gets the
  // length-normalisation factor (for the tool's diagnostics).
  int64_t AddEnrollment(const Vector<double> &v, int32_t num_examples,
                        double *norm_factor = nullptr);
  int64_t AddTest(const Vector<double> &v, double *norm_factor = nullptr);
  int64_t NumEnrollments() const { return static_cast<int64_t>(enroll_n_.size()); }
  int64_t NumTests() const { return static_cast<int64_t>(test_y_.size() / dim_); }

  // The log-likelihood ratio of enrolment e against test t.
  double Score(int64_t e, int64_t t) const {
    const double *w = &enroll_w_[e * dim_], *q = &q_[enroll_n_[e] * dim_];
    const double *y = &test_y_[t * dim_], *yy = &test_yy_[t * dim_];
    double sq = 0.0, cross = 0.0;
    for (int64_t i = 0; i < dim_; i++) {
      sq += yy[i] * q[i];
      cross += y[i] * w[i];
    }
    return -0.5 * (enroll_c_[e] + sq - 2.0 * cross);
  }

 private:
  // Index of q_n in q_ for this n (adding it if new).
  int32_t QIndex(int32_t n);

  const Plda &plda_;
  PldaConfig config_;
  int64_t dim_;
  std::map<int32_t, int32_t> n_index_;
  std::vector<double> q_;            // one row of dim per distinct n
  std::vector<double> enroll_w_;     // one row of dim per enrolment
  std::vector<double> enroll_c_;
  std::vector<int32_t> enroll_n_;    // index into q_
  std::vector<double> test_y_, test_yy_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_BACKEND_PLDA_SCORER_H_

// src/backend/score-norm.h
// Cohort score normalisation of cosine scores: symmetric normalisation (S-norm) and adaptive
// S-norm (AS-norm) as WeSpeaker's score_norm.py computes them. Each side of a trial is scored
// (cosine) against every cohort embedding; the mean m and population standard deviation s of
// the top-N of those scores (all of them for S-norm) normalise the trial score:
//   s_norm = ((s - m_enroll) / s_enroll + (s - m_test) / s_test) / 2.
// The embeddings (enrolment, test and cohort alike) have an optional mean subtracted first.
//
// References: Matejka et al., "Analysis of score normalization in multilingual speaker
// recognition", Interspeech 2017 (adaptive S-norm); Cumani et al., "Comparison of speaker
// recognition approaches for real applications", Interspeech 2011.
#ifndef VOXTOOLS_BACKEND_SCORE_NORM_H_
#define VOXTOOLS_BACKEND_SCORE_NORM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/options-itf.h"
#include "matrix/matrix.h"

namespace voxtools {

enum class ScoreNormType { kSNorm, kAsNorm };

struct ScoreNormOptions {
  std::string method = "as-norm";  // "s-norm" or "as-norm"
  // WeSpeaker's recipes use 300 (VoxCeleb) or 100 (CN-Celeb); more than the cohort size means
  // the whole cohort (S-norm), with a warning from the tool.
  int32_t top_n = 300;

  void Register(OptionsItf *opts);
  void Validate() const;
  std::string ToString() const;
  // The method as an enum (Validate() first).
  ScoreNormType Type() const;
};

// The statistics of one embedding's cohort scores.
struct CohortStats {
  double mean = 0.0;
  double stddev = 0.0;
};

class CohortNormalizer {
 public:
  // cohort: one embedding per row (num_cohort x dim); mean: subtracted from every embedding
  // first (empty: none). top_n <= 0 or >= num_cohort uses the whole cohort (S-norm). Throws
  // Error if the cohort is empty, a row is zero after mean subtraction (its cosine is
  // undefined; the message gives the row) or the mean's dimension differs.
  CohortNormalizer(const Matrix<double> &cohort, const Vector<double> &mean, int64_t top_n);

  int64_t Dim() const { return cohort_.NumCols(); }
  int64_t NumCohort() const { return cohort_.NumRows(); }
  int64_t TopN() const { return top_n_; }

  // The statistics of each row of `vectors` (num x Dim()), computed in blocks through GEMM.
  // Throws Error naming the row ("vector <row>", or names[row] if given) if a vector is zero after
  // mean subtraction, or if its top-N cohort scores are all equal (standard deviation 0:
  // normalisation is undefined).
  std::vector<CohortStats> ComputeStats(const Matrix<double> &vectors,
                                        const std::vector<std::string> *names = nullptr) const;

  // The AS-norm/S-norm score of a trial with raw score `score`.
  static double Normalize(double score, const CohortStats &enroll, const CohortStats &test) {
    return 0.5 * ((score - enroll.mean) / enroll.stddev + (score - test.mean) / test.stddev);
  }

 private:
  // Subtracts mean_ from each row and scales it to unit length; returns the first row that
  // is zero, or -1.
  int64_t NormalizeRows(Matrix<double> *m) const;

  Matrix<double> cohort_;  // mean-subtracted, unit-length rows
  Vector<double> mean_;
  int64_t top_n_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_BACKEND_SCORE_NORM_H_

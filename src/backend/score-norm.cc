// src/backend/score-norm.cc
#include "backend/score-norm.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

#include "base/log.h"
#include "matrix/linalg.h"

namespace voxtools {

void ScoreNormOptions::Register(OptionsItf *opts) {
  opts->Register("method", &method,
                 "s-norm (statistics over the whole cohort) or as-norm (over the top-N "
                 "cohort scores of each embedding)");
  opts->Register("top-n", &top_n, "With --method=as-norm: how many of the highest cohort "
                 "scores make each embedding's statistics");
}

void ScoreNormOptions::Validate() const {
  if (method != "s-norm" && method != "as-norm")
    VOX_ERR << "--method must be s-norm or as-norm, got '" << method << "'";
  if (method == "as-norm" && top_n < 2)
    VOX_ERR << "--top-n must be >= 2 (a standard deviation needs two scores), got " << top_n;
}

std::string ScoreNormOptions::ToString() const {
  std::ostringstream os;
  os << "ScoreNormOptions: method=" << method << " top-n=" << top_n;
  return os.str();
}

ScoreNormType ScoreNormOptions::Type() const {
  Validate();
  return method == "s-norm" ? ScoreNormType::kSNorm : ScoreNormType::kAsNorm;
}

CohortNormalizer::CohortNormalizer(const Matrix<double> &cohort, const Vector<double> &mean,
                                   int64_t top_n)
    : cohort_(cohort), mean_(mean) {
  if (cohort_.NumRows() == 0) VOX_ERR << "the cohort is empty";
  if (cohort_.NumRows() < 2) VOX_ERR << "the cohort needs at least 2 embeddings";
  if (mean_.Dim() != 0 && mean_.Dim() != cohort_.NumCols())
    VOX_ERR << "mean has dimension " << mean_.Dim() << ", the cohort " << cohort_.NumCols();
  const int64_t zero = NormalizeRows(&cohort_);
  if (zero >= 0) VOX_ERR << "cohort embedding " << zero << " is zero: its cosine is undefined";
  top_n_ = (top_n <= 0 || top_n > cohort_.NumRows()) ? cohort_.NumRows() : top_n;
}

int64_t CohortNormalizer::NormalizeRows(Matrix<double> *m) const {
  for (int64_t r = 0; r < m->NumRows(); r++) {
    double *x = m->Row(r);
    double sumsq = 0.0;
    for (int64_t i = 0; i < m->NumCols(); i++) {
      if (mean_.Dim() != 0) x[i] -= mean_(i);
      sumsq += x[i] * x[i];
    }
    if (!(sumsq > 0.0)) return r;
    const double scale = 1.0 / std::sqrt(sumsq);
    for (int64_t i = 0; i < m->NumCols(); i++) x[i] *= scale;
  }
  return -1;
}

std::vector<CohortStats> CohortNormalizer::ComputeStats(const Matrix<double> &vectors,
                                                       const std::vector<std::string> *names) const {
  VOX_ASSERT(names == nullptr || static_cast<int64_t>(names->size()) == vectors.NumRows());
  auto name = [names](int64_t row) { return names ? (*names)[row] : "vector " + std::to_string(row); };
  if (vectors.NumRows() > 0 && vectors.NumCols() != Dim())
    VOX_ERR << "vectors have dimension " << vectors.NumCols() << ", the cohort " << Dim();
  // A block of rows at a time keeps the score matrix at block x cohort doubles (8 MiB for a
  // cohort of 4096), while GEMM still runs on panels big enough to be fast.
  const int64_t kBlock = 256, n = vectors.NumRows(), num_cohort = NumCohort();
  std::vector<CohortStats> stats(n);
  Matrix<double> scores;
  std::vector<double> row;
  for (int64_t begin = 0; begin < n; begin += kBlock) {
    const int64_t rows = std::min(kBlock, n - begin);
    Matrix<double> block = vectors.Range(begin, rows, 0, Dim());
    const int64_t zero = NormalizeRows(&block);
    if (zero >= 0)
      VOX_ERR << name(begin + zero) << " is zero"
              << (mean_.Dim() ? " after subtracting the mean" : "") << ": its cosine is undefined";
    MatMul(block, false, cohort_, true, &scores);
    for (int64_t r = 0; r < rows; r++) {
      row.assign(scores.Row(r), scores.Row(r) + num_cohort);
      if (top_n_ < num_cohort)
        std::nth_element(row.begin(), row.begin() + (top_n_ - 1), row.end(), std::greater<double>());
      double sum = 0.0;
      for (int64_t k = 0; k < top_n_; k++) sum += row[k];
      const double mean = sum / top_n_;
      double sumsq = 0.0;  // two passes: the scores are close together, so E[x^2] - m^2 cancels
      for (int64_t k = 0; k < top_n_; k++) sumsq += (row[k] - mean) * (row[k] - mean);
      const double stddev = std::sqrt(sumsq / top_n_);  // population (numpy's np.std)
      if (!(stddev > 0.0))
        VOX_ERR << name(begin + r) << ": its top-" << top_n_
                << " cohort scores are all equal, so they cannot normalise a score";
      stats[begin + r].mean = mean;
      stats[begin + r].stddev = stddev;
    }
  }
  return stats;
}

}  // namespace voxtools

// src/backend/lda.cc
#include "backend/lda.h"

#include <cmath>
#include <sstream>

#include "base/log.h"
#include "matrix/linalg.h"

namespace voxtools {

void LdaOptions::Register(OptionsItf *opts) {
  opts->Register("dim", &dim, "Dimension kept by the LDA transform");
  opts->Register("total-covariance-factor", &total_covariance_factor,
                 "0.0: normalise the within-class covariance to unit; 1.0: the total "
                 "covariance; in between: an interpolation of the two");
  opts->Register("covariance-floor", &covariance_floor,
                 "Floor the eigenvalues of the interpolated covariance at this times the "
                 "largest one");
}

void LdaOptions::Validate() const {
  if (dim <= 0) VOX_ERR << "--dim must be > 0, got " << dim;
  if (total_covariance_factor < 0.0 || total_covariance_factor > 1.0)
    VOX_ERR << "--total-covariance-factor must be in [0, 1], got " << total_covariance_factor;
  if (covariance_floor < 0.0) VOX_ERR << "--covariance-floor must be >= 0, got " << covariance_floor;
}

std::string LdaOptions::ToString() const {
  std::ostringstream os;
  os << "LdaOptions: dim=" << dim << " total-covariance-factor=" << total_covariance_factor
     << " covariance-floor=" << covariance_floor;
  return os.str();
}

Matrix<double> ComputeLdaTransform(const Matrix<double> &vectors,
                                   const std::vector<int32_t> &speaker_of_row,
                                   int32_t num_speakers, const LdaOptions &options,
                                   Vector<double> *eigenvalues) {
  options.Validate();
  const int64_t num_utts = vectors.NumRows(), dim = vectors.NumCols();
  VOX_ASSERT(static_cast<int64_t>(speaker_of_row.size()) == num_utts);
  if (num_utts == 0) VOX_ERR << "LDA: no vectors";
  if (options.dim > dim)
    VOX_ERR << "LDA: --dim=" << options.dim << " exceeds the vector dimension " << dim;
  if (num_utts - num_speakers <= 0)
    VOX_ERR << "LDA: no speaker has more than one utterance (" << num_speakers << " speakers, "
            << num_utts << " utterances): the within-class covariance cannot be estimated";
  if (num_utts < dim)
    VOX_ERR << "LDA: too little data for the dimension: " << num_utts << " utterances for "
            << "dimension " << dim << " (the total covariance is singular)";

  // Mean over utterances; the transform removes it (offset column).
  Vector<double> mean(dim);
  for (int64_t r = 0; r < num_utts; r++)
    for (int64_t c = 0; c < dim; c++) mean(c) += vectors(r, c);
  for (int64_t c = 0; c < dim; c++) mean(c) /= num_utts;
  Matrix<double> centered(vectors);
  for (int64_t r = 0; r < num_utts; r++)
    for (int64_t c = 0; c < dim; c++) centered(r, c) -= mean(c);

  // Scatter of the (centred) vectors, and the between-speaker scatter sum_s n_s m_s m_s^T.
  Matrix<double> scatter;
  MatMul(centered, true, centered, false, &scatter);
  Matrix<double> spk_sum(num_speakers, dim);
  std::vector<int64_t> spk_count(num_speakers, 0);
  for (int64_t r = 0; r < num_utts; r++) {
    const int32_t s = speaker_of_row[r];
    VOX_ASSERT(s >= 0 && s < num_speakers);
    spk_count[s]++;
    for (int64_t c = 0; c < dim; c++) spk_sum(s, c) += centered(r, c);
  }
  Matrix<double> between_scatter(dim, dim);
  for (int32_t s = 0; s < num_speakers; s++) {
    if (spk_count[s] == 0) VOX_ERR << "LDA: speaker index " << s << " has no vectors";
    Vector<double> m(dim);
    for (int64_t c = 0; c < dim; c++) m(c) = spk_sum(s, c) / spk_count[s];
    AddOuterProduct(static_cast<double>(spk_count[s]), m, &between_scatter);
  }
  Matrix<double> total(dim, dim), within(dim, dim), to_normalize(dim, dim);
  const double tcf = options.total_covariance_factor;
  for (int64_t i = 0; i < dim; i++) {
    for (int64_t j = 0; j < dim; j++) {
      total(i, j) = scatter(i, j) / num_utts;
      within(i, j) = (scatter(i, j) - between_scatter(i, j)) / num_utts;
      to_normalize(i, j) = tcf * total(i, j) + (1.0 - tcf) * within(i, j);
    }
  }

  // T = diag(s^-1/2) U^T makes to_normalize unit.
  Vector<double> s;
  Matrix<double> u;
  SymEig(to_normalize, &s, &u);
  const double floor = options.covariance_floor * s(0);
  int64_t num_floored = 0;
  for (int64_t i = 0; i < dim; i++) {
    if (s(i) < floor) {
      s(i) = floor;
      num_floored++;
    }
  }
  if (num_floored > 0)
    VOX_WARN << "LDA: floored " << num_floored << " eigenvalues of the covariance to " << floor;
  if (!(floor > 0.0) && s(dim - 1) <= 0.0)
    VOX_ERR << "LDA: the covariance to normalise is singular (use --covariance-floor > 0)";
  Matrix<double> t(dim, dim);
  for (int64_t i = 0; i < dim; i++)
    for (int64_t j = 0; j < dim; j++) t(i, j) = u(j, i) / std::sqrt(s(i));

  Matrix<double> between(dim, dim);
  for (int64_t i = 0; i < dim; i++)
    for (int64_t j = 0; j < dim; j++) between(i, j) = total(i, j) - within(i, j);
  Matrix<double> between_proj = ProjectCovariance(t, between);
  Vector<double> b;
  Matrix<double> v;
  SymEig(between_proj, &b, &v);
  if (eigenvalues != nullptr) *eigenvalues = b;
  if (options.dim > num_speakers - 1)
    VOX_WARN << "LDA: --dim=" << options.dim << " exceeds the rank of the between-class "
             << "covariance (" << num_speakers << " speakers - 1)";

  // Rows: the leading eigenvectors of the projected between-class covariance, after T.
  const int64_t lda_dim = options.dim;
  Matrix<double> v_part(dim, lda_dim);
  for (int64_t i = 0; i < dim; i++)
    for (int64_t j = 0; j < lda_dim; j++) v_part(i, j) = v(i, j);
  Matrix<double> linear;
  MatMul(v_part, true, t, false, &linear);
  Vector<double> offset;
  MatVec(linear, false, mean, &offset);
  Matrix<double> out(lda_dim, dim + 1);
  for (int64_t r = 0; r < lda_dim; r++) {
    for (int64_t c = 0; c < dim; c++) out(r, c) = linear(r, c);
    out(r, dim) = -offset(r);
  }
  return out;
}

}  // namespace voxtools

// src/backend/lda.h
// Linear discriminant analysis for embeddings, as Kaldi's ivector-compute-lda: normalise an
// interpolation of the total and within-class covariances to unit, then keep the directions
// of largest between-class variance. The result is an affine transform (lda_dim x (dim + 1),
// last column the offset) that also removes the training mean.
#ifndef VOXTOOLS_BACKEND_LDA_H_
#define VOXTOOLS_BACKEND_LDA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/options-itf.h"
#include "matrix/matrix.h"

namespace voxtools {

struct LdaOptions {
  int32_t dim = 100;  // Kaldi's default; must not exceed the input dimension
  // 0: normalise the within-class covariance to unit (the usual LDA); 1: the total covariance.
  double total_covariance_factor = 0.0;
  // Eigenvalues of the normalised matrix below floor * largest are raised to it, so that a
  // rank-deficient covariance does not blow up the transform.
  double covariance_floor = 1.0e-6;

  void Register(OptionsItf *opts);
  void Validate() const;
  std::string ToString() const;
};

// vectors: one embedding per row (num_utts x dim); speaker_of_row[i] in [0, num_speakers)
// says whose row i is. Every speaker index must have at least one row. Throws Error if no
// speaker has two or more rows (no within-class scatter), if there are fewer rows than the
// dimension (singular total covariance) or if options.dim > dim. *eigenvalues (if given)
// gets the between-class variances in the normalised space, largest first (all dim of them).
Matrix<double> ComputeLdaTransform(const Matrix<double> &vectors,
                                   const std::vector<int32_t> &speaker_of_row,
                                   int32_t num_speakers, const LdaOptions &options,
                                   Vector<double> *eigenvalues = nullptr);

}  // namespace voxtools

#endif  // VOXTOOLS_BACKEND_LDA_H_

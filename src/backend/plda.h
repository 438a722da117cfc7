// src/backend/plda.h
// Two-covariance PLDA, as Kaldi's ivector/plda.h: model (Plda), statistics (PldaStats),
// EM trainer (PldaEstimator) and unsupervised domain adaptation (PldaUnsupervisedAdaptor).
//
// References: S. Ioffe, "Probabilistic Linear Discriminant Analysis", ECCV 2006 (the scoring
// formula, between eqs. 4 and 5); N. Brümmer and E. de Villiers, "The speaker partitioning
// problem", Odyssey 2010 (the two-covariance model trained by EM).
//
// The model: x = mean + between-class offset + within-class offset. Plda stores the affine map
// y = transform (x - mean) under which the within-class covariance is I and the between-class
// covariance is diag(psi). File format (Kaldi's, byte-compatible in both modes):
//   <Plda> <mean: DV> <transform: DM> <psi: DV> </Plda>
#ifndef VOXTOOLS_BACKEND_PLDA_H_
#define VOXTOOLS_BACKEND_PLDA_H_

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "base/options-itf.h"
#include "matrix/matrix.h"

namespace voxtools {

// How vectors are transformed for scoring (Kaldi's PldaConfig).
struct PldaConfig {
  // Scale each transformed vector so that its squared length, weighted by the inverse of its
  // expected covariance, equals the dimension.
  bool normalize_length = true;
  // With normalize_length: scale to length sqrt(dim) instead (ignores the covariance).
  bool simple_length_norm = false;

  void Register(OptionsItf *opts);
  std::string ToString() const;
};

struct PldaEstimationConfig {
  int32_t num_em_iters = 10;

  void Register(OptionsItf *opts);
  void Validate() const;
};

class Plda {
 public:
  Plda() = default;
  // Throws Error unless transform is dim x dim and psi (>= 0) and mean have dimension dim.
  Plda(const Vector<double> &mean, const Matrix<double> &transform, const Vector<double> &psi);

  int64_t Dim() const { return mean_.Dim(); }
  const Vector<double> &Mean() const { return mean_; }
  const Matrix<double> &Transform() const { return transform_; }
  const Vector<double> &Psi() const { return psi_; }

  // Kaldi's format; `binary` is the stream's mode (after the "\0B" marker). Read checks the
  // shapes and that every value is finite.
  void Write(std::ostream &os, bool binary) const;
  void Read(std::istream &is, bool binary);

  // out = transform (in - mean), then length-normalised as config says, as if `in` were the
  // average of num_examples vectors. Returns the normalisation factor (applied or not).
  double TransformVector(const PldaConfig &config, const Vector<double> &in, int32_t num_examples,
                         Vector<double> *out) const;

  // log p(test | same speaker as the n enrolment vectors averaged into `enroll`) -
  // log p(test | different speaker); both arguments already transformed.
  double LogLikelihoodRatio(const Vector<double> &enroll, int32_t n,
                            const Vector<double> &test) const;

 private:
  friend class PldaUnsupervisedAdaptor;
  void ComputeOffset();
  void Check() const;

  Vector<double> mean_;
  Matrix<double> transform_;
  Vector<double> psi_;
  Vector<double> offset_;  // -transform_ mean_
};

// Per-speaker statistics for training.
class PldaStats {
 public:
  // Adds one speaker: group holds its vectors as rows (at least one). All groups must have
  // the same dimension (else Error).
  void AddSamples(double weight, const Matrix<double> &group);
  int64_t Dim() const { return dim_; }
  int64_t NumClasses() const { return static_cast<int64_t>(classes_.size()); }
  int64_t NumExamples() const { return num_examples_; }
  // Sorts classes by size, so that the trainer inverts one matrix per distinct size.
  void Sort();

 private:
  friend class PldaEstimator;
  struct ClassInfo {
    double weight;
    Vector<double> mean;
    int64_t num_examples;
  };
  int64_t dim_ = 0;
  int64_t num_examples_ = 0;
  double class_weight_ = 0.0;
  double example_weight_ = 0.0;
  Vector<double> sum_;             // weighted sum of class means
  Matrix<double> offset_scatter_;  // sum over examples of (x - class mean)(x - class mean)^T
  std::vector<ClassInfo> classes_;
};

class PldaEstimator {
 public:
  // Throws Error if there is no speaker with two or more vectors.
  explicit PldaEstimator(const PldaStats &stats);
  // Runs config.num_em_iters EM iterations from within = between = I and writes the model.
  // Throws Error (naming the covariance) if a covariance becomes singular.
  void Estimate(const PldaEstimationConfig &config, Plda *plda);
  // Log-likelihood of the training data per example under the current covariances.
  double ComputeObjf() const;

 private:
  void EstimateOneIter();
  void GetOutput(Plda *plda) const;

  const PldaStats &stats_;
  Matrix<double> within_var_, between_var_;
};

struct PldaUnsupervisedAdaptorConfig {
  // How much of the mean shift of the adaptation data counts as extra covariance.
  double mean_diff_scale = 1.0;
  // Excess variance of the adaptation data (in directions where it exceeds the model's total
  // variance) is split between within- and between-class covariance in these proportions.
  double within_covar_scale = 0.3;
  double between_covar_scale = 0.7;

  void Register(OptionsItf *opts);
  void Validate() const;
};

// Kaldi's ivector-adapt-plda: moves the model's mean to the adaptation data's and adds its
// excess variance to the covariances. Needs no speaker labels.
class PldaUnsupervisedAdaptor {
 public:
  // Dimensions must agree (else Error).
  void AddStats(double weight, const Vector<double> &v);
  int64_t Count() const { return count_; }
  // Throws Error if no stats were added or the dimension differs from the model's.
  void UpdatePlda(const PldaUnsupervisedAdaptorConfig &config, Plda *plda) const;

 private:
  double tot_weight_ = 0.0;
  int64_t count_ = 0;
  Vector<double> mean_stats_;
  Matrix<double> variance_stats_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_BACKEND_PLDA_H_

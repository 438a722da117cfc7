// src/backend/glc.h
// Gaussian linear classifier (GLC) for language identification: one Gaussian per class, all
// classes sharing one within-class covariance, so that the log-likelihood ratios between
// classes are linear in the embedding (the generative back-end of NIST LRE systems, e.g.
// Brummer & van Leeuwen, "On calibration of language recognition scores", Odyssey 2006;
// Martinez et al., "Language recognition in iVectors space", Interspeech 2011).
//
// Training is maximum likelihood: class means, and the pooled within-class covariance
//   W = 1/N sum_k sum_{i in k} (x_i - mu_k)(x_i - mu_k)^T,
// or with class balancing (so that a class with much data does not dominate the shape)
//   W = 1/K sum_k 1/N_k sum_{i in k} (x_i - mu_k)(x_i - mu_k)^T.
// Scoring gives the full log-likelihoods log N(x; mu_k, W) (with the normaliser, so they are
// true log densities), and posteriors under flat priors.
#ifndef VOXTOOLS_BACKEND_GLC_H_
#define VOXTOOLS_BACKEND_GLC_H_

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "base/options-itf.h"
#include "matrix/matrix.h"

namespace voxtools {

struct GlcOptions {
  bool class_balanced = false;
  // Added to the covariance's diagonal as a fraction of its mean variance: makes a covariance
  // estimated from few vectors invertible. 0 keeps the ML estimate.
  double smoothing = 0.0;

  void Register(OptionsItf *opts);
  void Validate() const;
  std::string ToString() const;
};

class Glc {
 public:
  Glc() = default;

  // vectors: num_utts x dim; labels[i] in [0, class_names.size()) is the class of row i.
  // Throws Error if a class has no vector, if there are fewer vectors than dim + classes (the
  // covariance would be singular; suggests --smoothing), or if the covariance is not
  // positive definite.
  void Train(const Matrix<double> &vectors, const std::vector<int32_t> &labels,
             const std::vector<std::string> &class_names, const GlcOptions &options);

  int64_t NumClasses() const { return means_.NumRows(); }
  int64_t Dim() const { return means_.NumCols(); }
  const std::vector<std::string> &ClassNames() const { return class_names_; }
  const Matrix<double> &Means() const { return means_; }           // num_classes x dim
  const Matrix<double> &Covariance() const { return covariance_; }  // dim x dim

  // out(k) = log N(x; mu_k, W) for each class k. Throws Error if x has the wrong dimension.
  void LogLikelihoods(const Vector<float> &x, Vector<double> *out) const;
  // Posteriors under flat priors, from log-likelihoods (a softmax); `log` gives their logs.
  static void Posteriors(const Vector<double> &loglikes, bool log, Vector<double> *out);

  // Kaldi object format: <Glc> <Classes> K name_1 .. name_K <Means> matrix <Covariance>
  // matrix </Glc>. Read checks shapes and the covariance (Error naming what is wrong).
  void Write(std::ostream &os, bool binary) const;
  void Read(std::istream &is, bool binary);

 private:
  // Cholesky-whitened copies for scoring (from means_ and covariance_).
  void Prepare();

  std::vector<std::string> class_names_;
  Matrix<double> means_, covariance_;
  Matrix<double> whitener_;         // L^-1 where W = L L^T
  Matrix<double> whitened_means_;   // rows L^-1 mu_k
  double log_normalizer_ = 0.0;     // -0.5 (dim log 2 pi + log det W)
};

}  // namespace voxtools

#endif  // VOXTOOLS_BACKEND_GLC_H_

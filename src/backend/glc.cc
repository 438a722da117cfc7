// src/backend/glc.cc
#include "backend/glc.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "base/log.h"
#include "io/io-funcs.h"
#include "io/kaldi-object.h"
#include "matrix/linalg.h"

namespace voxtools {

void GlcOptions::Register(OptionsItf *opts) {
  opts->Register("class-balanced", &class_balanced,
                 "Average the per-class covariances with equal weights instead of pooling all "
                 "vectors (so that the largest classes do not dominate)");
  opts->Register("smoothing", &smoothing,
                 "Add this times the mean variance to the covariance's diagonal (for few "
                 "training vectors per dimension)");
}

void GlcOptions::Validate() const {
  if (!(smoothing >= 0.0)) VOX_ERR << "--smoothing must be >= 0, got " << smoothing;
}

std::string GlcOptions::ToString() const {
  std::ostringstream os;
  os << "GlcOptions: class-balanced=" << (class_balanced ? "true" : "false")
     << " smoothing=" << smoothing;
  return os.str();
}

void Glc::Train(const Matrix<double> &vectors, const std::vector<int32_t> &labels,
                const std::vector<std::string> &class_names, const GlcOptions &options) {
  options.Validate();
  const int64_t n = vectors.NumRows(), dim = vectors.NumCols();
  const int64_t num_classes = static_cast<int64_t>(class_names.size());
  VOX_ASSERT(static_cast<int64_t>(labels.size()) == n);
  if (num_classes < 2) VOX_ERR << "GLC: need at least 2 classes, got " << num_classes;
  if (n == 0) VOX_ERR << "GLC: no training vectors";
  std::vector<int64_t> counts(num_classes, 0);
  Matrix<double> means(num_classes, dim);
  for (int64_t i = 0; i < n; i++) {
    const int32_t k = labels[i];
    VOX_ASSERT(k >= 0 && k < num_classes);
    counts[k]++;
    for (int64_t j = 0; j < dim; j++) means(k, j) += vectors(i, j);
  }
  for (int64_t k = 0; k < num_classes; k++) {
    if (counts[k] == 0) VOX_ERR << "GLC: class " << class_names[k] << " has no training vectors";
    for (int64_t j = 0; j < dim; j++) means(k, j) /= counts[k];
  }
  if (options.smoothing == 0.0 && n - num_classes < dim)
    VOX_ERR << "GLC: " << n << " vectors in " << num_classes << " classes cannot estimate a "
            << dim << "-dimensional covariance (need at least dim + classes = "
            << dim + num_classes << "); use --smoothing";
  // Centred vectors, each weighted so that one product gives the covariance: 1/N pooled, or
  // 1/(K N_k) class-balanced.
  Matrix<double> centred(n, dim);
  for (int64_t i = 0; i < n; i++) {
    const int32_t k = labels[i];
    const double w = options.class_balanced ? 1.0 / (num_classes * counts[k]) : 1.0 / n;
    const double sw = std::sqrt(w);
    for (int64_t j = 0; j < dim; j++) centred(i, j) = sw * (vectors(i, j) - means(k, j));
  }
  Matrix<double> cov;
  MatMul(centred, true, centred, false, &cov);
  if (options.smoothing > 0.0) {
    double trace = 0.0;
    for (int64_t j = 0; j < dim; j++) trace += cov(j, j);
    const double add = options.smoothing * trace / dim;
    for (int64_t j = 0; j < dim; j++) cov(j, j) += add;
  }
  class_names_ = class_names;
  means_ = means;
  covariance_ = cov;
  Prepare();
}

void Glc::Prepare() {
  const int64_t dim = Dim();
  Matrix<double> l;
  try {
    Cholesky(covariance_, &l);
  } catch (const Error &e) {
    VOX_ERR << "GLC: the within-class covariance is not positive definite (" << e.reason()
            << "); use --smoothing or fewer dimensions";
  }
  InvertLowerTriangular(l, &whitener_);
  MatMul(means_, false, whitener_, true, &whitened_means_);
  double log_det = 0.0;
  for (int64_t j = 0; j < dim; j++) log_det += 2.0 * std::log(l(j, j));
  log_normalizer_ = -0.5 * (dim * std::log(2.0 * M_PI) + log_det);
}

void Glc::LogLikelihoods(const Vector<float> &x, Vector<double> *out) const {
  const int64_t dim = Dim(), num_classes = NumClasses();
  if (x.Dim() != dim) VOX_ERR << "vector has dimension " << x.Dim() << ", the GLC model " << dim;
  Vector<double> xd(x), z;
  MatVec(whitener_, false, xd, &z);
  out->Resize(num_classes);
  for (int64_t k = 0; k < num_classes; k++) {
    const double *m = whitened_means_.Row(k);
    double d2 = 0.0;
    for (int64_t j = 0; j < dim; j++) d2 += (z(j) - m[j]) * (z(j) - m[j]);
    (*out)(k) = log_normalizer_ - 0.5 * d2;
  }
}

void Glc::Posteriors(const Vector<double> &loglikes, bool log, Vector<double> *out) {
  const int64_t k = loglikes.Dim();
  VOX_ASSERT(k > 0);
  const double max = *std::max_element(loglikes.Data(), loglikes.Data() + k);
  double sum = 0.0;
  for (int64_t i = 0; i < k; i++) sum += std::exp(loglikes(i) - max);
  const double log_sum = max + std::log(sum);
  out->Resize(k);
  for (int64_t i = 0; i < k; i++)
    (*out)(i) = log ? loglikes(i) - log_sum : std::exp(loglikes(i) - log_sum);
}

void Glc::Write(std::ostream &os, bool binary) const {
  WriteToken(os, binary, "<Glc>");
  WriteToken(os, binary, "<Classes>");
  WriteBasicType<int32_t>(os, binary, static_cast<int32_t>(class_names_.size()));
  for (const std::string &name : class_names_) WriteToken(os, binary, name);
  WriteToken(os, binary, "<Means>");
  WriteMatrix(os, binary, means_);
  WriteToken(os, binary, "<Covariance>");
  WriteMatrix(os, binary, covariance_);
  WriteToken(os, binary, "</Glc>");
  if (!os) VOX_ERR << "error writing the GLC model";
}

void Glc::Read(std::istream &is, bool binary) {
  ExpectToken(is, binary, "<Glc>");
  ExpectToken(is, binary, "<Classes>");
  int32_t num_classes = 0;
  ReadBasicType(is, binary, &num_classes);
  if (num_classes < 2 || num_classes > 1000000)
    VOX_ERR << "GLC model: bad number of classes " << num_classes;
  class_names_.resize(num_classes);
  for (std::string &name : class_names_) ReadToken(is, binary, &name);
  ExpectToken(is, binary, "<Means>");
  ReadMatrix(is, binary, &means_);
  ExpectToken(is, binary, "<Covariance>");
  ReadMatrix(is, binary, &covariance_);
  ExpectToken(is, binary, "</Glc>");
  if (means_.NumRows() != num_classes || means_.NumCols() == 0)
    VOX_ERR << "GLC model: " << num_classes << " classes but a " << means_.NumRows() << " x "
            << means_.NumCols() << " means matrix";
  if (covariance_.NumRows() != Dim() || covariance_.NumCols() != Dim())
    VOX_ERR << "GLC model: means of dimension " << Dim() << " but a " << covariance_.NumRows()
            << " x " << covariance_.NumCols() << " covariance";
  for (const Matrix<double> *m : {&means_, &covariance_})
    for (int64_t i = 0; i < m->NumElements(); i++)
      if (!std::isfinite(m->Data()[i])) VOX_ERR << "GLC model: a parameter is NaN or Inf";
  Prepare();
}

}  // namespace voxtools

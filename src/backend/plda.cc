// src/backend/plda.cc
// The estimation follows the EM of Kaldi's PldaEstimator: each iteration treats a class mean
// m (n examples) as x + y with x ~ N(0, B) and y ~ N(0, W / n), takes the posterior of x
// (mean w = (B^-1 + n W^-1)^-1 n W^-1 m, covariance (B^-1 + n W^-1)^-1) and re-estimates B
// from x and W from y plus the scatter of the examples around their class means.
#include "backend/plda.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "base/log.h"
#include "io/io-funcs.h"
#include "io/kaldi-object.h"
#include "matrix/linalg.h"

namespace voxtools {

namespace {

constexpr double kLog2Pi = 1.8378770664093454835606594728112;

// C^-1 where covar = C C^T (Cholesky): makes covar unit, C^-1 covar C^-T = I.
Matrix<double> NormalizingTransform(const Matrix<double> &covar, const char *what) {
  Matrix<double> c, c_inv;
  try {
    Cholesky(covar, &c);
  } catch (const Error &e) {
    VOX_ERR << "PLDA: the " << what << " covariance is singular: " << e.what();
  }
  InvertLowerTriangular(c, &c_inv);
  return c_inv;
}

// Given the within- and between-class covariances, the transform that makes within unit and
// between diagonal (psi, largest first).
void DiagonalizeCovariances(const Matrix<double> &within, const Matrix<double> &between,
                            Matrix<double> *transform, Vector<double> *psi) {
  Matrix<double> t1 = NormalizingTransform(within, "within-class");
  Matrix<double> between_proj = ProjectCovariance(t1, between);
  Matrix<double> u;
  SymEig(between_proj, psi, &u);
  int64_t num_floored = 0;
  for (int64_t i = 0; i < psi->Dim(); i++) {
    if ((*psi)(i) < 0.0) {
      (*psi)(i) = 0.0;
      num_floored++;
    }
  }
  if (num_floored > 0)
    VOX_WARN << "Floored " << num_floored << " eigenvalues of the between-class variance to zero";
  MatMul(u, true, t1, false, transform);
}

bool AllFiniteD(const Vector<double> &v) {
  for (int64_t i = 0; i < v.Dim(); i++)
    if (!std::isfinite(v(i))) return false;
  return true;
}

}  // namespace

void PldaConfig::Register(OptionsItf *opts) {
  opts->Register("normalize-length", &normalize_length,
                 "If true, do length normalization as part of PLDA (see code for details)");
  opts->Register("simple-length-normalization", &simple_length_norm,
                 "If true, replace the default length normalization by scaling to length "
                 "sqrt(dim) (only with --normalize-length=true)");
}

std::string PldaConfig::ToString() const {
  std::ostringstream os;
  os << "PldaConfig: normalize-length=" << (normalize_length ? "true" : "false")
     << " simple-length-normalization=" << (simple_length_norm ? "true" : "false");
  return os.str();
}

void PldaEstimationConfig::Register(OptionsItf *opts) {
  opts->Register("num-em-iters", &num_em_iters, "Number of iterations of E-M used for PLDA estimation");
}

void PldaEstimationConfig::Validate() const {
  if (num_em_iters < 0) VOX_ERR << "--num-em-iters must be >= 0, got " << num_em_iters;
}

Plda::Plda(const Vector<double> &mean, const Matrix<double> &transform, const Vector<double> &psi)
    : mean_(mean), transform_(transform), psi_(psi) {
  Check();
  ComputeOffset();
}

void Plda::Check() const {
  const int64_t dim = mean_.Dim();
  if (dim == 0) VOX_ERR << "PLDA model has dimension 0";
  if (transform_.NumRows() != dim || transform_.NumCols() != dim || psi_.Dim() != dim)
    VOX_ERR << "PLDA model is inconsistent: mean has dimension " << dim << ", transform is "
            << transform_.NumRows() << " x " << transform_.NumCols() << ", psi has dimension "
            << psi_.Dim();
  if (!AllFiniteD(mean_) || !AllFiniteD(psi_)) VOX_ERR << "PLDA model has NaN or Inf values";
  for (int64_t i = 0; i < transform_.NumElements(); i++)
    if (!std::isfinite(transform_.Data()[i])) VOX_ERR << "PLDA transform has NaN or Inf values";
  for (int64_t i = 0; i < dim; i++)
    if (psi_(i) < 0.0) VOX_ERR << "PLDA psi(" << i << ") = " << psi_(i) << " is negative";
}

void Plda::ComputeOffset() {
  MatVec(transform_, false, mean_, &offset_);
  for (int64_t i = 0; i < offset_.Dim(); i++) offset_(i) = -offset_(i);
}

void Plda::Write(std::ostream &os, bool binary) const {
  WriteToken(os, binary, "<Plda>");
  WriteVector(os, binary, mean_);
  WriteMatrix(os, binary, transform_);
  WriteVector(os, binary, psi_);
  WriteToken(os, binary, "</Plda>");
  if (!os) VOX_ERR << "error writing the PLDA model";
}

void Plda::Read(std::istream &is, bool binary) {
  ExpectToken(is, binary, "<Plda>");
  ReadVector(is, binary, &mean_);
  ReadMatrix(is, binary, &transform_);
  ReadVector(is, binary, &psi_);
  ExpectToken(is, binary, "</Plda>");
  Check();
  ComputeOffset();
}

double Plda::TransformVector(const PldaConfig &config, const Vector<double> &in,
                             int32_t num_examples, Vector<double> *out) const {
  const int64_t dim = Dim();
  if (in.Dim() != dim)
    VOX_ERR << "vector has dimension " << in.Dim() << ", the PLDA model " << dim;
  VOX_ASSERT(num_examples > 0);
  MatVec(transform_, false, in, out);
  double sumsq = 0.0, weighted = 0.0;
  for (int64_t i = 0; i < dim; i++) {
    const double y = (*out)(i) + offset_(i);
    (*out)(i) = y;
    sumsq += y * y;
    // The average of num_examples vectors has covariance psi + I / num_examples here.
    weighted += y * y / (psi_(i) + 1.0 / num_examples);
  }
  const double factor = config.simple_length_norm ? std::sqrt(dim / sumsq)
                                                  : std::sqrt(dim / weighted);
  if (config.normalize_length)
    for (int64_t i = 0; i < dim; i++) (*out)(i) *= factor;
  return factor;
}

double Plda::LogLikelihoodRatio(const Vector<double> &enroll, int32_t n,
                                const Vector<double> &test) const {
  const int64_t dim = Dim();
  VOX_ASSERT(enroll.Dim() == dim && test.Dim() == dim && n > 0);
  // Given the class: N(test; n psi / (n psi + 1) enroll, 1 + psi / (n psi + 1));
  // without: N(test; 0, 1 + psi). The 2 pi terms cancel.
  double given = 0.0, without = 0.0;
  for (int64_t i = 0; i < dim; i++) {
    const double denom = n * psi_(i) + 1.0;
    const double mean = n * psi_(i) / denom * enroll(i);
    const double var = 1.0 + psi_(i) / denom;
    const double d = test(i) - mean;
    given += std::log(var) + d * d / var;
    const double var0 = 1.0 + psi_(i);
    without += std::log(var0) + test(i) * test(i) / var0;
  }
  return -0.5 * (given - without);
}

void PldaStats::AddSamples(double weight, const Matrix<double> &group) {
  const int64_t n = group.NumRows();
  if (n == 0) VOX_ERR << "PLDA: a speaker with no vectors";
  if (dim_ == 0) {
    dim_ = group.NumCols();
    sum_.Resize(dim_);
    offset_scatter_.Resize(dim_, dim_);
  } else if (group.NumCols() != dim_) {
    VOX_ERR << "PLDA: vectors of dimension " << group.NumCols() << " after " << dim_;
  }
  Vector<double> mean(dim_);
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < dim_; c++) mean(c) += group(r, c);
  for (int64_t c = 0; c < dim_; c++) mean(c) /= n;
  Matrix<double> centered(group);
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < dim_; c++) centered(r, c) -= mean(c);
  Matrix<double> scatter;
  MatMul(centered, true, centered, false, &scatter);
  for (int64_t i = 0; i < scatter.NumElements(); i++)
    offset_scatter_.Data()[i] += weight * scatter.Data()[i];
  for (int64_t c = 0; c < dim_; c++) sum_(c) += weight * mean(c);
  classes_.push_back({weight, std::move(mean), n});
  num_examples_ += n;
  class_weight_ += weight;
  example_weight_ += weight * n;
}

void PldaStats::Sort() {
  std::stable_sort(classes_.begin(), classes_.end(), [](const ClassInfo &a, const ClassInfo &b) {
    return a.num_examples < b.num_examples;
  });
}

PldaEstimator::PldaEstimator(const PldaStats &stats) : stats_(stats) {
  if (stats.NumClasses() == 0) VOX_ERR << "PLDA: no training data";
  if (!(stats.example_weight_ - stats.class_weight_ > 0.0))
    VOX_ERR << "PLDA: no speaker has more than one utterance (" << stats.NumClasses()
            << " speakers, " << stats.NumExamples()
            << " utterances): the within-class covariance cannot be estimated";
  const int64_t dim = stats.Dim();
  // EM cannot recover from a singular total covariance (a constant or linearly dependent
  // dimension, or fewer vectors than dimensions): the within-class covariance shrinks towards
  // zero in that direction and the model blows up. Refuse it here with the reason.
  Matrix<double> total(stats.offset_scatter_);
  Vector<double> global_mean(stats.sum_);
  for (int64_t c = 0; c < dim; c++) global_mean(c) /= stats.class_weight_;
  for (const PldaStats::ClassInfo &info : stats.classes_) {
    Vector<double> m(info.mean);
    for (int64_t c = 0; c < dim; c++) m(c) -= global_mean(c);
    AddOuterProduct(info.weight * info.num_examples, m, &total);
  }
  Vector<double> eig;
  Matrix<double> u;
  SymEig(total, &eig, &u);
  if (!(eig(0) > 0.0) || eig(dim - 1) <= 1.0e-10 * eig(0))
    VOX_ERR << "PLDA: the covariance of the training vectors is singular (eigenvalues from "
            << eig(0) / stats.example_weight_ << " down to " << eig(dim - 1) / stats.example_weight_
            << "): a constant or linearly dependent dimension, or fewer vectors ("
            << stats.NumExamples() << ") than dimensions (" << dim << "); reduce the dimension "
            << "(e.g. LDA) first";
  within_var_.Resize(dim, dim);
  between_var_.Resize(dim, dim);
  for (int64_t i = 0; i < dim; i++) within_var_(i, i) = between_var_(i, i) = 1.0;
}

void PldaEstimator::EstimateOneIter() {
  const int64_t dim = stats_.Dim();
  Matrix<double> within_stats = stats_.offset_scatter_, between_stats(dim, dim);
  double within_count = stats_.example_weight_ - stats_.class_weight_, between_count = 0.0;

  Matrix<double> between_inv, within_inv, mixed_var;
  try {
    InvertSymPosDef(between_var_, &between_inv);
  } catch (const Error &e) {
    VOX_ERR << "PLDA: the between-class covariance became singular: " << e.what();
  }
  try {
    InvertSymPosDef(within_var_, &within_inv);
  } catch (const Error &e) {
    VOX_ERR << "PLDA: the within-class covariance became singular: " << e.what();
  }
  Vector<double> global_mean(stats_.sum_);
  for (int64_t c = 0; c < dim; c++) global_mean(c) /= stats_.class_weight_;
  int64_t n = -1;
  for (const PldaStats::ClassInfo &info : stats_.classes_) {
    if (info.num_examples != n) {
      n = info.num_examples;
      Matrix<double> precision(between_inv);
      for (int64_t i = 0; i < precision.NumElements(); i++)
        precision.Data()[i] += n * within_inv.Data()[i];
      InvertSymPosDef(precision, &mixed_var);
    }
    Vector<double> m(info.mean), temp, w;
    for (int64_t c = 0; c < dim; c++) m(c) -= global_mean(c);
    MatVec(within_inv, false, m, &temp);
    for (int64_t c = 0; c < dim; c++) temp(c) *= n;
    MatVec(mixed_var, false, temp, &w);
    Vector<double> m_w(m);
    for (int64_t c = 0; c < dim; c++) m_w(c) -= w(c);
    const double weight = info.weight;
    for (int64_t i = 0; i < mixed_var.NumElements(); i++) {
      between_stats.Data()[i] += weight * mixed_var.Data()[i];
      within_stats.Data()[i] += weight * n * mixed_var.Data()[i];
    }
    AddOuterProduct(weight, w, &between_stats);
    AddOuterProduct(weight * n, m_w, &within_stats);
    between_count += weight;
    within_count += weight;
  }
  for (int64_t i = 0; i < within_stats.NumElements(); i++) {
    within_var_.Data()[i] = within_stats.Data()[i] / within_count;
    between_var_.Data()[i] = between_stats.Data()[i] / between_count;
  }
  double within_trace = 0.0, between_trace = 0.0;
  for (int64_t i = 0; i < dim; i++) {
    within_trace += within_var_(i, i);
    between_trace += between_var_(i, i);
  }
  VOX_VLOG(1) << "Trace of within-class variance is " << within_trace
              << ", of between-class variance " << between_trace;
  VOX_VLOG(2) << "Objective function is " << ComputeObjf();
}

double PldaEstimator::ComputeObjf() const {
  const int64_t dim = stats_.Dim();
  // Part 1: the offsets from the class means, (n - 1) samples of the within covariance each.
  Matrix<double> within_inv;
  double within_logdet = 0.0;
  InvertSymPosDef(within_var_, &within_inv, &within_logdet);
  double trace = 0.0;
  for (int64_t i = 0; i < within_inv.NumElements(); i++)
    trace += within_inv.Data()[i] * stats_.offset_scatter_.Data()[i];
  const double count = stats_.example_weight_ - stats_.class_weight_;
  double objf = -0.5 * (count * (within_logdet + kLog2Pi * dim) + trace);
  // Part 2: the class means, each ~ N(global mean, between + within / n).
  Vector<double> global_mean(stats_.sum_);
  for (int64_t c = 0; c < dim; c++) global_mean(c) /= stats_.class_weight_;
  int64_t n = -1;
  Matrix<double> combined_inv;
  double combined_logdet = 0.0;
  for (const PldaStats::ClassInfo &info : stats_.classes_) {
    if (info.num_examples != n) {
      n = info.num_examples;
      Matrix<double> combined(between_var_);
      for (int64_t i = 0; i < combined.NumElements(); i++)
        combined.Data()[i] += within_var_.Data()[i] / n;
      InvertSymPosDef(combined, &combined_inv, &combined_logdet);
    }
    Vector<double> m(info.mean), pm;
    for (int64_t c = 0; c < dim; c++) m(c) -= global_mean(c);
    MatVec(combined_inv, false, m, &pm);
    objf += info.weight * -0.5 * (combined_logdet + kLog2Pi * dim + Dot(m, pm));
  }
  return objf / stats_.example_weight_;
}

void PldaEstimator::Estimate(const PldaEstimationConfig &config, Plda *plda) {
  config.Validate();
  for (int32_t i = 0; i < config.num_em_iters; i++) {
    VOX_VLOG(1) << "PLDA estimation iteration " << i << " of " << config.num_em_iters;
    EstimateOneIter();
  }
  GetOutput(plda);
}

void PldaEstimator::GetOutput(Plda *plda) const {
  Vector<double> mean(stats_.sum_);
  for (int64_t c = 0; c < mean.Dim(); c++) mean(c) /= stats_.class_weight_;
  Matrix<double> transform;
  Vector<double> psi;
  DiagonalizeCovariances(within_var_, between_var_, &transform, &psi);
  *plda = Plda(mean, transform, psi);
}

void PldaUnsupervisedAdaptorConfig::Register(OptionsItf *opts) {
  opts->Register("mean-diff-scale", &mean_diff_scale,
                 "Scale with which to add to the total data variance, the outer product of "
                 "the difference between the original mean and the adaptation-data mean");
  opts->Register("within-covar-scale", &within_covar_scale,
                 "Scale that determines how much of the excess variance in a particular "
                 "direction gets attributed to within-class covariance");
  opts->Register("between-covar-scale", &between_covar_scale,
                 "Scale that determines how much of the excess variance in a particular "
                 "direction gets attributed to between-class covariance");
}

void PldaUnsupervisedAdaptorConfig::Validate() const {
  if (mean_diff_scale < 0.0) VOX_ERR << "--mean-diff-scale must be >= 0, got " << mean_diff_scale;
  if (within_covar_scale < 0.0 || between_covar_scale < 0.0)
    VOX_ERR << "--within-covar-scale and --between-covar-scale must be >= 0";
}

void PldaUnsupervisedAdaptor::AddStats(double weight, const Vector<double> &v) {
  if (mean_stats_.Dim() == 0) {
    mean_stats_.Resize(v.Dim());
    variance_stats_.Resize(v.Dim(), v.Dim());
  } else if (v.Dim() != mean_stats_.Dim()) {
    VOX_ERR << "adaptation vector has dimension " << v.Dim() << " after " << mean_stats_.Dim();
  }
  VOX_ASSERT(weight >= 0.0);
  tot_weight_ += weight;
  count_++;
  for (int64_t i = 0; i < v.Dim(); i++) mean_stats_(i) += weight * v(i);
  AddOuterProduct(weight, v, &variance_stats_);
}

void PldaUnsupervisedAdaptor::UpdatePlda(const PldaUnsupervisedAdaptorConfig &config,
                                         Plda *plda) const {
  config.Validate();
  if (!(tot_weight_ > 0.0)) VOX_ERR << "PLDA adaptation: no adaptation data";
  const int64_t dim = mean_stats_.Dim();
  if (dim != plda->Dim())
    VOX_ERR << "PLDA adaptation: vectors have dimension " << dim << ", the model " << plda->Dim();
  Vector<double> mean(mean_stats_);
  for (int64_t i = 0; i < dim; i++) mean(i) /= tot_weight_;
  Matrix<double> variance(variance_stats_);
  for (int64_t i = 0; i < variance.NumElements(); i++) variance.Data()[i] /= tot_weight_;
  AddOuterProduct(-1.0, mean, &variance);  // centred
  Vector<double> mean_diff(mean);
  for (int64_t i = 0; i < dim; i++) mean_diff(i) -= plda->mean_(i);
  AddOuterProduct(config.mean_diff_scale, mean_diff, &variance);
  plda->mean_ = mean;

  // transform_mod maps to the space where the model's total covariance (I + diag(psi)) is I.
  Matrix<double> transform_mod(plda->transform_);
  for (int64_t i = 0; i < dim; i++) {
    const double scale = 1.0 / std::sqrt(1.0 + plda->psi_(i));
    for (int64_t j = 0; j < dim; j++) transform_mod(i, j) *= scale;
  }
  Matrix<double> variance_proj = ProjectCovariance(transform_mod, variance);
  Vector<double> s;
  Matrix<double> p;
  SymEig(variance_proj, &s, &p);

  // Within and between covariances in that space are diagonal; rotate them by P^T and add the
  // excess variance of the adaptation data (eigenvalues above 1) to their diagonals.
  Matrix<double> w(dim, dim), b(dim, dim);
  for (int64_t i = 0; i < dim; i++) {
    w(i, i) = 1.0 / (1.0 + plda->psi_(i));
    b(i, i) = plda->psi_(i) / (1.0 + plda->psi_(i));
  }
  Matrix<double> p_t = Transpose(p);
  Matrix<double> w_proj = ProjectCovariance(p_t, w), b_proj = ProjectCovariance(p_t, b);
  for (int64_t i = 0; i < dim; i++) {
    VOX_VLOG(2) << "eigenvalue " << i << " is " << s(i) << ", within " << w_proj(i, i)
                << ", between " << b_proj(i, i);
    if (s(i) > 1.0) {
      const double excess = s(i) - 1.0;
      w_proj(i, i) += excess * config.within_covar_scale;
      b_proj(i, i) += excess * config.between_covar_scale;
    }
  }
  Matrix<double> combined, combined_inv;
  MatMul(p_t, false, transform_mod, false, &combined);
  Invert(combined, &combined_inv);
  Matrix<double> w_mod = ProjectCovariance(combined_inv, w_proj);
  Matrix<double> b_mod = ProjectCovariance(combined_inv, b_proj);
  Matrix<double> transform;
  Vector<double> psi;
  DiagonalizeCovariances(w_mod, b_mod, &transform, &psi);
  plda->transform_ = transform;
  plda->psi_ = psi;
  plda->Check();
  plda->ComputeOffset();
}

}  // namespace voxtools

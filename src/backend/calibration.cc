// src/backend/calibration.cc
#include "backend/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "base/log.h"
#include "base/text-utils.h"
#include "io/kaldi-stream.h"

namespace voxtools {

void CalibrationOptions::Register(OptionsItf *opts) {
  opts->Register("p-target", &p_target,
                 "Effective target prior at which the cross-entropy is minimised (BOSARIS's "
                 "prior); the output LLRs do not include it");
  opts->Register("max-iters", &max_iters, "Maximum Newton iterations");
  opts->Register("tolerance", &tolerance, "Stop when the largest gradient element is below this");
}

void CalibrationOptions::Validate() const {
  if (!(p_target > 0.0 && p_target < 1.0))
    VOX_ERR << "--p-target must be in (0, 1), got " << p_target;
  if (max_iters < 1) VOX_ERR << "--max-iters must be >= 1, got " << max_iters;
  if (!(tolerance > 0.0)) VOX_ERR << "--tolerance must be > 0, got " << tolerance;
}

std::string CalibrationOptions::ToString() const {
  std::ostringstream os;
  os << "CalibrationOptions: p-target=" << p_target << " max-iters=" << max_iters
     << " tolerance=" << tolerance;
  return os.str();
}

void LinearCalibration::Write(const std::string &wxfilename) const {
  Output output(wxfilename);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g %.17g\n", scale, offset);
  output.Stream() << buf;
  output.Close();
}

void LinearCalibration::Read(const std::string &rxfilename) {
  Input input(rxfilename);
  std::ostringstream text;
  text << input.Stream().rdbuf();
  input.Close();
  const std::vector<std::string> f = SplitString(text.str(), " \t\r\n", true);
  double a = 0, b = 0;
  if (f.size() != 2 || !ConvertToDouble(f[0], &a) || !ConvertToDouble(f[1], &b) ||
      !std::isfinite(a) || !std::isfinite(b))
    VOX_ERR << "calibration model " << PrintableRxfilename(rxfilename)
            << " must hold two finite numbers '<scale> <offset>'";
  scale = a;
  offset = b;
}

namespace {

// log(1 + exp(x)) without overflow.
double Softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
// 1 / (1 + exp(-x)) without overflow.
double Sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

void CheckScores(const std::vector<double> &scores, const char *what) {
  if (scores.empty()) VOX_ERR << "calibration: no " << what << " scores";
  for (double s : scores)
    if (!std::isfinite(s)) VOX_ERR << "calibration: a " << what << " score is " << s;
}

}  // namespace

double WeightedCrossEntropy(const LinearCalibration &cal, const std::vector<double> &targets,
                            const std::vector<double> &nontargets, double p_target) {
  CheckScores(targets, "target");
  CheckScores(nontargets, "non-target");
  const double logit = std::log(p_target / (1.0 - p_target));
  double ct = 0.0, cn = 0.0;
  for (double s : targets) ct += Softplus(-(cal.Apply(s) + logit));
  for (double s : nontargets) cn += Softplus(cal.Apply(s) + logit);
  return p_target * ct / targets.size() + (1.0 - p_target) * cn / nontargets.size();
}

LinearCalibration TrainLinearCalibration(const std::vector<double> &targets,
                                         const std::vector<double> &nontargets,
                                         const CalibrationOptions &options, double *cllr) {
  options.Validate();
  CheckScores(targets, "target");
  CheckScores(nontargets, "non-target");
  const double p = options.p_target, logit = std::log(p / (1.0 - p));
  {
    const double first = targets[0];
    bool all_equal = true;
    for (double s : targets) all_equal = all_equal && s == first;
    for (double s : nontargets) all_equal = all_equal && s == first;
    if (all_equal) VOX_ERR << "calibration: all scores are equal (" << first << "), nothing to fit";
  }
  // Scores are centred and scaled for the iterations so that the Hessian is well conditioned
  // whatever their units (PLDA LLRs in the tens, cosines below 1); the result is mapped back.
  double sum = 0.0, sumsq = 0.0;
  for (double s : targets) sum += s;
  for (double s : nontargets) sum += s;
  const double n = targets.size() + nontargets.size(), mu = sum / n;
  for (double s : targets) sumsq += (s - mu) * (s - mu);
  for (double s : nontargets) sumsq += (s - mu) * (s - mu);
  const double sigma = std::sqrt(sumsq / n);  // > 0: not all scores are equal
  const double wt = p / targets.size(), wn = (1.0 - p) / nontargets.size();

  // Parameters on the standardised scores z = (s - mu) / sigma: llr = a z + b.
  double a = 0.0, b = 0.0;
  auto objective = [&](double a_, double b_) {
    double c = 0.0;
    for (double s : targets) c += wt * Softplus(-(a_ * (s - mu) / sigma + b_ + logit));
    for (double s : nontargets) c += wn * Softplus(a_ * (s - mu) / sigma + b_ + logit);
    return c;
  };
  double current = objective(a, b);
  int32_t iter = 0;
  bool converged = false;
  for (; iter < options.max_iters; iter++) {
    // Gradient and Hessian of C: for a target, d/dx softplus(-x) = -(1 - sigmoid(x)); for a
    // non-target d/dx softplus(x) = sigmoid(x); both have second derivative sigmoid (1 - sigmoid).
    double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
    auto accumulate = [&](double s, double w, bool target) {
      const double z = (s - mu) / sigma, x = a * z + b + logit, q = Sigmoid(x);
      const double g = w * (target ? q - 1.0 : q), h = w * q * (1.0 - q);
      ga += g * z;
      gb += g;
      haa += h * z * z;
      hab += h * z;
      hbb += h;
    };
    for (double s : targets) accumulate(s, wt, true);
    for (double s : nontargets) accumulate(s, wn, false);
    if (std::max(std::fabs(ga), std::fabs(gb)) < options.tolerance) {
      converged = true;
      break;
    }
    const double det = haa * hbb - hab * hab;
    double da, db;
    if (det > 1e-300 * std::max(1.0, haa * hbb)) {
      da = -(hbb * ga - hab * gb) / det;
      db = -(haa * gb - hab * ga) / det;
    } else {  // flat Hessian (separable data): a gradient step
      da = -ga;
      db = -gb;
    }
    double step = 1.0, next = objective(a + da, b + db);
    while (!(next <= current) && step > 1e-12) {
      step *= 0.5;
      next = objective(a + step * da, b + step * db);
    }
    if (!(next <= current)) {
      converged = true;  // no decrease possible in double precision: at the minimum
      break;
    }
    a += step * da;
    b += step * db;
    current = next;
  }
  if (!converged)
    VOX_WARN << "calibration did not converge in " << options.max_iters << " iterations (are "
             << "the target and non-target scores separable?); scale so far " << a / sigma;
  VOX_VLOG(1) << "calibration: " << iter << " Newton iterations";
  LinearCalibration cal;
  cal.scale = a / sigma;
  cal.offset = b - a * mu / sigma;
  if (cllr != nullptr) {
    const double entropy = -(p * std::log(p) + (1.0 - p) * std::log(1.0 - p));
    *cllr = current / entropy;
  }
  return cal;
}

}  // namespace voxtools

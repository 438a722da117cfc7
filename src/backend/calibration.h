// src/backend/calibration.h
// Linear calibration of detection scores to log-likelihood ratios, llr = scale * s + offset,
// trained by prior-weighted logistic regression as in BOSARIS (Brummer & de Villiers, "The
// BOSARIS toolkit: theory, algorithms and code for surviving the new DCF", 2011) and
// SpeechBrain: minimise, at an effective target prior p,
//   C(scale, offset) = p / N_t  sum_targets    log(1 + exp(-(llr(s) + logit p)))
//                    + (1-p) / N_n sum_nontargets log(1 + exp(  llr(s) + logit p)),
// which is Cllr (in nats) at that prior; the result is reported in bits, divided by the
// prior's entropy, so that 1 means "no better than the prior" (BOSARIS's normalised Cllr).
// The logit p is a shift used only in training: the output is a prior-free LLR.
//
// The model file is one text line "<scale> <offset>" (%.17g), readable by any script.
#ifndef VOXTOOLS_BACKEND_CALIBRATION_H_
#define VOXTOOLS_BACKEND_CALIBRATION_H_

#include <string>
#include <vector>

#include "base/options-itf.h"

namespace voxtools {

struct CalibrationOptions {
  double p_target = 0.5;     // the effective prior the cross-entropy is weighted at
  int32_t max_iters = 100;   // Newton steps; a 2-parameter convex problem converges in ~10
  double tolerance = 1e-10;  // stop when the gradient's largest element is below this

  void Register(OptionsItf *opts);
  void Validate() const;
  std::string ToString() const;
};

struct LinearCalibration {
  double scale = 1.0;
  double offset = 0.0;
  double Apply(double score) const { return scale * score + offset; }

  // "<scale> <offset>\n". Read throws Error naming the file if it holds anything else or a
  // value is not finite.
  void Write(const std::string &wxfilename) const;
  void Read(const std::string &rxfilename);
};

// The prior-weighted cross-entropy C above, in nats (not normalised). Throws if a list is empty.
double WeightedCrossEntropy(const LinearCalibration &cal, const std::vector<double> &targets,
                            const std::vector<double> &nontargets, double p_target);

// Trains the calibration by Newton's method with a backtracking line search (C is convex in
// (scale, offset)). Throws Error if a list is empty, a score is not finite, or all scores are
// equal (nothing to fit). *cllr (if given) gets the normalised Cllr at p_target after
// training: C / (-(p log p + (1-p) log(1-p))). Separable data (every target above every
// non-target) has no finite minimum; the iterations stop at max_iters with a warning and a
// large scale.
LinearCalibration TrainLinearCalibration(const std::vector<double> &targets,
                                         const std::vector<double> &nontargets,
                                         const CalibrationOptions &options, double *cllr = nullptr);

}  // namespace voxtools

#endif  // VOXTOOLS_BACKEND_CALIBRATION_H_

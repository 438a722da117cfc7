// src/backend/metrics.h
// Detection metrics: EER (Kaldi's compute-eer definition, threshold included), minimum
// detection cost (NIST SRE), DET curve points, and the language-identification metrics of
// NIST LRE (Cavg at the Bayes threshold, minCavg, accuracy, confusion matrix).
#ifndef VOXTOOLS_BACKEND_METRICS_H_
#define VOXTOOLS_BACKEND_METRICS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "matrix/matrix.h"

namespace voxtools {

// Kaldi's compute-eer: sorts both lists, walks the target scores upwards and stops at the
// first position p where the non-target score at the matching false-alarm position is below
// target[p]. Returns p / #targets (a proportion) and sets *threshold = target[p]. Scores are
// float as in Kaldi, so results (ties included) are identical. Throws if a list is empty.
double ComputeEer(std::vector<float> targets, std::vector<float> nontargets, float *threshold);

struct DcfPoint {
  double p_target = 0.01;
  double c_miss = 1.0;
  double c_fa = 1.0;
};

// Minimum over thresholds of the normalised detection cost
//   (c_miss p_target P_miss(t) + c_fa (1 - p_target) P_fa(t)) / min(c_miss p_target, c_fa (1 - p_target)),
// with P_miss(t) = #targets with score < t / #targets and P_fa(t) = #non-targets with
// score >= t / #non-targets, over every t at a score and +infinity (reject all). Tied scores are
// one threshold. *threshold gets the minimising t. Throws if a list is empty.
double ComputeMinDcf(const std::vector<double> &targets, const std::vector<double> &nontargets,
                     const DcfPoint &point, double *threshold = nullptr);

// DET points (P_miss, P_fa) for every distinct threshold, from accept-all to reject-all.
struct DetCurve {
  std::vector<double> p_miss, p_fa;
};
DetCurve ComputeDetCurve(const std::vector<double> &targets, const std::vector<double> &nontargets);

// Language identification. scores: num_utts x num_langs, higher = more likely that language;
// labels[i] in [0, num_langs) is the true language of utterance i. Detection scores are
// log-likelihood ratios: with `scores_are_loglikes` they are made from log-likelihoods as
// LRE does, llr(L) = s(L) - log(mean over L' != L of exp s(L')); else scores are used as LLRs.
struct LidMetrics {
  double accuracy = 0.0;              // top-1
  Matrix<double> confusion;           // [true][decided] counts
  double cavg = 0.0;                  // at the Bayes threshold log(c_fa (1-p) / (c_miss p))
  double min_cavg = 0.0;              // over one threshold shared by all languages
  double min_cavg_threshold = 0.0;
  std::vector<double> eer;            // per language (proportions), Kaldi's definition
  std::vector<int64_t> num_utts;      // per true language
};
LidMetrics ComputeLidMetrics(const Matrix<double> &scores, const std::vector<int32_t> &labels,
                             bool scores_are_loglikes, double p_target = 0.5, double c_miss = 1.0,
                             double c_fa = 1.0);

// The detection log-likelihood ratios used by ComputeLidMetrics (num_utts x num_langs).
Matrix<double> LidDetectionLlrs(const Matrix<double> &loglikes);

}  // namespace voxtools

#endif  // VOXTOOLS_BACKEND_METRICS_H_

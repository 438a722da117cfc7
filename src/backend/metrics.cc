// src/backend/metrics.cc
#include "backend/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sys/types.h>
#include <utility>

#include "base/log.h"

namespace voxtools {

double ComputeEer(std::vector<float> targets, std::vector<float> nontargets, float *threshold) {
  if (targets.empty()) VOX_ERR << "EER: no target scores";
  if (nontargets.empty()) VOX_ERR << "EER: no non-target scores";
  std::sort(targets.begin(), targets.end());
  std::sort(nontargets.begin(), nontargets.end());
  const size_t target_size = targets.size();
  size_t target_position = 0;
  for (; target_position + 1 < target_size; target_position++) {
    // The non-target position whose false-alarm rate equals this miss rate; the arithmetic
    // (truncation of a double) is Kaldi's, so that ties give Kaldi's answer.
    const ssize_t nontarget_size = static_cast<ssize_t>(nontargets.size());
    const ssize_t nontarget_n = static_cast<ssize_t>(
        static_cast<double>(static_cast<size_t>(nontarget_size) * target_position) /
        static_cast<double>(target_size));
    ssize_t nontarget_position = nontarget_size - 1 - nontarget_n;
    if (nontarget_position < 0) nontarget_position = 0;
    if (nontargets[nontarget_position] < targets[target_position]) break;
  }
  *threshold = targets[target_position];
  return static_cast<double>(target_position) / static_cast<double>(target_size);
}

namespace {

// Scores with labels, sorted ascending; calls visit(score, miss_rate, fa_rate) for the
// threshold at each distinct score (accept score >= t), then for +infinity.
template <typename Visit>
void SweepThresholds(const std::vector<double> &targets, const std::vector<double> &nontargets,
                     Visit visit) {
  if (targets.empty()) VOX_ERR << "no target scores";
  if (nontargets.empty()) VOX_ERR << "no non-target scores";
  std::vector<std::pair<double, bool>> all;
  all.reserve(targets.size() + nontargets.size());
  for (double s : targets) all.emplace_back(s, true);
  for (double s : nontargets) all.emplace_back(s, false);
  for (const auto &p : all)
    if (std::isnan(p.first)) VOX_ERR << "a score is NaN";
  std::sort(all.begin(), all.end());
  const double nt = targets.size(), nn = nontargets.size();
  int64_t tgt_below = 0, non_below = 0;
  for (size_t i = 0; i < all.size();) {
    const double t = all[i].first;
    visit(t, tgt_below / nt, (nn - non_below) / nn);
    for (; i < all.size() && all[i].first == t; i++) {
      if (all[i].second)
        tgt_below++;
      else
        non_below++;
    }
  }
  visit(std::numeric_limits<double>::infinity(), 1.0, 0.0);
}

}  // namespace

double ComputeMinDcf(const std::vector<double> &targets, const std::vector<double> &nontargets,
                     const DcfPoint &point, double *threshold) {
  if (!(point.p_target > 0.0 && point.p_target < 1.0))
    VOX_ERR << "p-target must be in (0, 1), got " << point.p_target;
  if (!(point.c_miss > 0.0 && point.c_fa > 0.0)) VOX_ERR << "costs must be > 0";
  const double c_def = std::min(point.c_miss * point.p_target, point.c_fa * (1.0 - point.p_target));
  double best = std::numeric_limits<double>::infinity(), best_t = 0.0;
  SweepThresholds(targets, nontargets, [&](double t, double p_miss, double p_fa) {
    const double c = point.c_miss * point.p_target * p_miss + point.c_fa * (1.0 - point.p_target) * p_fa;
    if (c < best) {
      best = c;
      best_t = t;
    }
  });
  if (threshold != nullptr) *threshold = best_t;
  return best / c_def;
}

DetCurve ComputeDetCurve(const std::vector<double> &targets, const std::vector<double> &nontargets) {
  DetCurve curve;
  SweepThresholds(targets, nontargets, [&](double, double p_miss, double p_fa) {
    curve.p_miss.push_back(p_miss);
    curve.p_fa.push_back(p_fa);
  });
  return curve;
}

Matrix<double> LidDetectionLlrs(const Matrix<double> &loglikes) {
  const int64_t n = loglikes.NumRows(), num_langs = loglikes.NumCols();
  if (num_langs < 2) VOX_ERR << "LID needs at least 2 languages, got " << num_langs;
  Matrix<double> llr(n, num_langs);
  for (int64_t u = 0; u < n; u++) {
    const double *s = loglikes.Row(u);
    for (int64_t l = 0; l < num_langs; l++) {
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < num_langs; k++)
        if (k != l) max = std::max(max, s[k]);
      double sum = 0.0;
      for (int64_t k = 0; k < num_langs; k++)
        if (k != l) sum += std::exp(s[k] - max);
      llr(u, l) = s[l] - (max + std::log(sum / (num_langs - 1)));
    }
  }
  return llr;
}

LidMetrics ComputeLidMetrics(const Matrix<double> &scores, const std::vector<int32_t> &labels,
                             bool scores_are_loglikes, double p_target, double c_miss,
                             double c_fa) {
  const int64_t n = scores.NumRows(), num_langs = scores.NumCols();
  VOX_ASSERT(static_cast<int64_t>(labels.size()) == n);
  if (n == 0) VOX_ERR << "LID metrics: no utterances";
  if (num_langs < 2) VOX_ERR << "LID metrics need at least 2 languages, got " << num_langs;
  if (!(p_target > 0.0 && p_target < 1.0)) VOX_ERR << "p-target must be in (0, 1), got " << p_target;
  for (int64_t i = 0; i < scores.NumElements(); i++)
    if (std::isnan(scores.Data()[i])) VOX_ERR << "LID metrics: a score is NaN";
  LidMetrics m;
  m.num_utts.assign(num_langs, 0);
  m.confusion.Resize(num_langs, num_langs);
  int64_t correct = 0;
  for (int64_t u = 0; u < n; u++) {
    const int32_t truth = labels[u];
    VOX_ASSERT(truth >= 0 && truth < num_langs);
    m.num_utts[truth]++;
    const double *s = scores.Row(u);
    const int64_t best = std::max_element(s, s + num_langs) - s;
    m.confusion(truth, best) += 1.0;
    if (best == truth) correct++;
  }
  m.accuracy = static_cast<double>(correct) / n;

  const Matrix<double> llr = scores_are_loglikes ? LidDetectionLlrs(scores) : scores;
  // Languages without test data take no part in the average (NIST averages over the target
  // languages of the evaluation).
  int64_t present = 0;
  for (int64_t l = 0; l < num_langs; l++) present += m.num_utts[l] > 0;
  if (present < 2) VOX_ERR << "LID metrics need test utterances of at least 2 languages";
  // Each (utterance, detector) score costs w_miss if it is a rejected target, w_fa if an
  // accepted non-target: Cavg = sum of these over all decisions.
  std::vector<std::pair<double, double>> miss_cost, fa_cost;  // (score, weight)
  double cavg = 0.0;
  const double bayes = std::log(c_fa * (1.0 - p_target) / (c_miss * p_target));
  for (int64_t u = 0; u < n; u++) {
    const int32_t truth = labels[u];
    for (int64_t l = 0; l < num_langs; l++) {
      if (m.num_utts[l] == 0) continue;
      const double s = llr(u, l);
      if (l == truth) {
        const double w = c_miss * p_target / (present * m.num_utts[truth]);
        miss_cost.emplace_back(s, w);
        if (!(s > bayes)) cavg += w;
      } else {
        const double w = c_fa * (1.0 - p_target) / (present * (present - 1.0) * m.num_utts[truth]);
        fa_cost.emplace_back(s, w);
        if (s > bayes) cavg += w;
      }
    }
  }
  m.cavg = cavg;
  // minCavg: threshold theta, accept if llr > theta. At theta = -inf every non-target is a
  // false alarm; moving theta past a score adds its miss weight or removes its FA weight.
  std::vector<std::pair<double, double>> events;  // (score, cost change when rejected)
  double cost = 0.0;
  for (const auto &p : fa_cost) {
    cost += p.second;
    events.emplace_back(p.first, -p.second);
  }
  for (const auto &p : miss_cost) events.emplace_back(p.first, p.second);
  std::sort(events.begin(), events.end());
  double best = cost, best_t = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < events.size();) {
    const double t = events[i].first;
    for (; i < events.size() && events[i].first == t; i++) cost += events[i].second;
    if (cost < best) {
      best = cost;
      best_t = t;
    }
  }
  m.min_cavg = best;
  m.min_cavg_threshold = best_t;

  m.eer.assign(num_langs, std::numeric_limits<double>::quiet_NaN());
  for (int64_t l = 0; l < num_langs; l++) {
    std::vector<float> tgt, non;
    for (int64_t u = 0; u < n; u++) (labels[u] == l ? tgt : non).push_back(static_cast<float>(llr(u, l)));
    if (tgt.empty() || non.empty()) continue;
    float threshold;
    m.eer[l] = ComputeEer(tgt, non, &threshold);
  }
  return m;
}

}  // namespace voxtools

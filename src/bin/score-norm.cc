// src/bin/score-norm.cc
// Cohort score normalisation (S-norm, adaptive S-norm) of a score file.
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "backend/score-norm.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"
#include "io/kaldi-object.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Normalise trial scores with a cohort, as WeSpeaker's score_norm.py: each enrolment and\n"
    "test embedding is scored (cosine) against every cohort embedding, and the mean m and\n"
    "standard deviation s of its top-N cohort scores (all of them with --method=s-norm) give\n"
    "  normalised = ((score - m_enroll) / s_enroll + (score - m_test) / s_test) / 2.\n"
    "The scores should be cosine scores of the same embeddings (score-cosine, with the same\n"
    "--mean). The cohort is usually one mean embedding per training speaker (average-vectors).\n"
    "A trial whose key has no embedding is a warning, counted towards --max-errors.\n"
    "\n"
    "Usage: score-norm [options] <cohort-rspecifier> <enroll-rspecifier> <test-rspecifier> <scores-rxfilename> <scores-wxfilename>\n"
    "e.g.: score-norm --method=as-norm --top-n=300 --mean=mean.vec ark:cohort_spk.ark ark:enroll.ark ark:test.ark scores scores.asnorm\n"
    "See also: score-cosine, average-vectors, compute-eer, calibrate-scores\n";

// The statistics of the vectors of `kv` that `needed` marks; the others stay zero.
std::vector<CohortStats> StatsOfNeeded(const CohortNormalizer &norm,
                                       const backend_tool::KeyedVectors &kv,
                                       const std::vector<bool> &needed, const std::string &what) {
  std::vector<int64_t> rows;
  for (size_t i = 0; i < needed.size(); i++)
    if (needed[i]) rows.push_back(static_cast<int64_t>(i));
  Matrix<double> m(static_cast<int64_t>(rows.size()), kv.Dim());
  for (size_t r = 0; r < rows.size(); r++)
    for (int64_t c = 0; c < kv.Dim(); c++) m(r, c) = kv.vectors[rows[r]](c);
  std::vector<std::string> names;
  for (int64_t r : rows) names.push_back(what + " " + kv.keys[r]);
  const std::vector<CohortStats> stats = norm.ComputeStats(m, &names);
  std::vector<CohortStats> out(kv.keys.size());
  for (size_t r = 0; r < rows.size(); r++) out[rows[r]] = stats[r];
  return out;
}

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  ScoreNormOptions opts;
  std::string mean_rxfilename;
  int64_t max_errors = 0;
  opts.Register(&po);
  po.Register("mean", &mean_rxfilename,
              "Vector subtracted from every embedding (cohort, enrolment, test) first");
  po.Register("max-errors", &max_errors,
              "Fail (writing nothing) if more than this many trials cannot be normalised (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 5) {
    po.PrintUsage();
    return 1;
  }
  const ScoreNormType type = opts.Type();
  VOX_VLOG(1) << opts.ToString();
  Vector<double> mean;
  if (!mean_rxfilename.empty()) ReadKaldiObject(mean_rxfilename, &mean);
  const backend_tool::KeyedVectors cohort = backend_tool::LoadVectors(po.GetArg(1), "cohort vector");
  const backend_tool::KeyedVectors enroll = backend_tool::LoadVectors(po.GetArg(2), "enrollment vector");
  const backend_tool::KeyedVectors test = backend_tool::LoadVectors(po.GetArg(3), "test vector");
  if (enroll.Dim() != cohort.Dim() || test.Dim() != cohort.Dim())
    VOX_ERR << "dimensions differ: cohort " << cohort.Dim() << ", enrollment " << enroll.Dim()
            << ", test " << test.Dim();
  if (mean.Dim() != 0 && mean.Dim() != cohort.Dim())
    VOX_ERR << "mean " << mean_rxfilename << " has dimension " << mean.Dim() << ", the vectors "
            << cohort.Dim();
  int64_t top_n = type == ScoreNormType::kSNorm ? 0 : opts.top_n;
  if (top_n > static_cast<int64_t>(cohort.keys.size())) {
    VOX_WARN << "--top-n=" << top_n << " exceeds the cohort size " << cohort.keys.size()
             << ": using the whole cohort (S-norm)";
    top_n = 0;
  }
  Matrix<double> cohort_m(static_cast<int64_t>(cohort.keys.size()), cohort.Dim());
  for (size_t r = 0; r < cohort.keys.size(); r++)
    for (int64_t c = 0; c < cohort.Dim(); c++) cohort_m(r, c) = cohort.vectors[r](c);
  std::unique_ptr<CohortNormalizer> norm;
  try {
    norm.reset(new CohortNormalizer(cohort_m, mean, top_n));
  } catch (const Error &e) {
    VOX_ERR << "cohort " << po.GetArg(1) << ": " << e.reason();
  }
  VOX_LOG << "Cohort of " << norm->NumCohort() << " embeddings, statistics over the top "
          << norm->TopN();

  const backend_tool::ScoreList scores = backend_tool::ReadScores(po.GetArg(4));
  const size_t num_trials = scores.score.size();
  std::vector<int64_t> e_idx(num_trials, -1), t_idx(num_trials, -1);
  std::vector<bool> e_needed(enroll.keys.size(), false), t_needed(test.keys.size(), false);
  int64_t num_errors = 0;
  for (size_t i = 0; i < num_trials; i++) {
    auto e = enroll.index.find(scores.enroll[i]);
    auto t = test.index.find(scores.test[i]);
    if (e == enroll.index.end() || t == test.index.end()) {
      VOX_WARN << "Key " << (e == enroll.index.end() ? scores.enroll[i] : scores.test[i])
               << " (line " << i + 1 << " of the scores) not present in "
               << (e == enroll.index.end() ? "enrollment" : "test") << " vectors.";
      num_errors++;
      continue;
    }
    e_idx[i] = e->second;
    t_idx[i] = t->second;
    e_needed[e->second] = t_needed[t->second] = true;
  }
  if (num_errors > max_errors)
    VOX_ERR << num_errors << " trial(s) failed (--max-errors=" << max_errors << "); nothing written";
  const std::vector<CohortStats> e_stats = StatsOfNeeded(*norm, enroll, e_needed, "enrollment vector");
  const std::vector<CohortStats> t_stats = StatsOfNeeded(*norm, test, t_needed, "test vector");

  Output output(po.GetArg(5));
  std::string buffer;
  int64_t num_done = 0;
  for (size_t i = 0; i < num_trials; i++) {
    if (e_idx[i] < 0) continue;
    const double s = CohortNormalizer::Normalize(scores.score[i], e_stats[e_idx[i]], t_stats[t_idx[i]]);
    backend_tool::AppendScoreLine(scores.enroll[i], scores.test[i], s, &buffer);
    num_done++;
  }
  if (num_done == 0) VOX_ERR << "no trials were normalised";
  output.Stream().write(buffer.data(), buffer.size());
  output.Close();
  VOX_LOG << "Done " << num_done << " trials, errors " << num_errors;
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

// src/bin/compute-lid-metrics.cc
// Language-identification metrics: accuracy, confusion matrix, Cavg and minCavg (NIST LRE),
// per-language EER.
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "backend/metrics.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Compute language-identification metrics from per-utterance score vectors (one score per\n"
    "language, in the order of <languages>, one name per line), against utt2lang. Scores are\n"
    "log-likelihoods by default (turned into detection log-likelihood ratios as NIST LRE\n"
    "does: llr(L) = s(L) - log mean_{L' != L} exp s(L')); with --scores-are-llrs they are used\n"
    "as they are. Prints accuracy, Cavg at the Bayes threshold, minCavg (one threshold shared\n"
    "by all languages), per-language EER and the confusion matrix (rows: true language).\n"
    "Languages without test utterances take no part in Cavg.\n"
    "\n"
    "Usage: compute-lid-metrics [options] <languages> <scores-rspecifier> <utt2lang>\n"
    "e.g.: compute-lid-metrics exp/glc/languages ark:exp/glc/loglikes.ark data/test/utt2lang\n"
    "See also: compute-eer, compute-min-dcf\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  bool scores_are_llrs = false;
  double p_target = 0.5, c_miss = 1.0, c_fa = 1.0;
  int64_t max_errors = 0;
  po.Register("scores-are-llrs", &scores_are_llrs, "Scores are detection LLRs already");
  po.Register("p-target", &p_target, "Target prior of Cavg");
  po.Register("c-miss", &c_miss, "Cost of a miss in Cavg");
  po.Register("c-fa", &c_fa, "Cost of a false alarm in Cavg");
  po.Register("max-errors", &max_errors,
              "Fail if more than this many utterances have no utt2lang entry (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 3) {
    po.PrintUsage();
    return 1;
  }
  const std::vector<std::string> langs = backend_tool::ReadClassList(po.GetArg(1), "language");
  std::unordered_map<std::string, int32_t> lang_index;
  for (size_t i = 0; i < langs.size(); i++) lang_index[langs[i]] = static_cast<int32_t>(i);
  std::unordered_map<std::string, std::string> utt2lang;
  for (const auto &f : backend_tool::ReadKeyedLines(po.GetArg(3), 1, 1)) utt2lang[f[0]] = f[1];
  const backend_tool::KeyedVectors kv = backend_tool::LoadVectors(po.GetArg(2), "score vector");
  if (kv.Dim() != static_cast<int64_t>(langs.size()))
    VOX_ERR << "score vectors have dimension " << kv.Dim() << " but " << po.GetArg(1) << " lists "
            << langs.size() << " languages";
  std::vector<int32_t> labels;
  std::vector<int64_t> rows;
  int64_t num_errors = 0;
  for (size_t i = 0; i < kv.keys.size(); i++) {
    auto it = utt2lang.find(kv.keys[i]);
    if (it == utt2lang.end()) {
      VOX_WARN << "utterance " << kv.keys[i] << " has no utt2lang entry";
      num_errors++;
      continue;
    }
    auto li = lang_index.find(it->second);
    if (li == lang_index.end())
      VOX_ERR << "utterance " << kv.keys[i] << " has language " << it->second << ", not in "
              << po.GetArg(1);
    labels.push_back(li->second);
    rows.push_back(static_cast<int64_t>(i));
  }
  if (num_errors > max_errors)
    VOX_ERR << num_errors << " utterances without a language (--max-errors=" << max_errors << ")";
  Matrix<double> scores(static_cast<int64_t>(rows.size()), kv.Dim());
  for (size_t r = 0; r < rows.size(); r++)
    for (int64_t c = 0; c < kv.Dim(); c++) scores(r, c) = kv.vectors[rows[r]](c);
  const LidMetrics m = ComputeLidMetrics(scores, labels, !scores_are_llrs, p_target, c_miss, c_fa);
  std::printf("accuracy %.2f%%\nCavg %.4f\nminCavg %.4f\n", 100 * m.accuracy, m.cavg, m.min_cavg);
  for (size_t l = 0; l < langs.size(); l++)
    std::printf("EER %s %.2f%% (%lld utterances)\n", langs[l].c_str(), 100 * m.eer[l],
                static_cast<long long>(m.num_utts[l]));
  std::printf("confusion (rows: true, columns: decided)\n%-10s", "");
  for (const std::string &l : langs) std::printf(" %8s", l.c_str());
  std::printf("\n");
  for (size_t i = 0; i < langs.size(); i++) {
    std::printf("%-10s", langs[i].c_str());
    for (size_t j = 0; j < langs.size(); j++) std::printf(" %8.0f", m.confusion(i, j));
    std::printf("\n");
  }
  VOX_LOG << "Done " << rows.size() << " utterances, errors " << num_errors
          << "; minCavg threshold " << m.min_cavg_threshold;
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

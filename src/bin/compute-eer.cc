// src/bin/compute-eer.cc
// Equal error rate with Kaldi's definition and threshold (Kaldi's compute-eer).
#include <cstdio>
#include <string>
#include <vector>

#include "backend/metrics.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Compute the equal error rate (EER) of detection scores, as Kaldi's compute-eer (same\n"
    "definition, same threshold, ties included). Input: lines '<score> target|nontarget'\n"
    "(Kaldi's format), or a trials file ('enroll test target|nontarget') and a score file\n"
    "('enroll test score', as score-plda writes) joined on the key pair. The EER in % is\n"
    "printed to stdout with 4 significant digits (no newline, as Kaldi); the log gives the\n"
    "threshold.\n"
    "\n"
    "Usage: compute-eer [options] <scores-in>\n"
    "  or:  compute-eer [options] <trials-rxfilename> <scores-rxfilename>\n"
    "e.g.: paste -d' ' trials scores | awk '{print $6, $3}' | compute-eer -\n"
    "      compute-eer data/test/trials exp/scores\n"
    "See also: compute-min-dcf, plot-det, score-plda, compute-eer (Kaldi)\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  int64_t max_errors = 0;
  po.Register("max-errors", &max_errors,
              "With a trials file: fail if more than this many trials have no score (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 1 && po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  const backend_tool::LabeledScores ls =
      backend_tool::LoadLabeledScores(po.GetArg(1), po.GetOptArg(2), max_errors);
  std::vector<float> targets(ls.targets.begin(), ls.targets.end()),
      nontargets(ls.nontargets.begin(), ls.nontargets.end());
  float threshold = 0.0f;
  const double eer = ComputeEer(targets, nontargets, &threshold);
  VOX_LOG << "Equal error rate is " << (100.0 * eer) << "%, at threshold " << threshold
          << " (" << targets.size() << " target and " << nontargets.size()
          << " non-target scores)";
  std::printf("%.4g", 100.0 * eer);
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

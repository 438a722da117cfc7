// src/bin/calibrate-scores.cc
// Applies a linear calibration (from train-calibration) to a score file.
#include <cmath>
#include <string>

#include "backend/calibration.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Turn scores into calibrated log-likelihood ratios with a model from train-calibration:\n"
    "each '<enroll> <test> <score>' line becomes '<enroll> <test> <scale * score + offset>'.\n"
    "A line that is not three fields with a numeric score is an error (nothing is written).\n"
    "\n"
    "Usage: calibrate-scores [options] <model-rxfilename> <scores-rxfilename> <scores-wxfilename>\n"
    "e.g.: calibrate-scores exp/calibration exp/scores_eval exp/llrs_eval\n"
    "See also: train-calibration, compute-min-dcf, score-plda, score-norm\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 3) {
    po.PrintUsage();
    return 1;
  }
  LinearCalibration cal;
  cal.Read(po.GetArg(1));
  const backend_tool::ScoreList scores = backend_tool::ReadScores(po.GetArg(2));
  Output output(po.GetArg(3));
  std::string buffer;
  for (size_t i = 0; i < scores.score.size(); i++) {
    if (!std::isfinite(scores.score[i]))
      VOX_ERR << "trial " << scores.enroll[i] << " " << scores.test[i] << " in "
              << PrintableRxfilename(po.GetArg(2)) << ": score is " << scores.score[i];
    backend_tool::AppendScoreLine(scores.enroll[i], scores.test[i], cal.Apply(scores.score[i]), &buffer);
  }
  output.Stream().write(buffer.data(), buffer.size());
  output.Close();
  VOX_LOG << "Done " << scores.score.size() << " trials, errors 0 (scale " << cal.scale
          << ", offset " << cal.offset << ")";
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

// src/bin/train-calibration.cc
// Trains a linear score-to-LLR calibration by prior-weighted logistic regression.
#include <cmath>
#include <cstdio>
#include <string>

#include "backend/calibration.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Train a linear calibration llr = scale * score + offset on development trials, by\n"
    "logistic regression weighted at an effective target prior (--p-target), as BOSARIS and\n"
    "SpeechBrain do: the minimum of the prior-weighted cross-entropy (Cllr at that prior).\n"
    "Writes the model as one text line '<scale> <offset>', for calibrate-scores. Prints the\n"
    "normalised Cllr before (scores taken as LLRs) and after calibration (1 = no better than\n"
    "the prior). Input as compute-eer: a trials file and a score file, or one file of\n"
    "'<score> target|nontarget' lines.\n"
    "\n"
    "Usage: train-calibration [options] <trials-rxfilename> <scores-rxfilename> <model-wxfilename>\n"
    "  or:  train-calibration [options] <labelled-scores-rxfilename> <model-wxfilename>\n"
    "e.g.: train-calibration --p-target=0.05 data/dev/trials exp/scores_dev exp/calibration\n"
    "See also: calibrate-scores, compute-min-dcf, compute-eer\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  CalibrationOptions opts;
  int64_t max_errors = 0;
  opts.Register(&po);
  po.Register("max-errors", &max_errors,
              "With a trials file: fail if more than this many trials have no score (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2 && po.NumArgs() != 3) {
    po.PrintUsage();
    return 1;
  }
  opts.Validate();
  VOX_VLOG(1) << opts.ToString();
  const bool joined = po.NumArgs() == 3;
  const backend_tool::LabeledScores ls = backend_tool::LoadLabeledScores(
      po.GetArg(1), joined ? po.GetArg(2) : "", max_errors);
  const double entropy =
      -(opts.p_target * std::log(opts.p_target) + (1 - opts.p_target) * std::log(1 - opts.p_target));
  const double cllr_raw = WeightedCrossEntropy(LinearCalibration(), ls.targets, ls.nontargets,
                                               opts.p_target) / entropy;
  double cllr = 0.0;
  const LinearCalibration cal = TrainLinearCalibration(ls.targets, ls.nontargets, opts, &cllr);
  cal.Write(po.GetArg(joined ? 3 : 2));
  std::printf("scale %.6g offset %.6g\nCllr %.4f (uncalibrated %.4f)\n", cal.scale, cal.offset,
              cllr, cllr_raw);
  VOX_LOG << "Done " << ls.targets.size() << " target and " << ls.nontargets.size()
          << " non-target trials; normalised Cllr at p-target " << opts.p_target << ": " << cllr;
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

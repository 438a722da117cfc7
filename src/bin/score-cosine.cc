// src/bin/score-cosine.cc
// Cosine similarity scores for a trial list.
#include <string>

#include "backend/cosine.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"
#include "io/kaldi-object.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Compute cosine similarity scores for trials ('<enroll-key> <test-key> [label]' lines),\n"
    "written as '<enroll-key> <test-key> <score>'. With --mean, that vector (e.g. the\n"
    "training mean from compute-vector-mean) is subtracted from both sides first. Vectors\n"
    "are normalised once, so each trial costs one dot product. A trial with an unknown key\n"
    "is a warning, counted towards --max-errors.\n"
    "\n"
    "Usage: score-cosine [options] <enroll-rspecifier> <test-rspecifier> <trials-rxfilename> <scores-wxfilename>\n"
    "e.g.: score-cosine --mean=train/mean.vec ark:spk_xvector.ark ark:test_xvector.ark trials scores\n"
    "See also: score-plda, score-norm, compute-eer, ivector-compute-dot-products (Kaldi)\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  std::string mean_rxfilename;
  int64_t max_errors = 0;
  po.Register("mean", &mean_rxfilename, "Vector to subtract from every embedding first (e.g. mean.vec)");
  po.Register("max-errors", &max_errors,
              "Fail (writing nothing) if more than this many trials cannot be scored (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 4) {
    po.PrintUsage();
    return 1;
  }
  Vector<double> mean;
  if (!mean_rxfilename.empty()) ReadKaldiObject(mean_rxfilename, &mean);
  const backend_tool::KeyedVectors enroll = backend_tool::LoadVectors(po.GetArg(1), "enrollment vector");
  const backend_tool::KeyedVectors test = backend_tool::LoadVectors(po.GetArg(2), "test vector");
  if (enroll.Dim() != test.Dim())
    VOX_ERR << "enrollment vectors have dimension " << enroll.Dim() << ", test vectors " << test.Dim();
  if (mean.Dim() != 0 && mean.Dim() != enroll.Dim())
    VOX_ERR << "mean " << mean_rxfilename << " has dimension " << mean.Dim() << ", the vectors "
            << enroll.Dim();
  CosineScorer scorer(enroll.Dim(), mean);
  for (size_t i = 0; i < enroll.keys.size(); i++) {
    try {
      scorer.AddEnrollment(enroll.vectors[i]);
    } catch (const Error &e) {
      VOX_ERR << "enrollment vector " << enroll.keys[i] << ": " << e.reason();
    }
  }
  for (size_t i = 0; i < test.keys.size(); i++) {
    try {
      scorer.AddTest(test.vectors[i]);
    } catch (const Error &e) {
      VOX_ERR << "test vector " << test.keys[i] << ": " << e.reason();
    }
  }
  backend_tool::ScoreTrials(po.GetArg(3), enroll.index, test.index, po.GetArg(4), max_errors,
                            [&scorer](int64_t e, int64_t t) { return scorer.Score(e, t); });
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

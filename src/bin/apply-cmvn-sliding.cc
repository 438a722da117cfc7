// src/bin/apply-cmvn-sliding.cc
// Sliding-window cepstral mean (and variance) normalisation per utterance: Kaldi's
// apply-cmvn-sliding (src/feat/cmvn.h).
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/feat-tool-util.h"
#include "feat/cmvn.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Apply sliding-window cepstral mean (and optionally variance) normalization per\n"
    "utterance.  If center == false, the window is to the left of the current frame\n"
    "(with --min-cmn-window frames at least at the start); if center == true, it is\n"
    "centered on it, to the extent possible.\n"
    "\n"
    "Usage: apply-cmvn-sliding [options] <feats-rspecifier> <feats-wspecifier>\n"
    "e.g.: apply-cmvn-sliding --norm-vars=false --center=true --cmn-window=300 \\\n"
    "        scp:feats.scp ark:-\n"
    "See also: compute-cmvn-stats, apply-cmvn, select-voiced-frames\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  SlidingCmnOptions opts;
  int64_t max_errors = 0;
  opts.Register(&po);
  po.Register("max-errors", &max_errors,
              "Fail (and write nothing) if more than this many utterances fail; 0: fail if any");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  const std::string rspecifier = po.GetArg(1), wspecifier = po.GetArg(2);
  opts.Validate();
  VOX_VLOG(1) << opts.ToString();
  SequentialTableReader<FloatMatrixHolder> reader(rspecifier);
  TableWriter<FloatMatrixHolder> writer(wspecifier);
  int64_t num_done = 0, num_errors = 0;
  Matrix<float> out;
  for (; !reader.Done(); reader.Next()) {
    const std::string &key = reader.Key();
    const Matrix<float> &feats = reader.Value();
    if (feats.NumRows() == 0) {
      VOX_WARN << "utterance " << key << ": empty features";
      num_errors++;
      continue;
    }
    int64_t floored = ApplySlidingCmn(opts, feats, &out);
    if (floored > 0 && opts.max_warnings != 0)
      VOX_WARN << "utterance " << key << ": variance floored (1e-10) on " << floored
               << " frame(s); constant features?";
    writer.Write(key, out);
    num_done++;
  }
  VOX_LOG << "Done " << num_done << ", errors " << num_errors;
  CheckItemErrors(num_done, num_errors, max_errors);
  writer.Close();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

// src/bin/compute-vad.cc
// Energy-based voice activity detection: Kaldi's compute-vad (src/feat/vad.h). The decision
// uses column 0 of the features, the log energy of MFCC with --use-energy=true.
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "feat/vad.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Compute voice activity detection (0/1 per frame) from the log energy in feature\n"
    "column 0 (e.g. MFCC with --use-energy=true).\n"
    "\n"
    "Usage: compute-vad [options] <feats-rspecifier> <vad-wspecifier>\n"
    "e.g.: compute-vad --config=conf/vad.conf scp:feats.scp ark,scp:vad.ark,vad.scp\n"
    "See also: select-voiced-frames, compute-mfcc-feats\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  VadEnergyOptions opts;
  bool omit_unvoiced = false;
  int64_t max_errors = 0;
  opts.Register(&po);
  po.Register("omit-unvoiced-utts", &omit_unvoiced,
              "If true, do not write out voicing information for utterances that were judged "
              "100% unvoiced.");
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
  TableWriter<FloatVectorHolder> writer(wspecifier);
  int64_t num_done = 0, num_errors = 0, num_unvoiced = 0;
  double total_voiced = 0, total_frames = 0;
  Vector<float> voiced;
  for (; !reader.Done(); reader.Next()) {
    const std::string &key = reader.Key();
    const Matrix<float> &feats = reader.Value();
    if (feats.NumRows() == 0) {
      VOX_WARN << "utterance " << key << ": empty features";
      num_errors++;
      continue;
    }
    ComputeVadEnergy(opts, feats, &voiced);
    double n = 0;
    for (int64_t t = 0; t < voiced.Dim(); t++) n += voiced(t);
    total_voiced += n;
    total_frames += voiced.Dim();
    if (n == 0) {
      num_unvoiced++;
      if (omit_unvoiced) {
        VOX_WARN << "utterance " << key << ": no voiced frames; not written";
        continue;
      }
    }
    writer.Write(key, voiced);
    num_done++;
  }
  VOX_LOG << "Proportion of voiced frames " << (total_frames > 0 ? total_voiced / total_frames : 0)
          << "; " << num_unvoiced << " utterance(s) completely unvoiced";
  VOX_LOG << "Done " << num_done << ", errors " << num_errors;
  CheckItemErrors(num_done, num_errors, max_errors);
  writer.Close();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

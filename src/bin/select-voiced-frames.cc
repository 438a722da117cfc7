// src/bin/select-voiced-frames.cc
// Keeps the frames a VAD marks voiced: Kaldi's select-voiced-frames.
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "feat/vad.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Select the subset of frames of each utterance that the VAD marks voiced (nonzero).\n"
    "\n"
    "Usage: select-voiced-frames [options] <feats-rspecifier> <vad-rspecifier> "
    "<feats-wspecifier>\n"
    "e.g.: select-voiced-frames scp:feats.scp scp:vad.scp ark:-\n"
    "See also: compute-vad, apply-cmvn-sliding\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  int64_t max_errors = 0;
  po.Register("max-errors", &max_errors,
              "Fail (and write nothing) if more than this many utterances fail; 0: fail if any");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 3) {
    po.PrintUsage();
    return 1;
  }
  const std::string feats_rspecifier = po.GetArg(1), vad_rspecifier = po.GetArg(2),
                    feats_wspecifier = po.GetArg(3);
  SequentialTableReader<FloatMatrixHolder> reader(feats_rspecifier);
  RandomAccessTableReader<FloatVectorHolder> vad_reader(vad_rspecifier);
  TableWriter<FloatMatrixHolder> writer(feats_wspecifier);
  int64_t num_done = 0, num_errors = 0;
  Matrix<float> out;
  for (; !reader.Done(); reader.Next()) {
    const std::string &key = reader.Key();
    const Matrix<float> &feats = reader.Value();
    if (!vad_reader.HasKey(key)) {
      VOX_WARN << "utterance " << key << ": no VAD in " << vad_rspecifier;
      num_errors++;
      continue;
    }
    const Vector<float> &voiced = vad_reader.Value(key);
    if (feats.NumRows() != voiced.Dim()) {
      VOX_WARN << "utterance " << key << ": " << feats.NumRows() << " frames but the VAD has "
               << voiced.Dim();
      num_errors++;
      continue;
    }
    if (feats.NumRows() == 0) {
      VOX_WARN << "utterance " << key << ": empty features";
      num_errors++;
      continue;
    }
    SelectVoicedFrames(feats, voiced, &out);
    if (out.NumRows() == 0) {
      VOX_WARN << "utterance " << key << ": no frames were judged voiced";
      num_errors++;
      continue;
    }
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

// src/bin/feat-to-len.cc
// The number of frames (rows) of each utterance, or of one feature file (Kaldi's
// feat-to-len).
#include <iostream>
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "io/kaldi-object.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Write the number of frames (rows) of each utterance as an int32 table, or, with one\n"
    "argument, print the number of rows of one feature file to standard output.\n"
    "\n"
    "Usage: feat-to-len [options] <feat-rspecifier> <len-wspecifier>\n"
    "  or:  feat-to-len [options] <feat-rxfilename>\n"
    "e.g.: feat-to-len scp:feats.scp ark,t:utt2num_frames\n"
    "      feat-to-len feats.ark:1024\n"
    "See also: feat-to-dim, copy-feats\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() == 1) {
    Matrix<float> feats;
    ReadKaldiObject(po.GetArg(1), &feats);
    std::cout << feats.NumRows() << "\n";
    return std::cout.flush() ? 0 : 1;
  }
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  const std::string rspecifier = po.GetArg(1), wspecifier = po.GetArg(2);
  SequentialTableReader<FloatMatrixHolder> reader(rspecifier);
  TableWriter<Int32Holder> writer(wspecifier);
  int64_t num_done = 0;
  for (; !reader.Done(); reader.Next()) {
    writer.Write(reader.Key(), static_cast<int32_t>(reader.Value().NumRows()));
    num_done++;
  }
  VOX_LOG << "Done " << num_done << ", errors 0";
  // Failing by exception makes the writer discard its output.
  if (num_done == 0) VOX_ERR << "no features in " << rspecifier << " (empty input?)";
  writer.Close();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

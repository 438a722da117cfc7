// src/bin/feat-to-dim.cc
// The feature dimension (number of columns) of each utterance, or of the first one
// (Kaldi's feat-to-dim).
#include <iostream>
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "io/kaldi-stream.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Write the feature dimension (number of columns) of each utterance as an int32 table,\n"
    "or, if the second argument is not a wspecifier, the dimension of the first utterance\n"
    "as text (a file name, or - for standard output).\n"
    "\n"
    "Usage: feat-to-dim [options] <feat-rspecifier> (<dim-wspecifier>|<dim-wxfilename>)\n"
    "e.g.: feat-to-dim scp:feats.scp -\n"
    "      feat-to-dim ark:feats.ark ark,t:dims.txt\n"
    "See also: feat-to-len, copy-feats\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  const std::string rspecifier = po.GetArg(1), out = po.GetArg(2);

  SequentialTableReader<FloatMatrixHolder> reader(rspecifier);
  if (ClassifyWspecifier(out) == TableType::kNone) {
    if (reader.Done()) VOX_ERR << "no features in " << rspecifier << " (empty input?)";
    Output ko(out);
    ko.Stream() << reader.Value().NumCols() << "\n";
    ko.Close();
    return 0;
  }
  TableWriter<Int32Holder> writer(out);
  int64_t num_done = 0;
  for (; !reader.Done(); reader.Next()) {
    writer.Write(reader.Key(), static_cast<int32_t>(reader.Value().NumCols()));
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

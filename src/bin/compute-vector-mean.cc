// src/bin/compute-vector-mean.cc
// The global mean of a table of vectors (Kaldi's ivector-mean with two arguments).
#include <string>

#include "backend/transforms.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "io/kaldi-object.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Compute the mean of a table of vectors (e.g. x-vectors), accumulated in double and\n"
    "written as a double vector (Kaldi's 'ivector-mean <rspecifier> <mean-out>'; text by\n"
    "default, as Kaldi).\n"
    "\n"
    "Usage: compute-vector-mean [options] <vector-rspecifier> <mean-wxfilename>\n"
    "e.g.: compute-vector-mean scp:exp/xvectors_train/xvector.scp exp/xvectors_train/mean.vec\n"
    "See also: average-vectors (per speaker), subtract-vector-mean, ivector-mean (Kaldi)\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  bool binary = false;
  po.Register("binary", &binary, "Write the mean in binary mode");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  const std::string rspecifier = po.GetArg(1), mean_wxfilename = po.GetArg(2);
  SequentialTableReader<FloatVectorHolder> reader(rspecifier);
  MeanAccumulator acc;
  for (; !reader.Done(); reader.Next()) {
    CheckFinite(reader.Value(), "vector", reader.Key());
    acc.Add(reader.Value(), reader.Key());
  }
  if (acc.Count() == 0) VOX_ERR << "no vectors in " << rspecifier;
  WriteKaldiObject(mean_wxfilename, binary, acc.Mean());
  VOX_LOG << "Wrote the mean of " << acc.Count() << " vectors of dimension " << acc.Dim()
          << " to " << mean_wxfilename;
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

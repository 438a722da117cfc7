// src/bin/subtract-vector-mean.cc
// Subtracts a global mean from every vector (Kaldi's ivector-subtract-global-mean).
#include <string>
#include <utility>
#include <vector>

#include "backend/transforms.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "io/kaldi-object.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Subtract a global mean from vectors (e.g. x-vectors): the mean read from a file\n"
    "(compute-vector-mean), or, with two arguments, the mean of the input itself (then the\n"
    "whole input is held in memory). Kaldi's ivector-subtract-global-mean.\n"
    "\n"
    "Usage: subtract-vector-mean [options] [<mean-rxfilename>] <vector-rspecifier> <vector-wspecifier>\n"
    "e.g.: subtract-vector-mean mean.vec scp:xvector.scp ark:-\n"
    "      subtract-vector-mean scp:train/xvector.scp ark:train_sub.ark\n"
    "See also: compute-vector-mean, normalize-vector-length, transform-vec\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  bool subtract_mean = true;
  po.Register("subtract-mean", &subtract_mean, "If false, copy the vectors unchanged (Kaldi's option)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2 && po.NumArgs() != 3) {
    po.PrintUsage();
    return 1;
  }
  const bool own_mean = po.NumArgs() == 2;
  const std::string mean_rxfilename = own_mean ? "" : po.GetArg(1),
                    rspecifier = po.GetArg(own_mean ? 1 : 2),
                    wspecifier = po.GetArg(own_mean ? 2 : 3);
  int64_t num_done = 0;
  if (!own_mean) {
    // Read as float, as Kaldi does, so that the results match its archives exactly.
    Vector<float> mean;
    ReadKaldiObject(mean_rxfilename, &mean);
    SequentialTableReader<FloatVectorHolder> reader(rspecifier);
    TableWriter<FloatVectorHolder> writer(wspecifier);
    for (; !reader.Done(); reader.Next()) {
      Vector<float> &v = reader.Value();
      CheckFinite(v, "vector", reader.Key());
      if (v.Dim() != mean.Dim())
        VOX_ERR << "vector " << reader.Key() << " has dimension " << v.Dim() << ", the mean in "
                << mean_rxfilename << " " << mean.Dim();
      if (subtract_mean) SubtractMean(mean, &v);
      writer.Write(reader.Key(), v);
      num_done++;
    }
    if (num_done == 0) VOX_ERR << "no vectors in " << rspecifier;
    writer.Close();
  } else {
    std::vector<std::pair<std::string, Vector<float>>> all;
    MeanAccumulator acc;
    SequentialTableReader<FloatVectorHolder> reader(rspecifier);
    for (; !reader.Done(); reader.Next()) {
      CheckFinite(reader.Value(), "vector", reader.Key());
      acc.Add(reader.Value(), reader.Key());
      all.emplace_back(reader.Key(), reader.Value());
    }
    if (all.empty()) VOX_ERR << "no vectors in " << rspecifier;
    TableWriter<FloatVectorHolder> writer(wspecifier);
    for (auto &kv : all) {
      if (subtract_mean) acc.SubtractMeanFrom(&kv.second);
      writer.Write(kv.first, kv.second);
      num_done++;
    }
    writer.Close();
  }
  VOX_LOG << "Done " << num_done << ", errors 0";
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

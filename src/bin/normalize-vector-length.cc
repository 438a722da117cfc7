// src/bin/normalize-vector-length.cc
// Length normalisation of vectors (Kaldi's ivector-normalize-length).
#include <cmath>
#include <string>

#include "backend/transforms.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Normalize the length of vectors (e.g. x-vectors) to sqrt(dim) (or to 1 with\n"
    "--scaleup=false), as Kaldi's ivector-normalize-length; logs the average ratio of the\n"
    "input length to that target. A zero vector is a warning and is copied unchanged.\n"
    "\n"
    "Usage: normalize-vector-length [options] <vector-rspecifier> <vector-wspecifier>\n"
    "e.g.: normalize-vector-length ark:xvector_lda.ark ark:xvector_norm.ark\n"
    "See also: subtract-vector-mean, transform-vec, ivector-normalize-length (Kaldi)\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  bool normalize = true, scaleup = true;
  po.Register("normalize", &normalize, "Set this to false to disable normalization");
  po.Register("scaleup", &scaleup,
              "If true, the normalized vectors have length sqrt(dim); if false, length 1");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  SequentialTableReader<FloatVectorHolder> reader(po.GetArg(1));
  TableWriter<FloatVectorHolder> writer(po.GetArg(2));
  int64_t num_done = 0;
  double sum = 0.0, sumsq = 0.0;
  for (; !reader.Done(); reader.Next()) {
    Vector<float> &v = reader.Value();
    CheckFinite(v, "vector", reader.Key());
    if (normalize) {
      const double ratio = NormalizeLength(scaleup, &v);
      if (ratio == 0.0) VOX_WARN << "vector " << reader.Key() << " is zero; left unnormalized";
      sum += ratio;
      sumsq += ratio * ratio;
    }
    writer.Write(reader.Key(), v);
    num_done++;
  }
  if (num_done == 0) VOX_ERR << "no vectors in " << po.GetArg(1);
  writer.Close();
  VOX_LOG << "Processed " << num_done << " vectors.";
  if (normalize) {
    const double mean = sum / num_done;
    VOX_LOG << "Average ratio of vector to expected length was " << mean
            << ", standard deviation was " << std::sqrt(std::max(0.0, sumsq / num_done - mean * mean));
  }
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

// src/bin/transform-vec.cc
// Applies a linear or affine transform (LDA, whitening) to vectors (Kaldi's transform-vec).
#include <string>

#include "backend/transforms.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"
#include "io/kaldi-object.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Multiply vectors by a transform matrix: linear (out_dim x dim) or affine\n"
    "(out_dim x (dim + 1), the last column an offset), e.g. the LDA of train-lda or Kaldi's\n"
    "ivector-compute-lda, or the whitening of train-whitening. Computed in double.\n"
    "\n"
    "Usage: transform-vec [options] <transform-rxfilename> <vector-rspecifier> <vector-wspecifier>\n"
    "e.g.: transform-vec transform.mat ark:xvector.ark ark:xvector_lda.ark\n"
    "See also: train-lda, train-whitening, subtract-vector-mean, normalize-vector-length\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 3) {
    po.PrintUsage();
    return 1;
  }
  const std::string transform_rxfilename = po.GetArg(1);
  Matrix<double> transform;
  ReadKaldiObject(transform_rxfilename, &transform);
  if (transform.NumRows() == 0) VOX_ERR << "transform " << transform_rxfilename << " is empty";
  SequentialTableReader<FloatVectorHolder> reader(po.GetArg(2));
  TableWriter<FloatVectorHolder> writer(po.GetArg(3));
  int64_t num_done = 0;
  Vector<float> out;
  for (; !reader.Done(); reader.Next()) {
    const Vector<float> &v = reader.Value();
    CheckFinite(v, "vector", reader.Key());
    try {
      ApplyTransform(transform, v, &out);
    } catch (const Error &e) {
      VOX_ERR << "vector " << reader.Key() << " and transform " << transform_rxfilename << ": "
              << e.reason();
    }
    writer.Write(reader.Key(), out);
    num_done++;
  }
  if (num_done == 0) VOX_ERR << "no vectors in " << po.GetArg(2);
  writer.Close();
  VOX_LOG << "Applied transform to " << num_done << " vectors.";
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

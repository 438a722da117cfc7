// src/bin/train-whitening.cc
// Estimates a whitening transform (PCA or ZCA) on vectors, for transform-vec.
#include <string>

#include "backend/transforms.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"
#include "io/kaldi-object.h"
#include "matrix/linalg.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Estimate a whitening transform from vectors (e.g. x-vectors of a training set): an\n"
    "affine transform (dim x (dim + 1)) that removes their mean and makes their covariance\n"
    "the identity. --type=zca (default) is the symmetric whitening, which rotates the space\n"
    "least; --type=pca also rotates onto the principal axes (largest variance first).\n"
    "Apply it with transform-vec.\n"
    "\n"
    "Usage: train-whitening [options] <vector-rspecifier> <transform-out>\n"
    "e.g.: train-whitening scp:train/xvector.scp whiten.mat\n"
    "See also: transform-vec, train-lda, subtract-vector-mean\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  std::string type = "zca";
  double floor = 1.0e-10;
  bool binary = true;
  po.Register("type", &type, "Whitening type: zca or pca");
  po.Register("floor", &floor,
              "Floor covariance eigenvalues at this times the largest one (a singular "
              "covariance is a warning)");
  po.Register("binary", &binary, "Write output in binary mode");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  WhiteningType wtype = WhiteningType::kZca;
  if (type == "zca") wtype = WhiteningType::kZca;
  else if (type == "pca") wtype = WhiteningType::kPca;
  else VOX_ERR << "--type must be zca or pca, got " << type;
  if (!(floor > 0.0 && floor < 1.0)) VOX_ERR << "--floor must be in (0, 1), got " << floor;

  const backend_tool::KeyedVectors kv = backend_tool::LoadVectors(po.GetArg(1), "vector");
  const int64_t n = static_cast<int64_t>(kv.keys.size()), dim = kv.Dim();
  if (n < 2) VOX_ERR << "need at least 2 vectors to estimate a covariance, got " << n;
  Matrix<double> data(n, dim);
  Vector<double> mean(dim);
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < dim; c++) mean(c) += (data(r, c) = kv.vectors[r](c));
  for (int64_t c = 0; c < dim; c++) mean(c) /= n;
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < dim; c++) data(r, c) -= mean(c);
  Matrix<double> cov;
  MatMul(data, true, data, false, &cov);
  for (int64_t i = 0; i < cov.NumElements(); i++) cov.Data()[i] /= n;
  int64_t num_floored = 0;
  const Matrix<double> t = ComputeWhiteningTransform(mean, cov, wtype, floor, &num_floored);
  if (num_floored > 0)
    VOX_WARN << "the covariance is singular or nearly so: floored " << num_floored << " of "
             << dim << " eigenvalues (" << n << " vectors of dimension " << dim << ")";
  WriteKaldiObject(po.GetArg(2), binary, Matrix<float>(t));
  VOX_LOG << "Wrote " << type << " whitening transform from " << n << " vectors to " << po.GetArg(2);
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

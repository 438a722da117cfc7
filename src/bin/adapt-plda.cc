// src/bin/adapt-plda.cc
// Unsupervised PLDA adaptation to a new domain (Kaldi's ivector-adapt-plda).
#include <string>

#include "backend/plda-front-end.h"
#include "backend/plda.h"
#include "backend/transforms.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"
#include "io/kaldi-stream.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Adapt a PLDA model to unlabelled in-domain vectors: the model's mean becomes theirs, and\n"
    "their variance beyond the model's total variance is added to the within- and\n"
    "between-class covariances (--within-covar-scale, --between-covar-scale). Kaldi's\n"
    "ivector-adapt-plda. A model's stored front-end is kept and applied to the vectors first.\n"
    "\n"
    "Usage: adapt-plda [options] <plda-in> <vector-rspecifier> <plda-out>\n"
    "e.g.: adapt-plda plda ark:indomain_xvector_norm.ark plda_adapt\n"
    "See also: train-plda, score-plda, ivector-adapt-plda (Kaldi)\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  PldaUnsupervisedAdaptorConfig config;
  bool binary = true;
  config.Register(&po);
  po.Register("binary", &binary, "Write output in binary mode");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 3) {
    po.PrintUsage();
    return 1;
  }
  config.Validate();
  const std::string plda_in = po.GetArg(1), rspecifier = po.GetArg(2), plda_out = po.GetArg(3);
  PldaModel model;
  {
    bool in_binary = false;
    Input input(plda_in, &in_binary);
    try {
      model.Read(input.Stream(), in_binary);
    } catch (const Error &e) {
      VOX_ERR << "reading PLDA model " << plda_in << ": " << e.reason();
    }
    input.Close();
  }
  PldaUnsupervisedAdaptor adaptor;
  SequentialTableReader<FloatVectorHolder> reader(rspecifier);
  Vector<float> v;
  for (; !reader.Done(); reader.Next()) {
    CheckFinite(reader.Value(), "vector", reader.Key());
    try {
      model.front_end.Apply(reader.Value(), &v);
      if (v.Dim() != model.plda.Dim())
        VOX_ERR << "dimension " << v.Dim() << " after the front-end, the model has " << model.plda.Dim();
      adaptor.AddStats(1.0, Vector<double>(v));
    } catch (const Error &e) {
      VOX_ERR << "vector " << reader.Key() << ": " << e.reason();
    }
  }
  if (adaptor.Count() == 0) VOX_ERR << "no vectors in " << rspecifier;
  adaptor.UpdatePlda(config, &model.plda);
  Output output(plda_out, binary);
  model.Write(output.Stream(), binary);
  output.Close();
  VOX_LOG << "Adapted PLDA with " << adaptor.Count() << " vectors; wrote " << plda_out;
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

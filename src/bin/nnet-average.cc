// src/bin/nnet-average.cc
// Averages the parameters (and batch-norm statistics) of several model files or checkpoints
// of one network, as WeSpeaker's average_model.py does with the last N epochs.
#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "nnet/model-file.h"
#include "nnet/trained-model.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Average the parameters and buffers (batch-norm running statistics) of model files or\n"
    "checkpoints of the same network (the same config), e.g. the last epochs of a run, as\n"
    "WeSpeaker's average_model.py. Optimiser state is not kept: the output is a model file.\n"
    "\n"
    "Usage: nnet-average [options] <model-in-1> [<model-in-2> ...] <model-out>\n"
    "e.g.: nnet-average $(ls exp/ecapa/checkpoint-*.h5 | sort -V | tail -n 3) exp/ecapa/avg.h5\n"
    "See also: train-nnet, nnet-info, extract-embeddings\n";

std::unique_ptr<Module> MakeModel(const JsonValue &config) {
  const JsonValue *type = config.Find("type");
  if (type != nullptr && type->IsString() && type->AsString() == "embedding-classifier")
    return std::make_unique<TrainedModel>(config);
  return MakeEmbeddingModel(config);
}

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() < 2) {
    po.PrintUsage();
    return 1;
  }
  const int n = po.NumArgs() - 1;
  const std::string model_out = po.GetArg(n + 1);
  const JsonValue config = ReadModelConfig(po.GetArg(1));
  std::unique_ptr<Module> average = MakeModel(config);
  std::unique_ptr<Module> model = MakeModel(config);
  auto tensors = [](const Module &m) {
    std::vector<std::pair<std::string, Var>> all = m.NamedParameters();
    for (auto &b : m.NamedBuffers()) all.push_back(b);
    return all;
  };
  std::vector<std::pair<std::string, Var>> sum = tensors(*average), cur = tensors(*model);
  std::vector<std::vector<double>> acc(sum.size());
  for (size_t i = 0; i < sum.size(); i++) acc[i].assign(sum[i].second.NumElements(), 0.0);
  for (int k = 1; k <= n; k++) {
    const std::string in = po.GetArg(k);
    if (ReadModelConfig(in).ToString() != config.ToString()) {
      VOX_ERR << in << " has another config than " << po.GetArg(1) << ": not the same network";
    }
    LoadModel(in, model.get());
    for (size_t i = 0; i < cur.size(); i++) {
      const float *p = cur[i].second.value().Data();
      for (size_t j = 0; j < acc[i].size(); j++) acc[i][j] += p[j];
    }
  }
  for (size_t i = 0; i < sum.size(); i++) {
    float *p = sum[i].second.MutableValue().Data();
    for (size_t j = 0; j < acc[i].size(); j++) p[j] = static_cast<float>(acc[i][j] / n);
  }
  SaveModel(model_out, *average, config);
  VOX_LOG << "averaged " << n << " model(s) into " << model_out;
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

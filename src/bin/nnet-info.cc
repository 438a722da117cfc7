// src/bin/nnet-info.cc
// Prints what a model file holds: its configuration, parameter counts per module and total,
// buffers, the training state of a checkpoint, and FLOPs per second of audio where known.
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "io/h5-file.h"
#include "io/json.h"
#include "nnet/model-file.h"
#include "nnet/model-summary.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Print a model file's architecture (its \"config\" attribute), the number of parameters\n"
    "of each module (module paths as in the checkpoint: encoder/layers/3/...) and the total,\n"
    "the buffers (e.g. batch-norm statistics), a training checkpoint's optimiser and\n"
    "train state, and the forward FLOPs per second of audio where an estimate exists.\n"
    "\n"
    "Usage: nnet-info [options] <model.h5>\n"
    "e.g.: nnet-info exp/ecapa/final.h5\n"
    "      nnet-info --depth=2 --print-params=true exp/wavlm/final.h5\n"
    "See also: checkpoint-info\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  int32_t depth = 0;
  bool print_params = false;
  po.Register("depth", &depth, "Show modules down to this many path levels (0: all)");
  po.Register("print-params", &print_params, "Also list every parameter with its shape");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 1) {
    po.PrintUsage();
    return 1;
  }
  const std::string model = po.GetArg(1);
  if (depth < 0) VOX_ERR << "--depth must be >= 0, got " << depth;

  H5File file(model, H5File::Mode::kRead);
  std::string config;
  std::cout << "model: " << model << "\n";
  // A JSON config (what SaveModel writes) is pretty-printed; anything else shown as stored.
  JsonValue json;
  if (file.GetAttribute("", "config", &config)) {
    try {
      json = ParseJson(config, model + ": config");
      config = json.ToString(2);
    } catch (const Error &e) {
      VOX_VLOG(1) << "config is not JSON: " << e.reason();
    }
    std::cout << "config:\n" << config << (config.empty() || config.back() != '\n' ? "\n" : "");
  } else {
    std::cout << "config: (none in this file)\n";
  }
  std::cout << SummarizeParams(ListModelParams(file), depth, print_params);

  int64_t num_buffers = 0, buffer_elements = 0;
  for (const std::string &key : file.ListDatasets()) {
    if (key.compare(0, 8, "buffers/") != 0) continue;
    int64_t n = 1;
    for (int64_t d : file.Info(key).shape) n *= d;
    num_buffers++;
    buffer_elements += n;
  }
  if (num_buffers > 0)
    std::cout << "buffers: " << num_buffers << " (" << buffer_elements << " elements)\n";

  std::string optimizer;
  TrainState state;
  if (ReadCheckpointInfo(file, &optimizer, &state)) {
    std::cout << "checkpoint: optimizer " << (optimizer.empty() ? "?" : optimizer) << ", step "
              << state.step << ", epoch " << state.epoch << "\n";
    if (!state.lr_schedule.IsNull())
      std::cout << "lr schedule: " << state.lr_schedule.ToString() << "\n";
  }

  std::optional<double> flops;
  if (json.IsObject()) flops = ForwardFlopsPerSecond(json);
  if (flops) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.3g", *flops);
    std::cout << "FLOPs per second of audio: " << buf << "\n";
  } else {
    std::cout << "FLOPs per second of audio: unknown\n";
  }
  std::cout.flush();
  if (!std::cout) VOX_ERR << "error writing to standard output";
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

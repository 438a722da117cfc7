// src/bin/nnet-info.cc
// Prints what a model file holds: its configuration, parameter counts per module and total.
#include <iostream>
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "io/h5-file.h"
#include "nnet/model-summary.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Print a model file's architecture (its \"config\" attribute), the number of parameters\n"
    "of each module (module paths as in the checkpoint: encoder/layers/3/...) and the total.\n"
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
  if (file.GetAttribute("", "config", &config))
    std::cout << "config:\n" << config << (config.empty() || config.back() != '\n' ? "\n" : "");
  else
    std::cout << "config: (none in this file)\n";
  std::cout << SummarizeParams(ListModelParams(file), depth, print_params);
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

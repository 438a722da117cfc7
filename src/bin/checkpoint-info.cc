// src/bin/checkpoint-info.cc
// Lists the tensors (name, dtype, shape) and the configuration of a checkpoint from another
// toolkit: a Hugging Face model folder, a .safetensors file or a torch.save file. Reading it
// runs no Python and no code from the file.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "io/checkpoint.h"

namespace voxtools {
namespace {

const char *kUsage =
    "List the tensors (name, dtype as stored, shape) and the configuration of a checkpoint:\n"
    "a Hugging Face model folder (config.json + model.safetensors or pytorch_model.bin), a\n"
    ".safetensors file, or a torch.save file (state dict, or unilm/fairseq {'cfg', 'model'}).\n"
    "Pickled checkpoints are read without running any code from them.\n"
    "\n"
    "Usage: checkpoint-info [options] <checkpoint-file-or-folder>\n"
    "e.g.: checkpoint-info WavLM-Base+.pt\n"
    "      checkpoint-info --print-config=false --stats=true models/wavlm-base-plus\n"
    "See also: nnet-info\n";

struct CheckpointInfoOptions {
  bool print_tensors = true;
  bool print_config = true;
  bool print_metadata = true;
  bool stats = false;

  void Register(OptionsItf *opts) {
    opts->Register("print-tensors", &print_tensors, "One line per tensor: name dtype [shape]");
    opts->Register("print-config", &print_config,
                   "The model configuration (config.json, unilm 'cfg'), as JSON");
    opts->Register("print-metadata", &print_metadata,
                   "Other non-tensor entries (safetensors __metadata__, extra pickle keys)");
    opts->Register("stats", &stats,
                   "Append min, max and mean-square of the values to each tensor line");
  }
  std::string ToString() const {
    return std::string("--print-tensors=") + (print_tensors ? "true" : "false") +
           " --print-config=" + (print_config ? "true" : "false") +
           " --print-metadata=" + (print_metadata ? "true" : "false") +
           " --stats=" + (stats ? "true" : "false");
  }
};

// Appends " min=... max=... ms=..." and counts non-finite values.
std::string Stats(const CheckpointTensor &t, int64_t *num_nonfinite) {
  double min = INFINITY, max = -INFINITY, sumsq = 0.0;
  int64_t n = 0;
  for (float v : t.data) {
    if (!std::isfinite(v)) {
      (*num_nonfinite)++;
      continue;
    }
    min = std::min<double>(min, v);
    max = std::max<double>(max, v);
    sumsq += static_cast<double>(v) * v;
    n++;
  }
  if (n == 0) return "";
  char buf[128];
  std::snprintf(buf, sizeof(buf), " min=%.6g max=%.6g ms=%.6g", min, max, sumsq / n);
  return buf;
}

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  CheckpointInfoOptions opts;
  opts.Register(&po);
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 1) {
    po.PrintUsage();
    return 1;
  }
  const std::string path = po.GetArg(1);
  VOX_VLOG(1) << opts.ToString();

  Checkpoint ckpt = ReadCheckpoint(path);
  int64_t num_elements = 0, num_nonfinite = 0;
  for (const CheckpointTensor &t : ckpt.tensors) num_elements += t.NumElements();
  std::cout << "format: " << CheckpointFormatName(ckpt.format) << "\ntensors: "
            << ckpt.tensors.size() << " (" << num_elements << " elements)\n";
  if (opts.print_tensors) {
    for (const CheckpointTensor &t : ckpt.tensors) {
      int64_t bad = 0;
      std::cout << t.name << " " << DTypeName(t.dtype) << " " << t.ShapeString()
                << (opts.stats ? Stats(t, &bad) : "") << "\n";
      if (bad > 0) VOX_WARN << "tensor " << t.name << " holds " << bad << " NaN/Inf values";
      num_nonfinite += bad;
    }
  }
  if (opts.print_config)
    std::cout << "config: " << (ckpt.config.IsNull() ? "null" : ckpt.config.ToString(1)) << "\n";
  if (opts.print_metadata && !ckpt.metadata.Members().empty())
    std::cout << "metadata: " << ckpt.metadata.ToString(1) << "\n";
  std::cout.flush();
  if (!std::cout) VOX_ERR << "error writing to standard output";
  VOX_LOG << "Read " << ckpt.tensors.size() << " tensors from " << path
          << (num_nonfinite > 0 ? " (some hold NaN/Inf; see warnings)" : "");
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

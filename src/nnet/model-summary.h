// src/nnet/model-summary.h
// What nnet-info prints: parameters per module, from a model file's params/ group or from a
// Module tree. A model file (DESIGN.md, "Model files") holds one dataset per parameter at
// params/<module path>/<name>, and its architecture in the root attribute "config".
#ifndef VOXTOOLS_NNET_MODEL_SUMMARY_H_
#define VOXTOOLS_NNET_MODEL_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "io/h5-file.h"
#include "nnet/module.h"

namespace voxtools {

struct ParamInfo {
  std::string path;             // "encoder/layers/3/attention/q_proj/weight"
  std::vector<int64_t> shape;
  int64_t NumElements() const;
};

// The datasets under params/ of a model file, in file order. Throws Error naming the file if
// there is no params/ group content.
std::vector<ParamInfo> ListModelParams(const H5File &file);

// Parameters of a module tree (buffers excluded), as a model file would list them.
std::vector<ParamInfo> ListModuleParams(const Module &module);

// A table: one line per module path up to `max_depth` levels (0 = every level), indented by
// depth, with its parameter count (itself and below); then one line per parameter when
// `show_params`; then "total parameters: N". Module order is first appearance.
std::string SummarizeParams(const std::vector<ParamInfo> &params, int max_depth,
                            bool show_params);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_MODEL_SUMMARY_H_

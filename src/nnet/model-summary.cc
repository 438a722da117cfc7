// src/nnet/model-summary.cc
#include "nnet/model-summary.h"

#include <cstdio>
#include <map>
#include <sstream>

namespace voxtools {

int64_t ParamInfo::NumElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::vector<ParamInfo> ListModelParams(const H5File &file) {
  std::vector<ParamInfo> out;
  const std::string prefix = "params/";
  for (const std::string &key : file.ListDatasets()) {
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    ParamInfo p;
    p.path = key.substr(prefix.size());
    p.shape = file.Info(key).shape;
    out.push_back(p);
  }
  if (out.empty()) VOX_ERR << file.Path() << ": no parameters under params/ (not a model file?)";
  return out;
}

std::vector<ParamInfo> ListModuleParams(const Module &module) {
  std::vector<ParamInfo> out;
  for (auto &np : module.NamedParameters()) out.push_back({np.first, np.second.shape().ToVector()});
  return out;
}

std::string SummarizeParams(const std::vector<ParamInfo> &params, int max_depth,
                            bool show_params) {
  // Count per module path prefix ("" is the whole model), remembering first appearance.
  std::map<std::string, int64_t> count;
  std::vector<std::string> order;
  int64_t total = 0;
  for (const ParamInfo &p : params) {
    const int64_t n = p.NumElements();
    total += n;
    size_t slash = p.path.find('/');
    int depth = 1;
    while (slash != std::string::npos && (max_depth == 0 || depth <= max_depth)) {
      const std::string module = p.path.substr(0, slash);
      if (count.find(module) == count.end()) order.push_back(module);
      count[module] += n;
      slash = p.path.find('/', slash + 1);
      depth++;
    }
  }
  std::ostringstream os;
  char line[512];
  std::snprintf(line, sizeof(line), "%-56s %14s\n", "module", "parameters");
  os << line;
  for (const std::string &m : order) {
    int depth = 0;
    for (char c : m) depth += c == '/';
    const std::string name = std::string(2 * depth, ' ') + m.substr(m.rfind('/') + 1);
    std::snprintf(line, sizeof(line), "%-56s %14lld\n", name.c_str(),
                  static_cast<long long>(count[m]));
    os << line;
  }
  if (show_params) {
    os << "\n";
    for (const ParamInfo &p : params) {
      std::string shape = "(";
      for (size_t i = 0; i < p.shape.size(); i++)
        shape += (i ? ", " : "") + std::to_string(p.shape[i]);
      shape += ")";
      std::snprintf(line, sizeof(line), "%-56s %14s\n", p.path.c_str(), shape.c_str());
      os << line;
    }
  }
  os << "total parameters: " << total << "\n";
  return os.str();
}

}  // namespace voxtools

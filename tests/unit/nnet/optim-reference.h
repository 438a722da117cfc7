// tests/unit/nnet/optim-reference.h
// Runs tests/reference/nnet-optim.py (PyTorch's optimisers, clipping and schedules) on a
// request and reads its answer. Tensors travel as C99 hex floats, so nothing is lost in
// either direction. Header-only, for optimizer-test.cc, grad-clip-test.cc and
// lr-schedule-test.cc.
#ifndef VOXTOOLS_TESTS_UNIT_NNET_OPTIM_REFERENCE_H_
#define VOXTOOLS_TESTS_UNIT_NNET_OPTIM_REFERENCE_H_

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "matrix/tensor.h"

namespace voxtools {
namespace test {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Tensors by name; rank-0 answers (norms, learning rates) also as doubles, unrounded.
struct OptimAnswer {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, double> numbers;
};

inline void WriteHexTensor(std::ostream &os, const std::string &name, const Tensor &t) {
  os << name << " " << t.Rank();
  for (int i = 0; i < t.Rank(); i++) os << " " << t.Dim(i);
  char buf[64];
  for (int64_t i = 0; i < t.NumElements(); i++) {
    std::snprintf(buf, sizeof(buf), " %a", static_cast<double>(t.Data()[i]));
    os << buf;
  }
  os << "\n";
}

// Runs `mode` with the JSON `params` and `tensors`. Returns false with *skip set when the
// script says torch is missing (exit status 2); any other failure is a test failure.
inline bool RunOptimReference(const std::string &mode, const std::string &params,
                              const NamedTensors &tensors, OptimAnswer *answer,
                              std::string *skip) {
  const char *py = std::getenv("VOX_PYTHON");
  const char *root = std::getenv("VOX_ROOT");
  const std::string python = py ? py : "/usr/bin/python3";
  const std::string script = std::string(root ? root : ".") + "/tests/reference/nnet-optim.py";
  if (access(script.c_str(), R_OK) != 0) {
    ADD_FAILURE() << "cannot read " << script << " (run from the repository root or set VOX_ROOT)";
    return false;
  }
  char dir_template[] = "/tmp/vox-optim-XXXXXX";
  const char *dir = mkdtemp(dir_template);
  if (dir == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return false;
  }
  const std::string req = std::string(dir) + "/request", ans = std::string(dir) + "/answer",
                    err = std::string(dir) + "/stderr";
  {
    std::ofstream os(req);
    os << params << "\n";
    for (const auto &t : tensors) WriteHexTensor(os, t.first, t.second);
  }
  const std::string cmd =
      python + " " + script + " " + mode + " " + req + " " + ans + " 2> " + err;
  int status = std::system(cmd.c_str());
  std::ifstream err_in(err);
  std::string err_text((std::istreambuf_iterator<char>(err_in)), std::istreambuf_iterator<char>());
  bool ok = false;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
    *skip = python + ": " + err_text;
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ADD_FAILURE() << cmd << " failed (status " << status << "): " << err_text;
  } else {
    std::ifstream in(ans);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream is(line);
      std::string name;
      int rank = 0;
      is >> name >> rank;
      std::vector<int64_t> dims(rank);
      for (int i = 0; i < rank; i++) is >> dims[i];
      std::vector<float> values;
      std::string v;
      double last = 0;
      while (is >> v) {
        last = std::strtod(v.c_str(), nullptr);
        values.push_back(static_cast<float>(last));
      }
      if (rank == 0 && values.size() == 1) answer->numbers[name] = last;
      answer->tensors[name] = Tensor::FromVector(Shape(dims), values);
    }
    ok = true;
  }
  std::remove(req.c_str());
  std::remove(ans.c_str());
  std::remove(err.c_str());
  rmdir(dir);
  return ok;
}

// The skip-or-run pattern of the tests: GTEST_SKIP (with the reason) when torch is missing.
#define VOX_OPTIM_REFERENCE(mode, params, tensors, answer)                              \
  do {                                                                                  \
    std::string vox_skip_;                                                              \
    bool vox_ok_ = ::voxtools::test::RunOptimReference(mode, params, tensors, answer,  \
                                                       &vox_skip_);                     \
    if (!vox_skip_.empty()) GTEST_SKIP() << vox_skip_;                                  \
    ASSERT_TRUE(vox_ok_);                                                               \
  } while (0)

}  // namespace test
}  // namespace voxtools

#endif  // VOXTOOLS_TESTS_UNIT_NNET_OPTIM_REFERENCE_H_

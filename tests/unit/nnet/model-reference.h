// tests/unit/nnet/model-reference.h
// Runs tests/reference/models-ref.py (PyTorch reimplementations of the embedding networks,
// pooling layers and losses, with our module paths) on the weights, input and upstream
// gradients of one of our modules, and compares its forward outputs, the gradients of every
// parameter and of the input, and the batch-norm statistics after the forward pass.
// Header-only, like nnet-test-util.h. The test is skipped, with the reason, when
// /usr/bin/python3 has no torch (the script exits 2).
#ifndef VOXTOOLS_TESTS_UNIT_NNET_MODEL_REFERENCE_H_
#define VOXTOOLS_TESTS_UNIT_NNET_MODEL_REFERENCE_H_

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "io/json.h"
#include "nnet-test-util.h"
#include "nnet/embedding-model.h"
#include "nnet/module.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/reduce.h"

namespace voxtools {
namespace test {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

inline void WriteNamedTensors(std::ofstream &os, const NamedTensors &tensors) {
  for (const auto &nt : tensors) {
    const Tensor &t = nt.second;
    os << nt.first << " " << t.Rank();
    for (int i = 0; i < t.Rank(); i++) os << " " << t.Dim(i);
    os << "\n";
    os.write(reinterpret_cast<const char *>(t.Data()), t.NumElements() * sizeof(float));
  }
  os << "end\n";
}

inline std::map<std::string, Tensor> ReadNamedTensors(const std::string &path) {
  std::map<std::string, Tensor> out;
  std::ifstream is(path, std::ios::binary);
  std::string line;
  while (std::getline(is, line) && line != "end") {
    std::istringstream ls(line);
    std::string name;
    int rank = 0;
    ls >> name >> rank;
    std::vector<int64_t> dims(rank);
    for (int i = 0; i < rank; i++) ls >> dims[i];
    Tensor t = Tensor::Empty(Shape(dims));
    is.read(reinterpret_cast<char *>(t.Data()), t.NumElements() * sizeof(float));
    out[name] = t;
  }
  return out;
}

// Writes the request, runs the script, reads the answer. Returns false with *skip set when
// torch is missing; fails the test (and returns false) on any other error.
inline bool RunModelsReference(const JsonValue &request, const NamedTensors &tensors,
                               std::map<std::string, Tensor> *answer, std::string *skip) {
  const char *py = std::getenv("VOX_PYTHON");
  const char *root = std::getenv("VOX_ROOT");
  const std::string python = py ? py : "/usr/bin/python3";
  const std::string script = std::string(root ? root : ".") + "/tests/reference/models-ref.py";
  if (access(script.c_str(), R_OK) != 0) {
    ADD_FAILURE() << "cannot read " << script << " (run from the repository root or set VOX_ROOT)";
    return false;
  }
  char dir_template[] = "/tmp/vox-models-ref-XXXXXX";
  const char *dir = mkdtemp(dir_template);
  if (dir == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return false;
  }
  const std::string in = std::string(dir) + "/in", out = std::string(dir) + "/out",
                    err = std::string(dir) + "/err";
  {
    std::ofstream os(in, std::ios::binary);
    os << request.ToString() << "\n";
    WriteNamedTensors(os, tensors);
  }
  const std::string cmd = python + " " + script + " " + in + " " + out + " 2> " + err;
  const int status = std::system(cmd.c_str());
  std::ifstream es(err);
  const std::string errors((std::istreambuf_iterator<char>(es)), std::istreambuf_iterator<char>());
  bool ok = false;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
    *skip = python + ": " + errors;
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ADD_FAILURE() << cmd << " failed:\n" << errors;
  } else {
    *answer = ReadNamedTensors(out);
    ok = true;
  }
  std::remove(in.c_str());
  std::remove(out.c_str());
  std::remove(err.c_str());
  rmdir(dir);
  return ok;
}

inline float MaxAbs(const Tensor &t) {
  float m = 0;
  for (int64_t i = 0; i < t.NumElements(); i++) m = std::max(m, std::fabs(t.Data()[i]));
  return m;
}

// Every parameter and buffer of `module` as param/<path>, buffer/<path>.
inline NamedTensors ModuleTensors(const Module &module) {
  NamedTensors out;
  for (const auto &p : module.NamedParameters()) out.emplace_back("param/" + p.first, p.second.value().Clone());
  for (const auto &b : module.NamedBuffers()) out.emplace_back("buffer/" + b.first, b.second.value().Clone());
  return out;
}

struct ReferenceTolerance {
  // Forward values: |ours - torch| <= out_atol + out_rtol |torch|. Float32 sums in a
  // different order differ by ~1e-6 relative per layer; 1e-4 leaves room for a few dozen
  // layers of that and catches any formula error.
  float out_rtol = 1e-4f, out_atol = 1e-4f;
  // Gradients: |ours - torch| <= grad_rel * max|torch| (per tensor) + grad_rel |torch|.
  float grad_rel = 1e-3f;
};

// Compares our outputs (name -> Var, after Backward of sum(out * grad_out)), the gradients
// of `module`'s parameters and of `input`, and the buffers, with the reference's answer.
// `before` holds the parameters and buffers as they were when the forward pass started.
inline void CompareWithReference(const std::string &what, const JsonValue &request,
                                 const Module &module, const NamedTensors &before,
                                 const Var &input, const NamedTensors &extra_inputs,
                                 const std::map<std::string, Var> &outputs,
                                 const std::map<std::string, Tensor> &grad_out,
                                 const ReferenceTolerance &tol = {}) {
  NamedTensors send = before;
  send.emplace_back("input", input.value());
  for (const auto &e : extra_inputs) send.push_back(e);
  for (const auto &g : grad_out) send.emplace_back("grad_out/" + g.first, g.second);
  std::map<std::string, Tensor> ref;
  std::string skip;
  if (!RunModelsReference(request, send, &ref, &skip)) {
    if (!skip.empty()) GTEST_SKIP() << skip;
    return;
  }
  for (const auto &o : outputs) {
    auto it = ref.find("out/" + o.first);
    ASSERT_TRUE(it != ref.end()) << what << ": reference has no output " << o.first;
    ExpectTensorNear(o.second.value(), it->second, tol.out_rtol, tol.out_atol,
                     what + ": output " + o.first);
  }
  // Some gradients are zero in exact arithmetic (the bias of a layer followed by a softmax
  // over time: softmax ignores a constant shift), and both sides then hold rounding noise.
  // A tensor whose reference gradient is below 1e-5 of the largest gradient anywhere is
  // checked to be that small on our side too.
  float largest = 0;
  for (const auto &r : ref)
    if (r.first.rfind("grad/", 0) == 0) largest = std::max(largest, MaxAbs(r.second));
  auto check_grad = [&](const std::string &name, const Var &v) {
    auto it = ref.find("grad/" + name);
    ASSERT_TRUE(it != ref.end()) << what << ": reference has no gradient for " << name;
    ASSERT_TRUE(v.grad().Defined()) << what << ": no gradient reached " << name;
    const float scale = MaxAbs(it->second);
    if (scale < 1e-5f * largest) {
      EXPECT_LE(MaxAbs(v.grad()), 1e-5f * largest)
          << what << ": gradient of " << name << " should be ~0";
      return;
    }
    ExpectTensorNear(v.grad(), it->second, tol.grad_rel, tol.grad_rel * scale,
                     what + ": gradient of " + name);
  };
  int checked = 0;
  if (input.RequiresGrad()) check_grad("input", input);
  for (const auto &p : module.NamedParameters()) {
    check_grad(p.first, p.second);
    checked++;
  }
  for (const auto &b : module.NamedBuffers()) {
    auto it = ref.find("buffer/" + b.first);
    ASSERT_TRUE(it != ref.end()) << what << ": reference has no buffer " << b.first;
    // Running statistics are an average of batch statistics: forward precision.
    ExpectTensorNear(b.second.value(), it->second, tol.out_rtol, tol.out_atol,
                     what + ": buffer " + b.first, /*allow_zero=*/true);
  }
  EXPECT_GT(checked + (input.RequiresGrad() ? 1 : 0), 0) << what << ": nothing was compared";
}

// conf/models/<name>.json, parsed (relative to VOX_ROOT or the current directory).
inline JsonValue LoadModelConf(const std::string &name) {
  const char *root = std::getenv("VOX_ROOT");
  const std::string path = std::string(root ? root : ".") + "/conf/models/" + name + ".json";
  std::ifstream is(path);
  EXPECT_TRUE(is.good()) << "cannot read " << path;
  const std::string text((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
  return ParseJson(text, path);
}

// An embedding network in training mode (batch statistics) and then in eval mode (the
// running statistics the training pass left), each against the reference: outputs, every
// parameter's gradient, the input's gradient and the buffers.
inline void CheckEmbeddingModel(const std::string &what, EmbeddingModel *model,
                                const Shape &input_shape, uint64_t seed,
                                const ReferenceTolerance &tol = {}) {
  for (bool train : {true, false}) {
    model->Train(train);
    model->ZeroGrad();
    const std::string mode = what + (train ? " (train)" : " (eval)");
    NamedTensors before = ModuleTensors(*model);
    Var x(RandomNormal(input_shape, seed), true);
    EmbeddingOutput out = model->Forward(x);
    ASSERT_EQ(out.embedding.Dim(0), input_shape.Dim(0)) << mode;
    ASSERT_EQ(out.embedding.Dim(1), model->EmbedDim()) << mode;
    std::map<std::string, Var> outputs{{"embedding", out.embedding}};
    std::map<std::string, Tensor> grad_out{
        {"embedding", RandomNormal(out.embedding.shape(), seed + 1)}};
    Var loss = SumAll(Mul(out.embedding, Var(grad_out["embedding"])));
    if (!out.train_output.SameAs(out.embedding)) {
      outputs["train_output"] = out.train_output;
      grad_out["train_output"] = RandomNormal(out.train_output.shape(), seed + 2);
      loss = Add(loss, SumAll(Mul(out.train_output, Var(grad_out["train_output"]))));
    }
    loss.Backward();
    JsonValue request = JsonValue::Object();
    request.Set("kind", JsonValue::String("model"));
    request.Set("config", model->Config());
    request.Set("train", JsonValue::Bool(train));
    CompareWithReference(mode, request, *model, before, x, {}, outputs, grad_out, tol);
    if (::testing::Test::IsSkipped() || ::testing::Test::HasFatalFailure()) return;
    if (!train) {
      // Extraction runs without recording: the same numbers, bit for bit, and no graph.
      NoGradGuard no_grad;
      EmbeddingOutput inference = model->Forward(Var(x.value()));
      EXPECT_FALSE(inference.embedding.RequiresGrad()) << mode;
      ExpectTensorNear(inference.embedding.value(), out.embedding.value(), 0.0f, 0.0f,
                       mode + ": inference under NoGradGuard");
    }
  }
}

}  // namespace test
}  // namespace voxtools

#endif  // VOXTOOLS_TESTS_UNIT_NNET_MODEL_REFERENCE_H_

// tests/unit/nnet/nnet-test-util.h
// What every op test uses (header-only: the Makefile links tests/unit/nnet/*-test.cc):
//   RandomTensor        seeded N(0, 1) (or uniform) inputs;
//   ExpectTensorNear    element-wise |a - b| <= atol + rtol * |b|, naming the worst element;
//   CheckGradients      finite differences against the analytic gradient;
//   CheckAgainstTorch   forward value and input gradients against PyTorch
//                       (tests/reference/nnet-ops.py through TorchOracle), skipped with the
//                       reason when /usr/bin/python3 has no torch.
#ifndef VOXTOOLS_TESTS_UNIT_NNET_NNET_TEST_UTIL_H_
#define VOXTOOLS_TESTS_UNIT_NNET_NNET_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nnet/autograd.h"
#include "nnet/random.h"

namespace voxtools {
namespace test {

inline Tensor RandomTensor(const Shape &shape, uint64_t seed, float low = -1.0f,
                           float high = 1.0f) {
  RandomGenerator rng(seed);
  Tensor t = Tensor::Empty(shape);
  rng.FillUniform(low, high, &t);
  return t;
}

inline Tensor RandomNormal(const Shape &shape, uint64_t seed) {
  RandomGenerator rng(seed);
  Tensor t = Tensor::Empty(shape);
  rng.FillNormal(0.0f, 1.0f, &t);
  return t;
}

// Fails (non-fatally) naming `what` and the worst element if any |a-b| > atol + rtol |b|,
// or if the shapes differ. Unless allow_zero, also fails when b is all zeros: a comparison of
// two zero tensors proves nothing.
inline void ExpectTensorNear(const Tensor &a, const Tensor &b, float rtol, float atol,
                             const std::string &what, bool allow_zero = false) {
  ASSERT_TRUE(a.Defined()) << what << ": ours is undefined";
  ASSERT_TRUE(b.Defined()) << what << ": reference is undefined";
  ASSERT_EQ(a.NumElements(), b.NumElements())
      << what << ": shapes " << a.shape().ToString() << " vs " << b.shape().ToString();
  double worst = 0;
  int64_t worst_i = -1;
  bool nonzero = false;
  for (int64_t i = 0; i < a.NumElements(); i++) {
    double x = a.Data()[i], y = b.Data()[i];
    if (y != 0) nonzero = true;
    double excess = std::fabs(x - y) - (atol + rtol * std::fabs(y));
    if (std::isnan(x) != std::isnan(y)) excess = 1e30;
    if (excess > worst) worst = excess, worst_i = i;
  }
  if (worst_i >= 0)
    ADD_FAILURE() << what << ": element " << worst_i << " of " << b.shape().ToString()
                  << ": ours " << a.Data()[worst_i] << ", reference " << b.Data()[worst_i]
                  << " (rtol " << rtol << ", atol " << atol << ")";
  if (!allow_zero && b.NumElements() > 0) {
    EXPECT_TRUE(nonzero) << what << ": reference is all zeros, the test proves nothing";
  }
}

using OpFn = std::function<Var(const std::vector<Var> &)>;

// Loss L = sum(f(x) * r) for a fixed random r; compares dL/dx_i from Backward with central
// differences (x_i +- eps, f evaluated in float, L accumulated in double) for every input
// with requires_grad. Float32 limits the precision, so tolerances are loose (1e-2 relative)
// but catch any wrong formula.
inline void CheckGradients(const OpFn &f, const std::vector<Var> &inputs, float eps = 1e-2f,
                           float rtol = 1e-2f, float atol = 2e-3f,
                           const std::string &what = "") {
  for (const Var &v : inputs) const_cast<Var &>(v).ZeroGrad();
  Var y = f(inputs);
  Tensor r = RandomTensor(y.shape(), 99);
  y.Backward(r);
  auto loss = [&]() {
    NoGradGuard no_grad;
    Tensor out = f(inputs).value();
    double s = 0;
    for (int64_t i = 0; i < out.NumElements(); i++) s += double(out.Data()[i]) * r.Data()[i];
    return s;
  };
  bool any = false;
  for (size_t k = 0; k < inputs.size(); k++) {
    if (!inputs[k].RequiresGrad()) continue;
    any = true;
    Var x = inputs[k];
    ASSERT_TRUE(x.grad().Defined()) << what << ": input " << k << " got no gradient";
    Tensor numeric = Tensor::Empty(x.shape());
    float *d = x.MutableValue().Data();
    for (int64_t i = 0; i < x.NumElements(); i++) {
      float saved = d[i];
      d[i] = saved + eps;
      double lp = loss();
      d[i] = saved - eps;
      double lm = loss();
      d[i] = saved;
      numeric.Data()[i] = static_cast<float>((lp - lm) / (2.0 * eps));
    }
    ExpectTensorNear(x.grad(), numeric, rtol, atol,
                     what + ": finite-difference gradient of input " + std::to_string(k));
  }
  EXPECT_TRUE(any) << what << ": no input requires grad";
}

// The PyTorch process (tests/reference/nnet-ops.py), started once per test binary.
class TorchOracle {
 public:
  static TorchOracle &Get() {
    static TorchOracle *oracle = new TorchOracle;
    return *oracle;
  }
  bool ok() const { return ok_; }
  const std::string &reason() const { return reason_; }

  // Sends one request; returns false and sets *error on an "error" answer.
  bool Run(const std::string &op, const std::string &params, const std::vector<Var> &inputs,
           const Tensor &grad_out, Tensor *y, std::vector<Tensor> *grads, std::string *error) {
    std::string head = op + " " + params + "\n" + std::to_string(inputs.size()) + "\n";
    Write(head.data(), head.size());
    for (const Var &v : inputs) WriteTensor(v.value(), v.RequiresGrad());
    WriteTensor(grad_out, false);
    fflush(to_);
    std::string status = ReadLine();
    if (status != "ok") {
      *error = status;
      return false;
    }
    *y = ReadTensor();
    grads->clear();
    for (size_t i = 0; i < inputs.size(); i++) grads->push_back(ReadTensor());
    return true;
  }

 private:
  TorchOracle() {
    const char *py = std::getenv("VOX_PYTHON");
    std::string python = py ? py : "/usr/bin/python3";
    const char *root = std::getenv("VOX_ROOT");
    std::string script = std::string(root ? root : ".") + "/tests/reference/nnet-ops.py";
    if (access(script.c_str(), R_OK) != 0) {
      reason_ = "cannot read " + script + " (run from the repository root or set VOX_ROOT)";
      return;
    }
    int in_pipe[2], out_pipe[2];
    if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0) {
      reason_ = "pipe() failed";
      return;
    }
    signal(SIGPIPE, SIG_IGN);
    pid_t pid = fork();
    if (pid == 0) {
      dup2(in_pipe[0], 0);
      dup2(out_pipe[1], 1);
      close(in_pipe[1]);
      close(out_pipe[0]);
      execl(python.c_str(), python.c_str(), script.c_str(), (char *)nullptr);
      _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    to_ = fdopen(in_pipe[1], "w");
    from_ = fdopen(out_pipe[0], "r");
    std::string hello = ReadLine();
    if (hello != "ready") {
      reason_ = python + " " + script + ": " + (hello.empty() ? "did not start" : hello);
      return;
    }
    ok_ = true;
  }
  void Write(const void *p, size_t n) { fwrite(p, 1, n, to_); }
  void WriteTensor(const Tensor &t, bool requires_grad) {
    std::string head = std::string(requires_grad ? "1 " : "0 ") + std::to_string(t.Rank());
    for (int i = 0; i < t.Rank(); i++) head += " " + std::to_string(t.Dim(i));
    head += "\n";
    Write(head.data(), head.size());
    Write(t.Data(), t.NumElements() * sizeof(float));
  }
  std::string ReadLine() {
    std::string s;
    int c;
    while ((c = fgetc(from_)) != EOF && c != '\n') s.push_back(static_cast<char>(c));
    return s;
  }
  Tensor ReadTensor() {
    std::vector<int64_t> dims;
    int req = 0, rank = 0;
    std::string line = ReadLine();
    const char *p = line.c_str();
    int n = 0;
    sscanf(p, "%d %d%n", &req, &rank, &n);
    p += n;
    if (rank < 0) return Tensor();
    for (int i = 0; i < rank; i++) {
      long long d = 0;
      sscanf(p, "%lld%n", &d, &n);
      p += n;
      dims.push_back(d);
    }
    Tensor t = Tensor::Empty(Shape(dims));
    size_t got = fread(t.Data(), sizeof(float), t.NumElements(), from_);
    EXPECT_EQ(got, static_cast<size_t>(t.NumElements())) << "short answer from torch";
    return t;
  }

  bool ok_ = false;
  std::string reason_;
  FILE *to_ = nullptr, *from_ = nullptr;
};

inline bool TorchAvailable(std::string *reason) {
  TorchOracle &o = TorchOracle::Get();
  if (!o.ok()) *reason = o.reason();
  return o.ok();
}

struct TorchCase {
  std::string op;             // a key of OPS in tests/reference/nnet-ops.py
  std::string params = "{}";  // JSON
  std::vector<Var> inputs;    // those with requires_grad get their gradients compared
};

// Runs f on the inputs and backward with a random dL/dy, asks PyTorch for the same, and
// compares y and every gradient with |ours - torch| <= atol + rtol |torch|. Skips the test
// (GTEST_SKIP, with the reason) when torch is unavailable.
#define VOX_CHECK_TORCH(...)                                                      \
  do {                                                                            \
    std::string vox_reason_;                                                      \
    if (!::voxtools::test::TorchAvailable(&vox_reason_)) GTEST_SKIP() << vox_reason_; \
    ::voxtools::test::CheckAgainstTorch(__VA_ARGS__);                             \
  } while (0)

inline void CheckAgainstTorch(const TorchCase &c, const OpFn &f, float rtol = 1e-5f,
                              float atol = 1e-5f) {
  std::string what = c.op + " " + c.params + " on";
  for (const Var &v : c.inputs) {
    what += " " + v.shape().ToString();
    const_cast<Var &>(v).ZeroGrad();
  }
  Var y = f(c.inputs);
  Tensor gy = RandomTensor(y.shape(), 1234);
  bool any_grad = false;
  for (const Var &v : c.inputs) any_grad = any_grad || v.RequiresGrad();
  if (any_grad) y.Backward(gy);
  Tensor ty;
  std::vector<Tensor> tgrads;
  std::string error;
  ASSERT_TRUE(TorchOracle::Get().Run(c.op, c.params, c.inputs, gy, &ty, &tgrads, &error))
      << what << ": " << error;
  ExpectTensorNear(y.value(), ty, rtol, atol, what + ": forward");
  for (size_t i = 0; i < c.inputs.size(); i++) {
    if (!c.inputs[i].RequiresGrad()) continue;
    ExpectTensorNear(c.inputs[i].grad(), tgrads[i], rtol, atol,
                     what + ": gradient of input " + std::to_string(i));
  }
}

}  // namespace test
}  // namespace voxtools

#endif  // VOXTOOLS_TESTS_UNIT_NNET_NNET_TEST_UTIL_H_

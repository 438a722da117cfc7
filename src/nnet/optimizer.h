// src/nnet/optimizer.h
// Optimisers with PyTorch 1.13's update rules, so that a recipe ported from WeSpeaker trains
// the same: SGD (momentum, Nesterov, weight decay added to the gradient, dampening 0), Adam
// and AdamW (Kingma & Ba 2015, "Adam: a method for stochastic optimization", Algorithm 1 with
// bias correction; AdamW: Loshchilov & Hutter 2019, "Decoupled weight decay regularization";
// AMSGrad: Reddi et al. 2018). tests/unit/nnet/optimizer-test.cc compares 20 steps with
// torch.optim (tests/reference/nnet-optim.py).
//
//   Adam opt(GroupParameters(model.NamedParameters(), ParseLrScales("encoder=0.1")), {});
//   for (int64_t step = 0; ...; step++) {
//     opt.ZeroGrad();
//     loss.Backward();
//     ClipGradNorm(opt.Parameters(), 5.0);        // nnet/grad-clip.h
//     opt.Step(schedule.LearningRate(step));       // nnet/lr-schedule.h
//   }
//
// Parameter groups: each group scales the learning rate given to Step() (fine-tuning a
// pretrained SSL encoder at a fraction of the head's rate); groups are chosen by parameter
// path prefix. A parameter without a gradient (frozen, or unused in this step) is skipped and
// its state left untouched, as PyTorch does.
//
// State (momentum buffers, moment estimates, per-parameter step counts) is keyed by parameter
// path, which is how model-file.h saves it in a checkpoint.
#ifndef VOXTOOLS_NNET_OPTIMIZER_H_
#define VOXTOOLS_NNET_OPTIMIZER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/options-itf.h"
#include "nnet/autograd.h"

namespace voxtools {

using NamedVars = std::vector<std::pair<std::string, Var>>;

struct ParamGroup {
  NamedVars params;       // (path, parameter)
  double lr_scale = 1.0;  // this group's learning rate is lr_scale * the lr given to Step()
  std::string prefix;     // the path prefix that chose it ("" for the default group)
};

// Parses "encoder=0.1,projection=2" into (prefix, scale) pairs; "" gives none. Throws Error on
// a malformed item or a scale that is negative or not finite.
std::vector<std::pair<std::string, double>> ParseLrScales(const std::string &spec);

// Splits `named` into groups: a parameter goes to the group of the longest prefix in
// `prefix_scales` that matches whole path components ("encoder" matches "encoder/x/weight",
// not "encoder2/weight"); the rest go to a default group with scale 1, listed first. Empty
// groups are dropped. Throws Error if a prefix matches no parameter (a typo would otherwise
// silently train at the full rate) or appears twice.
std::vector<ParamGroup> GroupParameters(
    const NamedVars &named, const std::vector<std::pair<std::string, double>> &prefix_scales);
// All parameters in one group with scale 1.
std::vector<ParamGroup> SingleGroup(const NamedVars &named);

enum class OptimizerType { kSgd, kAdam, kAdamW };
const char *OptimizerTypeName(OptimizerType type);  // "sgd", "adam", "adamw"
// Inverse of OptimizerTypeName; throws Error naming the accepted values.
OptimizerType ParseOptimizerType(const std::string &name);

class Optimizer {
 public:
  // Per-parameter state. tensors[i] is the state named StateNames()[i], each of the
  // parameter's shape; undefined until the first step that creates it.
  struct ParamState {
    int64_t step = 0;  // steps that updated this parameter
    std::vector<Tensor> tensors;
  };

  // Throws Error if a path or a parameter (the same Var) appears twice, or a scale is < 0.
  explicit Optimizer(std::vector<ParamGroup> groups);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer &) = delete;
  Optimizer &operator=(const Optimizer &) = delete;

  virtual OptimizerType Type() const = 0;
  // Names of the per-parameter state tensors, e.g. {"exp_avg", "exp_avg_sq"} (PyTorch's).
  virtual std::vector<std::string> StateNames() const = 0;
  // The scalar hyper-parameters by name (saved in checkpoints, compared on resume).
  virtual std::vector<std::pair<std::string, double>> HyperParameters() const = 0;
  // The options on one line, for logs.
  virtual std::string ToString() const = 0;

  // One update of every parameter that has a gradient, at learning rate lr * lr_scale of its
  // group. Throws Error if lr is negative or not finite, or if a gradient holds NaN/Inf
  // (naming the parameter; nothing has been updated then).
  void Step(double lr);
  // Drops every parameter's gradient.
  void ZeroGrad();

  const std::vector<ParamGroup> &Groups() const { return groups_; }
  // Every parameter, in group order (for ClipGradNorm).
  std::vector<Var> Parameters() const;
  std::vector<std::string> ParamPaths() const { return paths_; }
  // The state of the parameter at `path`; nullptr if it has not been stepped yet. Throws
  // Error for a path this optimiser does not hold.
  const ParamState *State(const std::string &path) const;
  // Replaces the state at `path` (loading a checkpoint). Throws Error naming the path for an
  // unknown path, a wrong number of tensors, or a tensor whose shape is not the parameter's.
  void SetState(const std::string &path, ParamState state);

 protected:
  // Updates `param` in place from `grad` (both contiguous, n elements) at learning rate lr;
  // `state` was default-constructed before the parameter's first step, and its step was
  // already incremented for this update.
  virtual void Update(double lr, const Tensor &grad, ParamState *state, Tensor *param) = 0;

 private:
  size_t IndexOf(const std::string &path) const;

  std::vector<ParamGroup> groups_;
  // Flattened over groups, parallel.
  std::vector<std::string> paths_;
  std::vector<Var> params_;
  std::vector<double> scales_;
  std::vector<ParamState> states_;
  std::vector<bool> has_state_;
};

// torch.optim.SGD(lr, momentum, dampening=0, weight_decay, nesterov):
//   g = grad + weight_decay * p
//   b = g at the first step, else momentum * b + g     (when momentum > 0)
//   g = nesterov ? g + momentum * b : b
//   p = p - lr * g
// Defaults are WeSpeaker's recipe values (PyTorch's own are 0, 0, false).
struct SgdOptions {
  double momentum = 0.9;
  double weight_decay = 1e-4;
  bool nesterov = true;

  void Register(OptionsItf *opts);
  // Throws Error naming the option: momentum in [0, 1), weight_decay >= 0, nesterov needs
  // momentum > 0 (as PyTorch).
  void Validate() const;
  std::string ToString() const;
};

class Sgd : public Optimizer {
 public:
  Sgd(std::vector<ParamGroup> groups, const SgdOptions &opts);
  OptimizerType Type() const override { return OptimizerType::kSgd; }
  std::vector<std::string> StateNames() const override;
  std::vector<std::pair<std::string, double>> HyperParameters() const override;
  std::string ToString() const override { return "sgd " + opts_.ToString(); }

 protected:
  void Update(double lr, const Tensor &grad, ParamState *state, Tensor *param) override;

 private:
  SgdOptions opts_;
};

// torch.optim.Adam / AdamW, t = the parameter's step count:
//   Adam:  g = grad + weight_decay * p             AdamW: p = p * (1 - lr * weight_decay)
//   m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2
//   v_hat = amsgrad ? (v_max = max(v_max, v)) : v
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
// (eps is added after the bias correction of v, as PyTorch does.)
struct AdamOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // AdamW users typically set 0.01 (PyTorch's AdamW default)
  bool amsgrad = false;

  void Register(OptionsItf *opts);
  // Throws Error naming the option: betas in [0, 1), eps > 0, weight_decay >= 0.
  void Validate() const;
  std::string ToString() const;
};

class Adam : public Optimizer {
 public:
  // decoupled = true gives AdamW.
  Adam(std::vector<ParamGroup> groups, const AdamOptions &opts, bool decoupled = false);
  OptimizerType Type() const override {
    return decoupled_ ? OptimizerType::kAdamW : OptimizerType::kAdam;
  }
  std::vector<std::string> StateNames() const override;
  std::vector<std::pair<std::string, double>> HyperParameters() const override;
  std::string ToString() const override;

 protected:
  void Update(double lr, const Tensor &grad, ParamState *state, Tensor *param) override;

 private:
  AdamOptions opts_;
  bool decoupled_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPTIMIZER_H_

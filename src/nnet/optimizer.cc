// src/nnet/optimizer.cc
// Element loops follow PyTorch 1.13's single-tensor kernels operation by operation (scalars
// computed in double, applied in float), so that 20 steps agree with torch.optim to ~1e-6.
#include "nnet/optimizer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "base/log.h"

namespace voxtools {

std::vector<std::pair<std::string, double>> ParseLrScales(const std::string &spec) {
  std::vector<std::pair<std::string, double>> out;
  size_t begin = 0;
  while (begin < spec.size()) {
    size_t end = spec.find(',', begin);
    if (end == std::string::npos) end = spec.size();
    std::string item = spec.substr(begin, end - begin);
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      VOX_ERR << "learning-rate scales '" << spec << "': item '" << item
              << "' is not <path-prefix>=<scale>";
    const std::string value = item.substr(eq + 1);
    char *stop = nullptr;
    double scale = std::strtod(value.c_str(), &stop);
    if (*stop != '\0' || !std::isfinite(scale) || scale < 0)
      VOX_ERR << "learning-rate scales '" << spec << "': scale '" << value
              << "' is not a finite number >= 0";
    out.emplace_back(item.substr(0, eq), scale);
    begin = end + 1;
  }
  return out;
}

namespace {

// True if `prefix` is `path` or a run of its leading components.
bool MatchesPrefix(const std::string &path, const std::string &prefix) {
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

std::string StripSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

std::vector<ParamGroup> GroupParameters(
    const NamedVars &named, const std::vector<std::pair<std::string, double>> &prefix_scales) {
  std::vector<ParamGroup> groups(prefix_scales.size() + 1);
  for (size_t k = 0; k < prefix_scales.size(); k++) {
    groups[k + 1].prefix = StripSlash(prefix_scales[k].first);
    groups[k + 1].lr_scale = prefix_scales[k].second;
    if (groups[k + 1].prefix.empty())
      VOX_ERR << "empty parameter-path prefix in the learning-rate scales";
    for (size_t j = 1; j <= k; j++)
      if (groups[j].prefix == groups[k + 1].prefix)
        VOX_ERR << "parameter-path prefix '" << groups[j].prefix << "' given twice";
  }
  for (const auto &p : named) {
    size_t best = 0, best_len = 0;
    for (size_t k = 1; k < groups.size(); k++) {
      const std::string &prefix = groups[k].prefix;
      if (MatchesPrefix(p.first, prefix) && prefix.size() > best_len) {
        best = k;
        best_len = prefix.size();
      }
    }
    groups[best].params.push_back(p);
  }
  std::vector<ParamGroup> out;
  for (size_t k = 0; k < groups.size(); k++) {
    if (k > 0 && groups[k].params.empty())
      VOX_ERR << "parameter-path prefix '" << groups[k].prefix << "' matches no parameter";
    if (!groups[k].params.empty()) out.push_back(std::move(groups[k]));
  }
  return out;
}

std::vector<ParamGroup> SingleGroup(const NamedVars &named) { return GroupParameters(named, {}); }

const char *OptimizerTypeName(OptimizerType type) {
  switch (type) {
    case OptimizerType::kSgd:
      return "sgd";
    case OptimizerType::kAdam:
      return "adam";
    case OptimizerType::kAdamW:
      return "adamw";
  }
  return "?";
}

OptimizerType ParseOptimizerType(const std::string &name) {
  for (OptimizerType t : {OptimizerType::kSgd, OptimizerType::kAdam, OptimizerType::kAdamW})
    if (name == OptimizerTypeName(t)) return t;
  VOX_ERR << "unknown optimiser '" << name << "' (expected sgd, adam or adamw)";
  return OptimizerType::kSgd;
}

// ---------------------------------------------------------------------------------------------

Optimizer::Optimizer(std::vector<ParamGroup> groups) : groups_(std::move(groups)) {
  std::map<std::string, size_t> seen_path;
  std::map<const void *, std::string> seen_var;
  for (const ParamGroup &g : groups_) {
    if (!std::isfinite(g.lr_scale) || g.lr_scale < 0)
      VOX_ERR << "learning-rate scale " << g.lr_scale << " of group '" << g.prefix
              << "' must be finite and >= 0";
    for (const auto &p : g.params) {
      if (!p.second.Defined()) VOX_ERR << "parameter '" << p.first << "' is undefined";
      if (!seen_path.emplace(p.first, paths_.size()).second)
        VOX_ERR << "parameter path '" << p.first << "' given to the optimiser twice";
      auto v = seen_var.emplace(p.second.Id(), p.first);
      if (!v.second)
        VOX_ERR << "parameters '" << v.first->second << "' and '" << p.first
                << "' are the same variable";
      paths_.push_back(p.first);
      params_.push_back(p.second);
      scales_.push_back(g.lr_scale);
    }
  }
  states_.resize(paths_.size());
  has_state_.assign(paths_.size(), false);
}

std::vector<Var> Optimizer::Parameters() const { return params_; }

void Optimizer::ZeroGrad() {
  for (Var &p : params_) p.ZeroGrad();
}

void Optimizer::Step(double lr) {
  if (!std::isfinite(lr) || lr < 0) VOX_ERR << "learning rate " << lr << " must be finite, >= 0";
  // Check every gradient before touching any parameter, so a bad step changes nothing.
  for (size_t i = 0; i < params_.size(); i++) {
    const Tensor &g = params_[i].grad();
    if (!g.Defined()) continue;
    if (g.shape() != params_[i].shape())
      VOX_ERR << "gradient of '" << paths_[i] << "' has shape " << g.shape().ToString()
              << ", parameter " << params_[i].shape().ToString();
    const float *d = g.Data();
    for (int64_t j = 0; j < g.NumElements(); j++)
      if (!std::isfinite(d[j]))
        VOX_ERR << "gradient of '" << paths_[i] << "' holds " << d[j] << " at element " << j;
  }
  const size_t num_states = StateNames().size();
  for (size_t i = 0; i < params_.size(); i++) {
    const Tensor &g = params_[i].grad();
    if (!g.Defined()) continue;
    if (!has_state_[i]) {
      states_[i] = ParamState();
      states_[i].tensors.resize(num_states);
      has_state_[i] = true;
    }
    states_[i].step++;
    Update(lr * scales_[i], g, &states_[i], &params_[i].MutableValue());
  }
}

size_t Optimizer::IndexOf(const std::string &path) const {
  for (size_t i = 0; i < paths_.size(); i++)
    if (paths_[i] == path) return i;
  VOX_ERR << "the optimiser holds no parameter '" << path << "'";
  return 0;
}

const Optimizer::ParamState *Optimizer::State(const std::string &path) const {
  size_t i = IndexOf(path);
  return has_state_[i] ? &states_[i] : nullptr;
}

void Optimizer::SetState(const std::string &path, ParamState state) {
  size_t i = IndexOf(path);
  std::vector<std::string> names = StateNames();
  if (state.tensors.size() != names.size())
    VOX_ERR << "optimiser state of '" << path << "': " << state.tensors.size()
            << " tensors, expected " << names.size();
  if (state.step < 0) VOX_ERR << "optimiser state of '" << path << "': step " << state.step;
  for (size_t k = 0; k < names.size(); k++) {
    const Tensor &t = state.tensors[k];
    if (!t.Defined()) {
      if (state.step > 0)
        VOX_ERR << "optimiser state of '" << path << "' lacks " << names[k] << " after "
                << state.step << " steps";
      continue;
    }
    if (t.shape() != params_[i].shape())
      VOX_ERR << "optimiser state " << names[k] << " of '" << path << "' has shape "
              << t.shape().ToString() << ", expected " << params_[i].shape().ToString();
  }
  states_[i] = std::move(state);
  has_state_[i] = true;
}

// ---------------------------------------------------------------------------------------------

void SgdOptions::Register(OptionsItf *opts) {
  opts->Register("momentum", &momentum, "SGD momentum (0 = none); WeSpeaker uses 0.9");
  opts->Register("weight-decay", &weight_decay,
                 "L2 penalty added to the gradient (weight_decay * p); WeSpeaker uses 1e-4");
  opts->Register("nesterov", &nesterov, "Nesterov momentum (needs --momentum > 0)");
}

void SgdOptions::Validate() const {
  if (!(momentum >= 0 && momentum < 1))
    VOX_ERR << "--momentum=" << momentum << " must be in [0, 1)";
  if (!(weight_decay >= 0 && std::isfinite(weight_decay)))
    VOX_ERR << "--weight-decay=" << weight_decay << " must be finite and >= 0";
  if (nesterov && momentum == 0) VOX_ERR << "--nesterov=true needs --momentum > 0";
}

std::string SgdOptions::ToString() const {
  std::ostringstream os;
  os << "--momentum=" << momentum << " --weight-decay=" << weight_decay
     << " --nesterov=" << (nesterov ? "true" : "false");
  return os.str();
}

Sgd::Sgd(std::vector<ParamGroup> groups, const SgdOptions &opts)
    : Optimizer(std::move(groups)), opts_(opts) {
  opts_.Validate();
}

std::vector<std::string> Sgd::StateNames() const {
  if (opts_.momentum == 0) return {};
  return {"momentum_buffer"};
}

std::vector<std::pair<std::string, double>> Sgd::HyperParameters() const {
  return {{"momentum", opts_.momentum},
          {"dampening", 0.0},
          {"weight_decay", opts_.weight_decay},
          {"nesterov", opts_.nesterov ? 1.0 : 0.0}};
}

void Sgd::Update(double lr, const Tensor &grad, ParamState *state, Tensor *param) {
  const int64_t n = param->NumElements();
  const float *g = grad.Data();
  float *p = param->Data();
  const float wd = static_cast<float>(opts_.weight_decay);
  const float mom = static_cast<float>(opts_.momentum);
  const float neg_lr = static_cast<float>(-lr);
  if (opts_.momentum == 0) {
    for (int64_t i = 0; i < n; i++) {
      float d = wd != 0 ? g[i] + wd * p[i] : g[i];
      p[i] = p[i] + neg_lr * d;
    }
    return;
  }
  Tensor &buf_t = state->tensors[0];
  const bool first = !buf_t.Defined();
  if (first) buf_t = Tensor::Empty(param->shape());
  float *buf = buf_t.Data();
  for (int64_t i = 0; i < n; i++) {
    float d = wd != 0 ? g[i] + wd * p[i] : g[i];
    // PyTorch starts the buffer at the first (decayed) gradient; dampening is 0.
    buf[i] = first ? d : buf[i] * mom + d;
    d = opts_.nesterov ? d + mom * buf[i] : buf[i];
    p[i] = p[i] + neg_lr * d;
  }
}

// ---------------------------------------------------------------------------------------------

void AdamOptions::Register(OptionsItf *opts) {
  opts->Register("beta1", &beta1, "Decay of the first-moment (mean) estimate");
  opts->Register("beta2", &beta2, "Decay of the second-moment (uncentred variance) estimate");
  opts->Register("eps", &eps, "Added to sqrt(v) after bias correction, for stability");
  opts->Register("weight-decay", &weight_decay,
                 "Adam: added to the gradient (L2); AdamW: decoupled, p *= 1 - lr * decay");
  opts->Register("amsgrad", &amsgrad, "Use the running maximum of v (AMSGrad)");
}

void AdamOptions::Validate() const {
  if (!(beta1 >= 0 && beta1 < 1)) VOX_ERR << "--beta1=" << beta1 << " must be in [0, 1)";
  if (!(beta2 >= 0 && beta2 < 1)) VOX_ERR << "--beta2=" << beta2 << " must be in [0, 1)";
  if (!(eps > 0 && std::isfinite(eps))) VOX_ERR << "--eps=" << eps << " must be finite and > 0";
  if (!(weight_decay >= 0 && std::isfinite(weight_decay)))
    VOX_ERR << "--weight-decay=" << weight_decay << " must be finite and >= 0";
}

std::string AdamOptions::ToString() const {
  std::ostringstream os;
  os << "--beta1=" << beta1 << " --beta2=" << beta2 << " --eps=" << eps
     << " --weight-decay=" << weight_decay << " --amsgrad=" << (amsgrad ? "true" : "false");
  return os.str();
}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions &opts, bool decoupled)
    : Optimizer(std::move(groups)), opts_(opts), decoupled_(decoupled) {
  opts_.Validate();
}

std::vector<std::string> Adam::StateNames() const {
  if (opts_.amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

std::vector<std::pair<std::string, double>> Adam::HyperParameters() const {
  return {{"beta1", opts_.beta1},
          {"beta2", opts_.beta2},
          {"eps", opts_.eps},
          {"weight_decay", opts_.weight_decay},
          {"amsgrad", opts_.amsgrad ? 1.0 : 0.0}};
}

std::string Adam::ToString() const {
  return std::string(decoupled_ ? "adamw " : "adam ") + opts_.ToString();
}

void Adam::Update(double lr, const Tensor &grad, ParamState *state, Tensor *param) {
  const int64_t n = param->NumElements();
  for (Tensor &t : state->tensors)
    if (!t.Defined()) t = Tensor(param->shape());  // zeros, as PyTorch's first step
  const float *g = grad.Data();
  float *p = param->Data();
  float *m = state->tensors[0].Data();
  float *v = state->tensors[1].Data();
  float *v_max = opts_.amsgrad ? state->tensors[2].Data() : nullptr;

  const double t = static_cast<double>(state->step);
  const float beta1 = static_cast<float>(opts_.beta1), beta2 = static_cast<float>(opts_.beta2);
  const float one_minus_beta1 = static_cast<float>(1.0 - opts_.beta1);
  const float one_minus_beta2 = static_cast<float>(1.0 - opts_.beta2);
  const float wd = static_cast<float>(opts_.weight_decay);
  const float decay_factor = static_cast<float>(1.0 - lr * opts_.weight_decay);
  const double bias_correction1 = 1.0 - std::pow(opts_.beta1, t);
  const float bias_correction2_sqrt =
      static_cast<float>(std::sqrt(1.0 - std::pow(opts_.beta2, t)));
  const float neg_step_size = static_cast<float>(-lr / bias_correction1);
  const float eps = static_cast<float>(opts_.eps);
  const bool l2 = !decoupled_ && opts_.weight_decay != 0;
  const bool decay = decoupled_ && opts_.weight_decay != 0;

  for (int64_t i = 0; i < n; i++) {
    if (decay) p[i] = p[i] * decay_factor;
    const float gi = l2 ? g[i] + wd * p[i] : g[i];
    m[i] = m[i] * beta1 + one_minus_beta1 * gi;
    v[i] = v[i] * beta2 + one_minus_beta2 * gi * gi;
    float v_hat = v[i];
    if (v_max != nullptr) {
      v_max[i] = std::max(v_max[i], v[i]);
      v_hat = v_max[i];
    }
    const float denom = std::sqrt(v_hat) / bias_correction2_sqrt + eps;
    p[i] = p[i] + neg_step_size * m[i] / denom;
  }
}

}  // namespace voxtools

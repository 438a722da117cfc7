// src/nnet/autograd.cc
#include "nnet/autograd.h"

#include <unordered_map>
#include <unordered_set>

namespace voxtools {

struct VarData {
  Tensor value;
  Tensor grad;
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;
};

namespace {
thread_local bool t_grad_enabled = true;
}  // namespace

Var::Var(Tensor value, bool requires_grad) : data_(std::make_shared<VarData>()) {
  data_->value = std::move(value);
  data_->requires_grad = requires_grad;
}

const Tensor &Var::value() const {
  if (!data_) VOX_ERR << "use of an undefined Var";
  return data_->value;
}

Tensor &Var::MutableValue() {
  if (!data_) VOX_ERR << "use of an undefined Var";
  return data_->value;
}

bool Var::RequiresGrad() const { return data_ && (data_->requires_grad || data_->grad_fn); }

void Var::SetRequiresGrad(bool requires_grad) {
  if (!IsLeaf()) VOX_ERR << "SetRequiresGrad on the output of " << data_->grad_fn->Name();
  data_->requires_grad = requires_grad;
}

bool Var::IsLeaf() const { return data_ && !data_->grad_fn; }

const Tensor &Var::grad() const {
  static const Tensor kNone;
  return data_ ? data_->grad : kNone;
}

Tensor *Var::MutableGrad() { return data_ ? &data_->grad : nullptr; }

void Var::ZeroGrad() {
  if (data_) data_->grad = Tensor();
}

void Var::AccumulateGrad(const Tensor &g) {
  if (g.shape() != data_->value.shape())
    VOX_ERR << "gradient of shape " << g.shape().ToString() << " for a value of shape "
            << data_->value.shape().ToString()
            << (data_->grad_fn ? std::string(" (output of ") + data_->grad_fn->Name() + ")"
                               : std::string());
  Tensor &acc = data_->grad;
  if (!acc.Defined()) {
    acc = g.Clone();
    return;
  }
  float *a = acc.Data();
  const float *b = g.Data();
  const int64_t n = acc.NumElements();
  for (int64_t i = 0; i < n; i++) a[i] += b[i];
}

const std::shared_ptr<Node> &Var::grad_fn() const {
  static const std::shared_ptr<Node> kNone;
  return data_ ? data_->grad_fn : kNone;
}

void Var::SetGradFn(std::shared_ptr<Node> node) { data_->grad_fn = std::move(node); }

Var Var::Detach() const { return Var(value(), false); }

void Var::Backward() const {
  if (value().NumElements() != 1)
    VOX_ERR << "Backward() without a gradient needs a one-element value, got "
            << value().shape().ToString();
  Backward(Tensor::Full(value().shape(), 1.0f));
}

void Var::Backward(const Tensor &grad_output) const {
  if (!RequiresGrad()) VOX_ERR << "Backward from a Var that does not require grad";
  // Reverse topological order by an iterative depth-first search over producing Nodes. The
  // order holds owning handles: releasing a Node may drop the last other handle to its inputs.
  std::vector<std::shared_ptr<VarData>> order;
  std::unordered_set<VarData *> seen;
  std::vector<std::pair<std::shared_ptr<VarData>, size_t>> stack;
  stack.push_back({data_, 0});
  seen.insert(data_.get());
  while (!stack.empty()) {
    std::shared_ptr<VarData> v = stack.back().first;
    const std::vector<Var> *inputs = v->grad_fn ? &v->grad_fn->inputs() : nullptr;
    if (inputs && stack.back().second < inputs->size()) {
      const std::shared_ptr<VarData> &in = (*inputs)[stack.back().second++].data_;
      if (in && in->grad_fn && seen.insert(in.get()).second) stack.push_back({in, 0});
      continue;
    }
    order.push_back(v);
    stack.pop_back();
  }
  NoGradGuard no_grad;  // backward formulas are not themselves differentiated
  const_cast<Var *>(this)->AccumulateGrad(grad_output);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    VarData *v = it->get();
    std::shared_ptr<Node> node = v->grad_fn;
    if (!node) continue;
    if (node->inputs().empty())
      VOX_ERR << "Backward through a graph that was already released (" << node->Name() << ")";
    Tensor g = std::move(v->grad);
    v->grad = Tensor();
    if (g.Defined()) node->Backward(g);
    node->Release();
    v->grad_fn.reset();
  }
}

bool GradEnabled() { return t_grad_enabled; }

NoGradGuard::NoGradGuard() : previous_(t_grad_enabled) { t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { t_grad_enabled = previous_; }

bool ShouldRecord(std::initializer_list<const Var *> inputs) {
  if (!t_grad_enabled) return false;
  for (const Var *v : inputs)
    if (v->RequiresGrad()) return true;
  return false;
}

bool ShouldRecord(const std::vector<Var> &inputs) {
  if (!t_grad_enabled) return false;
  for (const Var &v : inputs)
    if (v.RequiresGrad()) return true;
  return false;
}

Var Record(Tensor value, std::shared_ptr<Node> node) {
  Var out(std::move(value), false);
  if (node) out.SetGradFn(std::move(node));
  return out;
}

}  // namespace voxtools

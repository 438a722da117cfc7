// src/nnet/module.h
// Module: the base of every layer and model. A module owns named parameters (trainable Vars),
// named buffers (saved state that is not trained: batch-norm running statistics) and named
// submodules, registered in its constructor. Paths join names with '/', the same names as
// the checkpoints we import ("encoder/layers/3/attention/q_proj/weight"), so model files
// (params/<path>) and optimiser state are keyed by them.
//
//   class Block : public Module {
//    public:
//     Block(int64_t dim) {
//       proj_ = RegisterModule("proj", std::make_shared<Linear>(dim, dim));
//       scale_ = RegisterParameter("scale", Tensor::Full({dim}, 1.0f));
//     }
//     Var Forward(const Var &x) { return Mul(proj_->Forward(x), scale_); }
//    private:
//     std::shared_ptr<Linear> proj_;
//     Var scale_;
//   };
//
// Forward() signatures differ per module (a model takes what it needs), so there is no
// virtual Forward here. Train()/Eval() switch the mode of the whole tree (dropout, batch
// norm); Training() is read by Forward.
#ifndef VOXTOOLS_NNET_MODULE_H_
#define VOXTOOLS_NNET_MODULE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nnet/autograd.h"

namespace voxtools {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;

  // A short type name for nnet-info and errors ("Linear").
  virtual std::string TypeName() const = 0;
  // One-line description of the hyper-parameters ("in=768, out=3072, bias=true").
  virtual std::string Describe() const { return ""; }

  // Parameters/buffers of this module and all submodules, depth-first in registration order,
  // with their paths relative to this module.
  std::vector<std::pair<std::string, Var>> NamedParameters() const;
  std::vector<std::pair<std::string, Var>> NamedBuffers() const;
  std::vector<Var> Parameters() const;
  // Direct submodules, in registration order.
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>> &Children() const {
    return children_;
  }
  // Finds a parameter or buffer by path; throws Error naming the path if absent.
  Var Find(const std::string &path) const;

  // Number of parameter elements (this module and below).
  int64_t NumParameters() const;

  void Train(bool on = true);
  void Eval() { Train(false); }
  bool Training() const { return training_; }
  // Drops every parameter's gradient.
  void ZeroGrad();
  // Parameters stop (or start again) requiring grad: freezing a pretrained encoder.
  void SetRequiresGrad(bool requires_grad);

 protected:
  // Registers a trainable parameter (requires_grad = true) holding `init`; returns its handle.
  Var RegisterParameter(const std::string &name, Tensor init);
  // Registers saved non-trainable state (e.g. running mean); returns its handle, whose
  // value the module updates in place (MutableValue).
  Var RegisterBuffer(const std::string &name, Tensor init);
  template <class M>
  std::shared_ptr<M> RegisterModule(const std::string &name, std::shared_ptr<M> module) {
    AddChild(name, module);
    return module;
  }

 private:
  void AddChild(const std::string &name, std::shared_ptr<Module> module);
  void CheckNewName(const std::string &name) const;
  void Collect(const std::string &prefix, bool buffers,
               std::vector<std::pair<std::string, Var>> *out) const;

  bool training_ = true;
  std::vector<std::pair<std::string, Var>> params_;
  std::vector<std::pair<std::string, Var>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

// A list of modules registered as "0", "1", ... (PyTorch's nn.ModuleList), so that paths
// read "layers/3/...".
class ModuleList : public Module {
 public:
  std::string TypeName() const override { return "ModuleList"; }
  template <class M>
  std::shared_ptr<M> Append(std::shared_ptr<M> module) {
    items_.push_back(module);
    return RegisterModule(std::to_string(items_.size() - 1), module);
  }
  size_t size() const { return items_.size(); }
  Module &operator[](size_t i) const { return *items_.at(i); }
  // The i-th module as its own type (an Error if it is not an M).
  template <class M>
  M &At(size_t i) const;

 private:
  std::vector<std::shared_ptr<Module>> items_;
};

template <class M>
M &ModuleList::At(size_t i) const {
  M *m = dynamic_cast<M *>(items_.at(i).get());
  if (m == nullptr) VOX_ERR << "ModuleList item " << i << " is a " << items_[i]->TypeName();
  return *m;
}

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_MODULE_H_

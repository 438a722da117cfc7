// src/nnet/module.cc
#include "nnet/module.h"

namespace voxtools {

void Module::CheckNewName(const std::string &name) const {
  if (name.empty() || name.find('/') != std::string::npos)
    VOX_ERR << "bad module member name '" << name << "' in " << TypeName();
  for (auto &p : params_)
    if (p.first == name) VOX_ERR << "duplicate name '" << name << "' in " << TypeName();
  for (auto &p : buffers_)
    if (p.first == name) VOX_ERR << "duplicate name '" << name << "' in " << TypeName();
  for (auto &p : children_)
    if (p.first == name) VOX_ERR << "duplicate name '" << name << "' in " << TypeName();
}

Var Module::RegisterParameter(const std::string &name, Tensor init) {
  CheckNewName(name);
  Var v(std::move(init), true);
  params_.emplace_back(name, v);
  return v;
}

Var Module::RegisterBuffer(const std::string &name, Tensor init) {
  CheckNewName(name);
  Var v(std::move(init), false);
  buffers_.emplace_back(name, v);
  return v;
}

void Module::AddChild(const std::string &name, std::shared_ptr<Module> module) {
  CheckNewName(name);
  if (!module) VOX_ERR << "null submodule '" << name << "' in " << TypeName();
  module->training_ = training_;
  children_.emplace_back(name, std::move(module));
}

void Module::Collect(const std::string &prefix, bool buffers,
                     std::vector<std::pair<std::string, Var>> *out) const {
  for (auto &p : buffers ? buffers_ : params_) out->emplace_back(prefix + p.first, p.second);
  for (auto &c : children_) c.second->Collect(prefix + c.first + "/", buffers, out);
}

std::vector<std::pair<std::string, Var>> Module::NamedParameters() const {
  std::vector<std::pair<std::string, Var>> out;
  Collect("", false, &out);
  return out;
}

std::vector<std::pair<std::string, Var>> Module::NamedBuffers() const {
  std::vector<std::pair<std::string, Var>> out;
  Collect("", true, &out);
  return out;
}

std::vector<Var> Module::Parameters() const {
  std::vector<Var> out;
  for (auto &p : NamedParameters()) out.push_back(p.second);
  return out;
}

Var Module::Find(const std::string &path) const {
  size_t slash = path.find('/');
  if (slash != std::string::npos) {
    std::string head = path.substr(0, slash);
    for (auto &c : children_)
      if (c.first == head) return c.second->Find(path.substr(slash + 1));
  } else {
    for (auto &p : params_)
      if (p.first == path) return p.second;
    for (auto &p : buffers_)
      if (p.first == path) return p.second;
  }
  VOX_ERR << "no parameter or buffer '" << path << "' in " << TypeName();
  return Var();
}

int64_t Module::NumParameters() const {
  int64_t n = 0;
  for (auto &p : NamedParameters()) n += p.second.NumElements();
  return n;
}

void Module::Train(bool on) {
  training_ = on;
  for (auto &c : children_) c.second->Train(on);
}

void Module::ZeroGrad() {
  for (auto &p : NamedParameters()) p.second.ZeroGrad();
}

void Module::SetRequiresGrad(bool requires_grad) {
  for (auto &p : NamedParameters()) p.second.SetRequiresGrad(requires_grad);
}

}  // namespace voxtools

// src/nnet/linear.h
// Linear layer: y = x W^T + b (PyTorch's nn.Linear; parameters "weight" (out, in), "bias").
#ifndef VOXTOOLS_NNET_LINEAR_H_
#define VOXTOOLS_NNET_LINEAR_H_

#include <cstdint>
#include <string>

#include "nnet/module.h"
#include "nnet/random.h"

namespace voxtools {

class Linear : public Module {
 public:
  // With rng, weight and bias are drawn as PyTorch's default: U(-1/sqrt(in), 1/sqrt(in)).
  // Without, they are zero (for weights that will be loaded from a model file).
  Linear(int64_t in_dim, int64_t out_dim, bool bias = true, RandomGenerator *rng = nullptr);
  std::string TypeName() const override { return "Linear"; }
  std::string Describe() const override;

  // x (..., in_dim) -> (..., out_dim).
  Var Forward(const Var &x) const;

  int64_t InDim() const { return in_dim_; }
  int64_t OutDim() const { return out_dim_; }
  const Var &weight() const { return weight_; }
  const Var &bias() const { return bias_; }  // undefined without bias

 private:
  int64_t in_dim_, out_dim_;
  Var weight_, bias_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_LINEAR_H_

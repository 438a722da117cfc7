// src/nnet/linear.cc
#include "nnet/linear.h"

#include <cmath>
#include <sstream>

#include "nnet/ops/matmul.h"

namespace voxtools {

Linear::Linear(int64_t in_dim, int64_t out_dim, bool bias, RandomGenerator *rng)
    : in_dim_(in_dim), out_dim_(out_dim) {
  if (in_dim <= 0 || out_dim <= 0) VOX_ERR << "Linear(" << in_dim << ", " << out_dim << ")";
  Tensor w({out_dim, in_dim});
  Tensor b({out_dim});
  if (rng) {
    // PyTorch's default: kaiming_uniform(a=sqrt(5)) gives the same bound as the bias.
    float bound = 1.0f / std::sqrt(static_cast<float>(in_dim));
    rng->FillUniform(-bound, bound, &w);
    rng->FillUniform(-bound, bound, &b);
  }
  weight_ = RegisterParameter("weight", w);
  if (bias) bias_ = RegisterParameter("bias", b);
}

std::string Linear::Describe() const {
  std::ostringstream os;
  os << "in=" << in_dim_ << ", out=" << out_dim_ << ", bias=" << (bias_.Defined() ? "true" : "false");
  return os.str();
}

Var Linear::Forward(const Var &x) const { return Affine(x, weight_, bias_); }

}  // namespace voxtools

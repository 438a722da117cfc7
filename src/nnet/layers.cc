// src/nnet/layers.cc
#include "nnet/layers.h"

#include <cmath>
#include <sstream>

#include "nnet/ops/norm.h"

namespace voxtools {
namespace {

// PyTorch's default for convolutions: kaiming_uniform(a = sqrt(5)) on the weight and the
// bias both give U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
void InitUniform(RandomGenerator *rng, int64_t fan_in, Tensor *w, Tensor *b) {
  if (!rng) return;
  const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
  rng->FillUniform(-bound, bound, w);
  if (b) rng->FillUniform(-bound, bound, b);
}

}  // namespace

LayerNormLayer::LayerNormLayer(int64_t dim, float eps, bool affine) : dim_(dim), eps_(eps) {
  if (affine) {
    weight_ = RegisterParameter("weight", Tensor::Full({dim}, 1.0f));
    bias_ = RegisterParameter("bias", Tensor({dim}));
  }
}
std::string LayerNormLayer::Describe() const {
  std::ostringstream os;
  os << "dim=" << dim_ << ", eps=" << eps_;
  return os.str();
}
Var LayerNormLayer::Forward(const Var &x) const {
  if (x.Dim(-1) != dim_) VOX_ERR << "LayerNorm(" << dim_ << ") on input " << x.shape().ToString();
  return LayerNorm(x, weight_, bias_, eps_);
}

GroupNormLayer::GroupNormLayer(int64_t groups, int64_t channels, float eps, bool affine)
    : groups_(groups), channels_(channels), eps_(eps) {
  if (groups <= 0 || channels % groups != 0)
    VOX_ERR << "GroupNorm: " << groups << " groups for " << channels << " channels";
  if (affine) {
    weight_ = RegisterParameter("weight", Tensor::Full({channels}, 1.0f));
    bias_ = RegisterParameter("bias", Tensor({channels}));
  }
}
std::string GroupNormLayer::Describe() const {
  std::ostringstream os;
  os << "groups=" << groups_ << ", channels=" << channels_ << ", eps=" << eps_;
  return os.str();
}
Var GroupNormLayer::Forward(const Var &x) const { return GroupNorm(x, groups_, weight_, bias_, eps_); }

BatchNormLayer::BatchNormLayer(int64_t channels, float eps, float momentum, bool affine)
    : channels_(channels), eps_(eps), momentum_(momentum) {
  if (affine) {
    weight_ = RegisterParameter("weight", Tensor::Full({channels}, 1.0f));
    bias_ = RegisterParameter("bias", Tensor({channels}));
  }
  running_mean_ = RegisterBuffer("running_mean", Tensor({channels}));
  running_var_ = RegisterBuffer("running_var", Tensor::Full({channels}, 1.0f));
  num_batches_tracked_ = RegisterBuffer("num_batches_tracked", Tensor(Shape()));
}
std::string BatchNormLayer::Describe() const {
  std::ostringstream os;
  os << "channels=" << channels_ << ", eps=" << eps_ << ", momentum=" << momentum_;
  return os.str();
}
Var BatchNormLayer::Forward(const Var &x) {
  if (Training()) num_batches_tracked_.MutableValue().Data()[0] += 1.0f;
  return BatchNorm(x, weight_, bias_, &running_mean_, &running_var_, Training(), momentum_, eps_);
}

Conv1dLayer::Conv1dLayer(int64_t in_channels, int64_t out_channels, int64_t kernel,
                         const Conv1dOptions &opts, bool bias, int weight_norm_dim,
                         RandomGenerator *rng)
    : in_(in_channels), out_(out_channels), kernel_(kernel), opts_(opts),
      weight_norm_dim_(weight_norm_dim) {
  if (in_channels <= 0 || out_channels <= 0 || kernel <= 0 || opts.groups <= 0 ||
      in_channels % opts.groups != 0 || out_channels % opts.groups != 0)
    VOX_ERR << "Conv1d(" << in_channels << ", " << out_channels << ", kernel " << kernel
            << ", groups " << opts.groups << ")";
  Tensor w({out_channels, in_channels / opts.groups, kernel}), b({out_channels});
  InitUniform(rng, in_channels / opts.groups * kernel, &w, &b);
  if (weight_norm_dim >= 0) {
    if (weight_norm_dim > 2) VOX_ERR << "Conv1d weight norm dim " << weight_norm_dim;
    // weight_g starts at ||v|| so that the initial weight equals v (as weight_norm does).
    std::vector<int64_t> gd(3, 1);
    gd[weight_norm_dim] = w.Dim(weight_norm_dim);
    Tensor g = Tensor::Full(Shape(gd), 1.0f);
    if (rng) {
      int64_t outer = 1, inner = 1, n = w.Dim(weight_norm_dim);
      for (int i = 0; i < weight_norm_dim; i++) outer *= w.Dim(i);
      for (int i = weight_norm_dim + 1; i < 3; i++) inner *= w.Dim(i);
      for (int64_t k = 0; k < n; k++) {
        double s = 0;
        for (int64_t o = 0; o < outer; o++)
          for (int64_t i = 0; i < inner; i++) {
            double v = w.Data()[(o * n + k) * inner + i];
            s += v * v;
          }
        g.Data()[k] = static_cast<float>(std::sqrt(s));
      }
    }
    weight_g_ = RegisterParameter("weight_g", g);
    weight_v_ = RegisterParameter("weight_v", w);
  } else {
    weight_ = RegisterParameter("weight", w);
  }
  if (bias) bias_ = RegisterParameter("bias", b);
}
std::string Conv1dLayer::Describe() const {
  std::ostringstream os;
  os << "in=" << in_ << ", out=" << out_ << ", kernel=" << kernel_ << ", stride=" << opts_.stride
     << ", padding=" << opts_.padding << ", dilation=" << opts_.dilation
     << ", groups=" << opts_.groups;
  if (weight_norm_dim_ >= 0) os << ", weight_norm_dim=" << weight_norm_dim_;
  return os.str();
}
Var Conv1dLayer::Weight() const {
  return weight_norm_dim_ >= 0 ? WeightNorm(weight_v_, weight_g_, weight_norm_dim_) : weight_;
}
Var Conv1dLayer::Forward(const Var &x) const { return Conv1d(x, Weight(), bias_, opts_); }
Var Conv1dLayer::ForwardTimeFirst(const Var &x) const {
  return Conv1dTimeFirst(x, Weight(), bias_, opts_);
}

Conv2dLayer::Conv2dLayer(int64_t in_channels, int64_t out_channels, int64_t kernel,
                         const Conv2dOptions &opts, bool bias, RandomGenerator *rng)
    : in_(in_channels), out_(out_channels), kernel_(kernel), opts_(opts) {
  if (in_channels <= 0 || out_channels <= 0 || kernel <= 0 || opts.groups <= 0 ||
      in_channels % opts.groups != 0 || out_channels % opts.groups != 0)
    VOX_ERR << "Conv2d(" << in_channels << ", " << out_channels << ", kernel " << kernel
            << ", groups " << opts.groups << ")";
  Tensor w({out_channels, in_channels / opts.groups, kernel, kernel}), b({out_channels});
  InitUniform(rng, in_channels / opts.groups * kernel * kernel, &w, &b);
  weight_ = RegisterParameter("weight", w);
  if (bias) bias_ = RegisterParameter("bias", b);
}
std::string Conv2dLayer::Describe() const {
  std::ostringstream os;
  os << "in=" << in_ << ", out=" << out_ << ", kernel=" << kernel_ << ", stride=("
     << opts_.stride[0] << ", " << opts_.stride[1] << "), padding=(" << opts_.padding[0] << ", "
     << opts_.padding[1] << "), groups=" << opts_.groups;
  return os.str();
}
Var Conv2dLayer::Forward(const Var &x) const { return Conv2d(x, weight_, bias_, opts_); }

}  // namespace voxtools

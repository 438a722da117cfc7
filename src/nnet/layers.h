// src/nnet/layers.h
// The standard layers as Modules, with PyTorch's parameter names so checkpoints map one to one
// (nn.LayerNorm, nn.GroupNorm, nn.BatchNorm1d/2d, nn.Conv1d/2d, weight-normalised Conv1d).
// Each wraps one op from nnet/ops/; construction takes the hyper-parameters, and an optional
// RandomGenerator draws PyTorch's default initialisation (without one, weights are zero, to be
// loaded from a model file). Linear is in linear.h.
#ifndef VOXTOOLS_NNET_LAYERS_H_
#define VOXTOOLS_NNET_LAYERS_H_

#include <cstdint>
#include <string>

#include "nnet/module.h"
#include "nnet/ops/conv.h"
#include "nnet/random.h"

namespace voxtools {

// Over the last dimension; parameters "weight" (1s), "bias" (0s) when affine.
class LayerNormLayer : public Module {
 public:
  explicit LayerNormLayer(int64_t dim, float eps = 1e-5f, bool affine = true);
  std::string TypeName() const override { return "LayerNorm"; }
  std::string Describe() const override;
  Var Forward(const Var &x) const;  // (..., dim) -> same

 private:
  int64_t dim_;
  float eps_;
  Var weight_, bias_;
};

// x (N, C, ...); "weight", "bias" (C) when affine.
class GroupNormLayer : public Module {
 public:
  GroupNormLayer(int64_t groups, int64_t channels, float eps = 1e-5f, bool affine = true);
  std::string TypeName() const override { return "GroupNorm"; }
  std::string Describe() const override;
  Var Forward(const Var &x) const;

 private:
  int64_t groups_, channels_;
  float eps_;
  Var weight_, bias_;
};

// x (N, C) / (N, C, L) / (N, C, H, W). Parameters "weight", "bias"; buffers "running_mean",
// "running_var", "num_batches_tracked" (as PyTorch's state dict). Training() uses batch
// statistics and updates the buffers; Eval uses the running ones.
class BatchNormLayer : public Module {
 public:
  explicit BatchNormLayer(int64_t channels, float eps = 1e-5f, float momentum = 0.1f,
                          bool affine = true);
  std::string TypeName() const override { return "BatchNorm"; }
  std::string Describe() const override;
  Var Forward(const Var &x);

 private:
  int64_t channels_;
  float eps_, momentum_;
  Var weight_, bias_, running_mean_, running_var_, num_batches_tracked_;
};

// x (N, Cin, L) -> (N, Cout, Lout). Parameters "weight" (Cout, Cin/groups, K), "bias" (Cout).
// With weight_norm_dim >= 0 the weight is weight_g * weight_v / ||weight_v|| (parameters
// "weight_g", "weight_v", as torch.nn.utils.weight_norm; WavLM's positional conv uses dim 2).
class Conv1dLayer : public Module {
 public:
  Conv1dLayer(int64_t in_channels, int64_t out_channels, int64_t kernel,
              const Conv1dOptions &opts = {}, bool bias = true, int weight_norm_dim = -1,
              RandomGenerator *rng = nullptr);
  std::string TypeName() const override { return "Conv1d"; }
  std::string Describe() const override;
  Var Forward(const Var &x) const;
  // The same on time-first tensors: x (N, L, Cin) -> (N, Lout, Cout) (Conv1dTimeFirst).
  Var ForwardTimeFirst(const Var &x) const;
  // The effective weight (weight-normalised if so configured).
  Var Weight() const;

 private:
  int64_t in_, out_, kernel_;
  Conv1dOptions opts_;
  int weight_norm_dim_;
  Var weight_, weight_g_, weight_v_, bias_;
};

// x (N, Cin, H, W). Parameters "weight" (Cout, Cin/groups, K, K), "bias".
class Conv2dLayer : public Module {
 public:
  Conv2dLayer(int64_t in_channels, int64_t out_channels, int64_t kernel,
              const Conv2dOptions &opts = {}, bool bias = true, RandomGenerator *rng = nullptr);
  std::string TypeName() const override { return "Conv2d"; }
  std::string Describe() const override;
  Var Forward(const Var &x) const;

 private:
  int64_t in_, out_, kernel_;
  Conv2dOptions opts_;
  Var weight_, bias_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_LAYERS_H_

// src/nnet/ops/grad-scale.cc
#include "nnet/ops/grad-scale.h"

#include <cmath>

#include "base/log.h"

namespace voxtools {
namespace {

// Keeps nothing but the scale: backward needs neither the input nor the output.
class GradMultiplyNode : public Node {
 public:
  GradMultiplyNode(const Var &x, float scale) : Node({x}), scale_(scale) {}
  const char *Name() const override { return "GradMultiply"; }
  void Backward(const Tensor &gy) override {
    if (!NeedsGrad(0)) return;
    Tensor gx = Tensor::Empty(gy.shape());
    const float *g = gy.Data();
    float *out = gx.Data();
    const int64_t n = gy.NumElements();
    for (int64_t i = 0; i < n; i++) out[i] = g[i] * scale_;
    inputs_[0].AccumulateGrad(gx);
  }

 private:
  float scale_;
};

}  // namespace

Var GradMultiply(const Var &x, float scale) {
  if (!std::isfinite(scale)) VOX_ERR << "GradMultiply: scale must be finite, got " << scale;
  if (!ShouldRecord({&x})) return x;
  // The output shares x's storage; no op writes into its input, so this is safe.
  return Record(x.value(), std::make_shared<GradMultiplyNode>(x, scale));
}

}  // namespace voxtools

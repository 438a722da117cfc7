// src/nnet/ops/fused.cc
#include "nnet/ops/fused.h"

#include <cmath>

#include "matrix/cpu-math.h"
#include "nnet/ops/kernels.h"
#include "nnet/ops/matmul.h"

namespace voxtools {
namespace {

constexpr float kInvSqrt2Pi = 0.39894228040143268f;

// Backward: dh = dy GELU'(h), then Affine's backward through a Node recorded on h.
class GeluOnNode : public Node {
 public:
  GeluOnNode(const Var &h) : Node({h}) {}
  const char *Name() const override { return "AffineGelu"; }
  void Backward(const Tensor &gy) override {
    const Tensor &h = inputs_[0].value();
    Tensor gh = Tensor::Empty(h.shape());
    kernels::Map2(h.Data(), gy.Data(), gh.Data(), h.NumElements(), [](float v, float g) {
      float gauss;
      const float cdf = GeluCdf(v, &gauss);
      return g * (cdf + v * kInvSqrt2Pi * gauss);
    });
    inputs_[0].AccumulateGrad(gh);
  }
};

}  // namespace

Var AffineGelu(const Var &x, const Var &weight, const Var &bias) {
  auto gelu = [](float v) {
    float gauss;
    return v * GeluCdf(v, &gauss);
  };
  if (!ShouldRecord({&x, &weight, &bias})) {
    Var h = Affine(x, weight, bias);
    Tensor y = h.value();  // sole owner: overwrite in place
    kernels::Map(y.Data(), y.Data(), y.NumElements(), gelu);
    return Var(y);
  }
  Var h = Affine(x, weight, bias);
  Tensor y = Tensor::Empty(h.shape());
  kernels::Map(h.value().Data(), y.Data(), y.NumElements(), gelu);
  return Record(y, std::make_shared<GeluOnNode>(h));
}

}  // namespace voxtools

// src/nnet/ops/elementwise.cc
// Forward and backward of element-wise ops. Unary ops share UnaryNode, which keeps the input
// and/or the output only when its derivative formula reads them.
#include "nnet/ops/elementwise.h"

#include <cmath>

#include "matrix/cpu-math.h"
#include "nnet/ops/kernels.h"

namespace voxtools {
namespace {

using kernels::Broadcast;
using kernels::BroadcastMap;
using kernels::Map;
using kernels::SumToShape;

enum class BinaryKind { kAdd, kSub, kMul, kDiv };
const char *const kBinaryName[] = {"Add", "Sub", "Mul", "Div"};

Tensor BinaryForward(BinaryKind kind, const Tensor &a, const Tensor &b) {
  Broadcast bc(a.shape(), b.shape(), kBinaryName[static_cast<int>(kind)]);
  Tensor y = Tensor::Empty(bc.out);
  switch (kind) {
    case BinaryKind::kAdd:
      BroadcastMap(bc, a.Data(), b.Data(), y.Data(), [](float u, float v) { return u + v; });
      break;
    case BinaryKind::kSub:
      BroadcastMap(bc, a.Data(), b.Data(), y.Data(), [](float u, float v) { return u - v; });
      break;
    case BinaryKind::kMul:
      BroadcastMap(bc, a.Data(), b.Data(), y.Data(), [](float u, float v) { return u * v; });
      break;
    case BinaryKind::kDiv:
      BroadcastMap(bc, a.Data(), b.Data(), y.Data(), [](float u, float v) { return u / v; });
      break;
  }
  return y;
}

// gy (out's shape) combined element-wise with t (broadcast), then summed down to `to`.
template <class F>
Tensor ReduceCombined(const Tensor &gy, const Tensor &t, const Shape &to, F f) {
  Broadcast bc(gy.shape(), t.shape(), "backward");
  Tensor prod = Tensor::Empty(gy.shape());
  BroadcastMap(bc, gy.Data(), t.Data(), prod.Data(), f);
  return SumToShape(prod, to);
}

class BinaryNode : public Node {
 public:
  BinaryNode(BinaryKind kind, const Var &a, const Var &b) : Node({a, b}), kind_(kind) {}
  const char *Name() const override { return kBinaryName[static_cast<int>(kind_)]; }
  void Backward(const Tensor &gy) override {
    const Tensor &a = inputs_[0].value(), &b = inputs_[1].value();
    switch (kind_) {
      case BinaryKind::kAdd:
      case BinaryKind::kSub:
        if (NeedsGrad(0)) inputs_[0].AccumulateGrad(SumToShape(gy, a.shape()));
        if (NeedsGrad(1)) {
          Tensor g = SumToShape(gy, b.shape());
          if (kind_ == BinaryKind::kSub) {
            g = g.SharesDataWith(gy) ? g.Clone() : g;
            for (int64_t i = 0; i < g.NumElements(); i++) g.Data()[i] = -g.Data()[i];
          }
          inputs_[1].AccumulateGrad(g);
        }
        break;
      case BinaryKind::kMul:
        if (NeedsGrad(0))
          inputs_[0].AccumulateGrad(
              ReduceCombined(gy, b, a.shape(), [](float g, float v) { return g * v; }));
        if (NeedsGrad(1))
          inputs_[1].AccumulateGrad(
              ReduceCombined(gy, a, b.shape(), [](float g, float u) { return g * u; }));
        break;
      case BinaryKind::kDiv:
        if (NeedsGrad(0))
          inputs_[0].AccumulateGrad(
              ReduceCombined(gy, b, a.shape(), [](float g, float v) { return g / v; }));
        if (NeedsGrad(1)) {
          // d(a/b)/db = -a / b^2, formed as (-(g * a)) / b / b over the full shape.
          Tensor ga = ReduceCombined(gy, a, gy.shape(), [](float g, float u) { return -g * u; });
          Tensor gb = ReduceCombined(ga, b, gy.shape(), [](float g, float v) { return g / v; });
          inputs_[1].AccumulateGrad(
              ReduceCombined(gb, b, b.shape(), [](float g, float v) { return g / v; }));
        }
        break;
    }
  }

 private:
  BinaryKind kind_;
};

Var Binary(BinaryKind kind, const Var &a, const Var &b) {
  Tensor y = BinaryForward(kind, a.value(), b.value());
  if (!ShouldRecord({&a, &b})) return Var(y);
  return Record(y, std::make_shared<BinaryNode>(kind, a, b));
}

// Backward formula d(x, y, gy) -> gx; save_x/save_y say what it reads.
template <class D>
class UnaryNode : public Node {
 public:
  UnaryNode(const char *name, const Var &x, Tensor y, D d) : Node({x}), name_(name), y_(y), d_(d) {}
  const char *Name() const override { return name_; }
  void Backward(const Tensor &gy) override {
    const Tensor &x = inputs_[0].value();
    Tensor gx = Tensor::Empty(x.shape());
    const float *px = x.Data(), *py = y_.Defined() ? y_.Data() : x.Data(), *pg = gy.Data();
    float *po = gx.Data();
    D d = d_;
    ParallelFor(gx.NumElements(), kernels::kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; i++) po[i] = d(px[i], py[i], pg[i]);
    });
    inputs_[0].AccumulateGrad(gx);
  }
  void Release() override {
    Node::Release();
    y_ = Tensor();
  }

 private:
  const char *name_;
  Tensor y_;  // the output, kept only when the formula reads it
  D d_;
};

template <class F, class D>
Var Unary(const char *name, const Var &x, bool save_y, F f, D d) {
  Tensor y = Tensor::Empty(x.shape());
  Map(x.value().Data(), y.Data(), y.NumElements(), f);
  if (!ShouldRecord({&x})) return Var(y);
  return Record(y, std::make_shared<UnaryNode<D>>(name, x, save_y ? y : Tensor(), d));
}

}  // namespace

Var Add(const Var &a, const Var &b) { return Binary(BinaryKind::kAdd, a, b); }
Var Sub(const Var &a, const Var &b) { return Binary(BinaryKind::kSub, a, b); }
Var Mul(const Var &a, const Var &b) { return Binary(BinaryKind::kMul, a, b); }
Var Div(const Var &a, const Var &b) { return Binary(BinaryKind::kDiv, a, b); }

Var AddScalar(const Var &x, float s) {
  return Unary("AddScalar", x, false, [s](float v) { return v + s; },
               [](float, float, float g) { return g; });
}
Var MulScalar(const Var &x, float s) {
  return Unary("MulScalar", x, false, [s](float v) { return v * s; },
               [s](float, float, float g) { return g * s; });
}
Var Neg(const Var &x) {
  return Unary("Neg", x, false, [](float v) { return -v; },
               [](float, float, float g) { return -g; });
}
Var Exp(const Var &x) {
  return Unary("Exp", x, true, [](float v) { return FastExp(v); },
               [](float, float y, float g) { return g * y; });
}
Var Log(const Var &x) {
  return Unary("Log", x, false, [](float v) { return std::log(v); },
               [](float v, float, float g) { return g / v; });
}
Var Sqrt(const Var &x) {
  return Unary("Sqrt", x, true, [](float v) { return std::sqrt(v); },
               [](float, float y, float g) { return g / (2.0f * y); });
}
Var Square(const Var &x) {
  return Unary("Square", x, false, [](float v) { return v * v; },
               [](float v, float, float g) { return 2.0f * v * g; });
}
Var Abs(const Var &x) {
  return Unary("Abs", x, false, [](float v) { return std::fabs(v); },
               [](float v, float, float g) { return v > 0 ? g : (v < 0 ? -g : 0.0f); });
}
Var Pow(const Var &x, float e) {
  return Unary("Pow", x, false, [e](float v) { return std::pow(v, e); },
               [e](float v, float, float g) { return g * e * std::pow(v, e - 1.0f); });
}
Var ClampMin(const Var &x, float lo) {
  return Unary("ClampMin", x, false, [lo](float v) { return v < lo ? lo : v; },
               [lo](float v, float, float g) { return v >= lo ? g : 0.0f; });
}

Var Relu(const Var &x) {
  return Unary("Relu", x, false, [](float v) { return v > 0 ? v : 0.0f; },
               [](float v, float, float g) { return v > 0 ? g : 0.0f; });
}
Var LeakyRelu(const Var &x, float slope) {
  return Unary("LeakyRelu", x, false, [slope](float v) { return v > 0 ? v : slope * v; },
               [slope](float v, float, float g) { return v > 0 ? g : slope * g; });
}
Var Gelu(const Var &x) {
  constexpr float kInvSqrt2Pi = 0.39894228040143268f;
  return Unary("Gelu", x, false,
               [](float v) {
                 float gauss;
                 return v * GeluCdf(v, &gauss);
               },
               [](float v, float, float g) {
                 float gauss;
                 const float cdf = GeluCdf(v, &gauss);
                 return g * (cdf + v * kInvSqrt2Pi * gauss);
               });
}
Var Sigmoid(const Var &x) {
  return Unary("Sigmoid", x, true, [](float v) { return 1.0f / (1.0f + FastExp(-v)); },
               [](float, float y, float g) { return g * y * (1.0f - y); });
}
Var Tanh(const Var &x) {
  return Unary("Tanh", x, true, [](float v) { return std::tanh(v); },
               [](float, float y, float g) { return g * (1.0f - y * y); });
}

}  // namespace voxtools

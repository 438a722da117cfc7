// src/nnet/ops/elementwise.h
// Element-wise arithmetic with NumPy/PyTorch broadcasting (shapes aligned on the right; a
// dimension of 1 stretches), unary maps, and the activations.
#ifndef VOXTOOLS_NNET_OPS_ELEMENTWISE_H_
#define VOXTOOLS_NNET_OPS_ELEMENTWISE_H_

#include "nnet/autograd.h"

namespace voxtools {

// y = a + b, a - b, a * b, a / b, broadcast; the gradient of a broadcast input is summed
// over the dimensions it was stretched along.
Var Add(const Var &a, const Var &b);
Var Sub(const Var &a, const Var &b);
Var Mul(const Var &a, const Var &b);
Var Div(const Var &a, const Var &b);

Var AddScalar(const Var &x, float s);  // x + s
Var MulScalar(const Var &x, float s);  // x * s
Var Neg(const Var &x);
Var Exp(const Var &x);
Var Log(const Var &x);
Var Sqrt(const Var &x);
Var Square(const Var &x);
Var Abs(const Var &x);              // gradient 0 at x == 0, as PyTorch
Var Pow(const Var &x, float e);     // x^e
Var ClampMin(const Var &x, float lo);  // max(x, lo); gradient passes where x >= lo

// Activations.
Var Relu(const Var &x);                    // max(x, 0); gradient 0 at 0
Var LeakyRelu(const Var &x, float slope);  // x > 0 ? x : slope x
Var Gelu(const Var &x);                    // exact: x/2 (1 + erf(x / sqrt 2)) (PyTorch's default)
Var Sigmoid(const Var &x);                 // 1 / (1 + exp(-x))
Var Tanh(const Var &x);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPS_ELEMENTWISE_H_

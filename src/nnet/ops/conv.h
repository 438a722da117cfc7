// src/nnet/ops/conv.h
// Convolutions (cross-correlation, as PyTorch) and pooling. Conv1d is Conv2d with height 1:
// one implementation, im2col + GEMM per sample and group. Conv1dTimeFirst takes (N, L, C).
#ifndef VOXTOOLS_NNET_OPS_CONV_H_
#define VOXTOOLS_NNET_OPS_CONV_H_

#include <cstdint>

#include "nnet/autograd.h"

namespace voxtools {

struct Conv1dOptions {
  int64_t stride = 1, padding = 0, dilation = 1, groups = 1;
};
struct Conv2dOptions {
  int64_t stride[2] = {1, 1}, padding[2] = {0, 0}, dilation[2] = {1, 1};
  int64_t groups = 1;
};

// x (N, Cin, L), weight (Cout, Cin / groups, K), bias (Cout) or undefined ->
// y (N, Cout, Lout), Lout = (L + 2 padding - dilation (K - 1) - 1) / stride + 1 (zero padding).
Var Conv1d(const Var &x, const Var &weight, const Var &bias, const Conv1dOptions &opts = {});
// The same convolution on time-first tensors: x (N, L, Cin) -> y (N, Lout, Cout), weight and
// bias as above (PyTorch's layout). y equals Conv1d(x^T)^T (float rounding aside) without the
// transposes, and faster for wide layers: no patch matrix (conv-time-first.cc).
Var Conv1dTimeFirst(const Var &x, const Var &weight, const Var &bias,
                    const Conv1dOptions &opts = {});
// x (N, Cin, H, W), weight (Cout, Cin / groups, KH, KW) -> (N, Cout, Hout, Wout).
Var Conv2d(const Var &x, const Var &weight, const Var &bias, const Conv2dOptions &opts = {});

// Pooling over the last one (x (N, C, L)) or two (x (N, C, H, W)) dimensions. Max pooling
// pads with -inf; average pooling counts the zero padding (PyTorch's count_include_pad).
// The gradient of max goes to the first maximal element of each window.
Var MaxPool1d(const Var &x, int64_t kernel, int64_t stride, int64_t padding = 0);
Var AvgPool1d(const Var &x, int64_t kernel, int64_t stride, int64_t padding = 0);
Var MaxPool2d(const Var &x, int64_t kernel, int64_t stride, int64_t padding = 0);
Var AvgPool2d(const Var &x, int64_t kernel, int64_t stride, int64_t padding = 0);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPS_CONV_H_

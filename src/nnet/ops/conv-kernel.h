// src/nnet/ops/conv-kernel.h
// The convolution's inner loops (internal to nnet/ops, used by conv.cc): the geometry, the
// patch gatherer (im2col) and the forward kernel.
//
// Forward: y[o, q] = b[o] + sum_r w[o, r] patch[r, q] for each sample and group, where
// r = (input channel, kernel row, kernel column) and q = (output row, output column). The
// forward does not build the whole patch matrix and hand it to OpenBLAS: it gathers the
// patches of 256 output columns at a time into a buffer that stays in the core's cache and
// multiplies them with a register-blocked kernel (a tile of 12 output channels x 32 columns
// on AVX-512) against weights packed once per call, the way oneDNN computes convolutions.
// On wav2vec2's conv encoder (2 cores, AVX-512) this ran ~1.3x faster than im2col + OpenBLAS
// (tests/bench/README.md), whose full patch matrix (39 MB for one layer on 4 x 1 s) makes a
// round trip through memory and whose threads hand over at every GEMM.
#ifndef VOXTOOLS_NNET_OPS_CONV_KERNEL_H_
#define VOXTOOLS_NNET_OPS_CONV_KERNEL_H_

#include <cstdint>

namespace voxtools {
namespace kernels {

// x (n, cin, h, w) * weight (cout, cin / groups, kh, kw) -> (n, cout, hout, wout); Conv1d is
// h = kh = hout = 1.
struct ConvGeom {
  int64_t n, cin, h, w, cout, kh, kw, hout, wout, groups;
  int64_t stride[2], pad[2], dil[2];
  int64_t CinG() const { return cin / groups; }
  int64_t CoutG() const { return cout / groups; }
  int64_t ColRows() const { return CinG() * kh * kw; }  // patch length
  int64_t ColCols() const { return hout * wout; }        // output positions per sample
};

// col[(c, i, j), q - q0] = x[c, oh s0 - p0 + i d0, ow s1 - p1 + j d1] (0 outside the input)
// for input channels c in [c0, c1) of x (one sample and group, (cin / groups, h, w)) and
// output positions q = oh wout + ow in [q0, q1); rows of col are `ld` apart. Serial.
void Im2ColRange(const ConvGeom &g, const float *x, int64_t c0, int64_t c1, int64_t q0,
                 int64_t q1, float *col, int64_t ld);

// y (n, cout, hout, wout) = conv(x, weight) + bias (bias may be null), every sample and group,
// on GetNumThreads() threads.
void ConvForward(const ConvGeom &g, const float *x, const float *weight, const float *bias,
                 float *y);

}  // namespace kernels
}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPS_CONV_KERNEL_H_

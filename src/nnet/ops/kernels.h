// src/nnet/ops/kernels.h
// Loop helpers the op files share (internal to nnet/ops; not an API for models):
// broadcasting, the (outer, n, inner) view of a reduction axis, and parallel maps.
#ifndef VOXTOOLS_NNET_OPS_KERNELS_H_
#define VOXTOOLS_NNET_OPS_KERNELS_H_

#include <array>
#include <cstdint>

#include "matrix/tensor.h"
#include "matrix/thread-pool.h"

namespace voxtools {
namespace kernels {

// Elements per ParallelFor chunk for cheap element-wise work: below this, waking a thread
// costs more than it saves.
constexpr int64_t kGrain = 32768;

// NumPy broadcasting of two shapes, padded on the left to 4 dims. Throws Error naming both
// shapes when a dimension differs and neither is 1.
struct Broadcast {
  Broadcast(const Shape &a, const Shape &b, const char *op);
  Shape out;                                     // the result's shape (rank = max rank)
  std::array<int64_t, 4> dims{};                 // out, padded to 4
  std::array<int64_t, 4> stride_a{}, stride_b{};  // element steps; 0 where broadcast
  bool same = false;                             // a and b have out's shape
};

// Sum of g (shape `from`) down to `to`, the shape of an input that was broadcast into from.
Tensor SumToShape(const Tensor &g, const Shape &to);

// Dimension `axis` of `shape` as (outer, n, inner): element (o, i, j) is at (o * n + i) * inner + j.
void AxisView(const Shape &shape, int axis, int64_t *outer, int64_t *n, int64_t *inner);

// Shape with dimension `axis` removed (keepdim false) or set to 1 (keepdim true).
Shape ReducedShape(const Shape &shape, int axis, bool keepdim);

// y[i] = f(x[i]) for all i, in parallel chunks.
template <class F>
void Map(const float *x, float *y, int64_t n, F f) {
  ParallelFor(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) y[i] = f(x[i]);
  });
}

// y[i] = f(a[i], b[i]).
template <class F>
void Map2(const float *a, const float *b, float *y, int64_t n, F f) {
  ParallelFor(n, kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; i++) y[i] = f(a[i], b[i]);
  });
}

// out = f(a, b) with broadcasting described by bc (out must have bc.out's shape).
template <class F>
void BroadcastMap(const Broadcast &bc, const float *a, const float *b, float *out, F f) {
  const int64_t n3 = bc.dims[3];
  if (bc.same) {
    Map2(a, b, out, bc.out.NumElements(), f);
    return;
  }
  const int64_t rows = bc.dims[0] * bc.dims[1] * bc.dims[2];
  ParallelFor(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(n3, 1)),
              [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t i2 = r % bc.dims[2], i1 = (r / bc.dims[2]) % bc.dims[1],
                    i0 = r / (bc.dims[2] * bc.dims[1]);
      const float *pa = a + i0 * bc.stride_a[0] + i1 * bc.stride_a[1] + i2 * bc.stride_a[2];
      const float *pb = b + i0 * bc.stride_b[0] + i1 * bc.stride_b[1] + i2 * bc.stride_b[2];
      float *po = out + r * n3;
      const int64_t sa = bc.stride_a[3], sb = bc.stride_b[3];
      // The three inner-loop forms get their own loops so that each vectorises.
      if (sa == 1 && sb == 1) {
        for (int64_t j = 0; j < n3; j++) po[j] = f(pa[j], pb[j]);
      } else if (sa == 1) {
        const float vb = pb[0];
        for (int64_t j = 0; j < n3; j++) po[j] = f(pa[j], vb);
      } else if (sb == 1) {
        const float va = pa[0];
        for (int64_t j = 0; j < n3; j++) po[j] = f(va, pb[j]);
      } else {
        const float v = f(pa[0], pb[0]);
        for (int64_t j = 0; j < n3; j++) po[j] = v;
      }
    }
  });
}

}  // namespace kernels
}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPS_KERNELS_H_

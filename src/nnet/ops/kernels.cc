// src/nnet/ops/kernels.cc
#include "nnet/ops/kernels.h"

#include <algorithm>
#include <vector>

namespace voxtools {
namespace kernels {

Broadcast::Broadcast(const Shape &a, const Shape &b, const char *op) {
  const int rank = std::max(a.Rank(), b.Rank());
  std::vector<int64_t> out_dims(rank);
  std::array<int64_t, 4> da{1, 1, 1, 1}, db{1, 1, 1, 1};
  for (int i = 0; i < a.Rank(); i++) da[4 - a.Rank() + i] = a.Dim(i);
  for (int i = 0; i < b.Rank(); i++) db[4 - b.Rank() + i] = b.Dim(i);
  for (int i = 0; i < 4; i++) {
    if (da[i] != db[i] && da[i] != 1 && db[i] != 1)
      VOX_ERR << op << ": shapes " << a.ToString() << " and " << b.ToString()
              << " do not broadcast";
    dims[i] = da[i] == 1 ? db[i] : da[i];
  }
  for (int i = 0; i < rank; i++) out_dims[i] = dims[4 - rank + i];
  out = Shape(out_dims);
  int64_t sa = 1, sb = 1;
  for (int i = 3; i >= 0; i--) {
    stride_a[i] = da[i] == 1 ? 0 : sa;
    stride_b[i] = db[i] == 1 ? 0 : sb;
    sa *= da[i];
    sb *= db[i];
  }
  same = a == out && b == out;
}

Tensor SumToShape(const Tensor &g, const Shape &to) {
  if (g.shape() == to) return g;
  Broadcast bc(to, g.shape(), "SumToShape");
  if (bc.out != g.shape()) VOX_ERR << "SumToShape: " << to.ToString() << " does not broadcast to "
                                   << g.shape().ToString();
  std::vector<double> acc(to.NumElements(), 0.0);
  const float *pg = g.Data();
  int64_t idx = 0;
  for (int64_t i0 = 0; i0 < bc.dims[0]; i0++)
    for (int64_t i1 = 0; i1 < bc.dims[1]; i1++)
      for (int64_t i2 = 0; i2 < bc.dims[2]; i2++) {
        const int64_t base = i0 * bc.stride_a[0] + i1 * bc.stride_a[1] + i2 * bc.stride_a[2];
        const int64_t s3 = bc.stride_a[3];
        for (int64_t i3 = 0; i3 < bc.dims[3]; i3++) acc[base + i3 * s3] += pg[idx++];
      }
  Tensor out = Tensor::Empty(to);
  for (int64_t i = 0; i < out.NumElements(); i++) out.Data()[i] = static_cast<float>(acc[i]);
  return out;
}

void AxisView(const Shape &shape, int axis, int64_t *outer, int64_t *n, int64_t *inner) {
  const int a = shape.Axis(axis);
  *outer = 1;
  *inner = 1;
  for (int i = 0; i < a; i++) *outer *= shape.Dim(i);
  for (int i = a + 1; i < shape.Rank(); i++) *inner *= shape.Dim(i);
  *n = shape.Dim(a);
}

Shape ReducedShape(const Shape &shape, int axis, bool keepdim) {
  const int a = shape.Axis(axis);
  std::vector<int64_t> dims = shape.ToVector();
  if (keepdim)
    dims[a] = 1;
  else
    dims.erase(dims.begin() + a);
  return Shape(dims);
}

}  // namespace kernels
}  // namespace voxtools

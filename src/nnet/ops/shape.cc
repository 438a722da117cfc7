// src/nnet/ops/shape.cc
// Shape operations on a 4-d strided copy: every one of them moves a box of elements between
// two layouts (StridedCopy), and its backward moves the gradient back the other way.
#include "nnet/ops/shape.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>

#include "nnet/ops/kernels.h"

namespace voxtools {
namespace {

using Dims4 = std::array<int64_t, 4>;

// dst[i0..i3 * dst_stride] (+)= src[i0..i3 * src_stride] over the box `dims`.
void StridedCopy(const float *src, const Dims4 &src_stride, float *dst, const Dims4 &dst_stride,
                 const Dims4 &dims, bool add) {
  const int64_t rows = dims[0] * dims[1] * dims[2];
  ParallelFor(rows, std::max<int64_t>(1, kernels::kGrain / std::max<int64_t>(dims[3], 1)),
              [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t i2 = r % dims[2], i1 = (r / dims[2]) % dims[1], i0 = r / (dims[2] * dims[1]);
      const float *s = src + i0 * src_stride[0] + i1 * src_stride[1] + i2 * src_stride[2];
      float *d = dst + i0 * dst_stride[0] + i1 * dst_stride[1] + i2 * dst_stride[2];
      const int64_t ss = src_stride[3], ds = dst_stride[3];
      if (add) {
        for (int64_t j = 0; j < dims[3]; j++) d[j * ds] += s[j * ss];
      } else if (ss == 1 && ds == 1) {
        std::memcpy(d, s, dims[3] * sizeof(float));
      } else {
        for (int64_t j = 0; j < dims[3]; j++) d[j * ds] = s[j * ss];
      }
    }
  });
}

// Dims and contiguous strides of a shape, padded on the left to 4.
void Padded(const Shape &s, Dims4 *dims, Dims4 *strides) {
  *dims = {1, 1, 1, 1};
  const int off = 4 - s.Rank();
  for (int i = 0; i < s.Rank(); i++) (*dims)[off + i] = s.Dim(i);
  int64_t st = 1;
  for (int i = 3; i >= 0; i--) {
    (*strides)[i] = st;
    st *= (*dims)[i];
  }
}

// A box of x (offset `begin` per dim, size `box`) corresponds to a box of y at `ybegin`.
// Forward copies x's box into y; backward copies gy's box back into gx.
struct BoxMap {
  Shape x_shape, y_shape;
  Dims4 xbegin{}, ybegin{}, box{};
  float fill = 0.0f;
};

void CopyBox(const BoxMap &m, const Tensor &from, bool from_is_x, Tensor *to) {
  Dims4 xd, xs, yd, ys;
  Padded(m.x_shape, &xd, &xs);
  Padded(m.y_shape, &yd, &ys);
  int64_t xoff = 0, yoff = 0;
  for (int i = 0; i < 4; i++) xoff += m.xbegin[i] * xs[i], yoff += m.ybegin[i] * ys[i];
  for (int i = 0; i < 4; i++)
    if (m.box[i] == 0) return;
  if (from_is_x)
    StridedCopy(from.Data() + xoff, xs, to->Data() + yoff, ys, m.box, false);
  else
    StridedCopy(from.Data() + yoff, ys, to->Data() + xoff, xs, m.box, false);
}

class BoxNode : public Node {
 public:
  BoxNode(const char *name, const Var &x, BoxMap m) : Node({x}), name_(name), m_(m) {}
  const char *Name() const override { return name_; }
  void Backward(const Tensor &gy) override {
    Tensor gx(m_.x_shape);
    CopyBox(m_, gy, false, &gx);
    inputs_[0].AccumulateGrad(gx);
  }

 private:
  const char *name_;
  BoxMap m_;
};

Var ApplyBox(const char *name, const Var &x, const BoxMap &m) {
  Tensor y = Tensor::Empty(m.y_shape);
  int64_t box = 1;
  for (int i = 0; i < 4; i++) box *= m.box[i];
  if (box != y.NumElements()) y.Fill(m.fill);
  CopyBox(m, x.value(), true, &y);
  if (!ShouldRecord({&x})) return Var(y);
  return Record(y, std::make_shared<BoxNode>(name, x, m));
}

class ReshapeNode : public Node {
 public:
  explicit ReshapeNode(const Var &x) : Node({x}) {}
  const char *Name() const override { return "Reshape"; }
  void Backward(const Tensor &gy) override {
    inputs_[0].AccumulateGrad(gy.ReshapeTo(inputs_[0].shape()));
  }
};

Tensor PermuteTensor(const Tensor &x, const std::vector<int> &perm) {
  const int r = x.Rank();
  std::vector<int64_t> ydims(r);
  for (int i = 0; i < r; i++) ydims[i] = x.Dim(perm[i]);
  Tensor y = Tensor::Empty(Shape(ydims));
  Dims4 dims{1, 1, 1, 1}, src_stride{0, 0, 0, 0}, dst_stride, unused;
  Padded(y.shape(), &unused, &dst_stride);
  for (int i = 0; i < r; i++) {
    dims[4 - r + i] = ydims[i];
    src_stride[4 - r + i] = x.Stride(perm[i]);
  }
  StridedCopy(x.Data(), src_stride, y.Data(), dst_stride, dims, false);
  return y;
}

class PermuteNode : public Node {
 public:
  PermuteNode(const Var &x, std::vector<int> perm) : Node({x}), perm_(std::move(perm)) {}
  const char *Name() const override { return "Permute"; }
  void Backward(const Tensor &gy) override {
    std::vector<int> inv(perm_.size());
    for (size_t i = 0; i < perm_.size(); i++) inv[perm_[i]] = static_cast<int>(i);
    inputs_[0].AccumulateGrad(PermuteTensor(gy, inv));
  }

 private:
  std::vector<int> perm_;
};

class ConcatNode : public Node {
 public:
  ConcatNode(const std::vector<Var> &xs, int axis) : Node(xs), axis_(axis) {}
  const char *Name() const override { return "Concat"; }
  void Backward(const Tensor &gy) override {
    int64_t begin = 0;
    for (size_t k = 0; k < inputs_.size(); k++) {
      const int64_t len = inputs_[k].Dim(axis_);
      if (NeedsGrad(k)) {
        Tensor g = Tensor::Empty(inputs_[k].shape());
        BoxMap m;
        m.x_shape = gy.shape();
        m.y_shape = g.shape();
        Padded(g.shape(), &m.box, &m.xbegin);
        m.xbegin = {0, 0, 0, 0};
        m.xbegin[4 - gy.Rank() + axis_] = begin;
        CopyBox(m, gy, true, &g);
        inputs_[k].AccumulateGrad(g);
      }
      begin += len;
    }
  }

 private:
  int axis_;
};

class IndexSelectNode : public Node {
 public:
  IndexSelectNode(const Var &x, int axis, std::vector<int64_t> index)
      : Node({x}), axis_(axis), index_(std::move(index)) {}
  const char *Name() const override { return "IndexSelect"; }
  void Backward(const Tensor &gy) override {
    const Tensor &x = inputs_[0].value();
    int64_t outer, n, inner;
    kernels::AxisView(x.shape(), axis_, &outer, &n, &inner);
    Tensor gx(x.shape());
    const int64_t m = static_cast<int64_t>(index_.size());
    for (int64_t o = 0; o < outer; o++)
      for (int64_t i = 0; i < m; i++) {
        float *d = gx.Data() + (o * n + index_[i]) * inner;
        const float *s = gy.Data() + (o * m + i) * inner;
        for (int64_t j = 0; j < inner; j++) d[j] += s[j];
      }
    inputs_[0].AccumulateGrad(gx);
  }

 private:
  int axis_;
  std::vector<int64_t> index_;
};

class MaskedFillNode : public Node {
 public:
  MaskedFillNode(const Var &x, Tensor mask) : Node({x}), mask_(mask) {}
  const char *Name() const override { return "MaskedFill"; }
  void Backward(const Tensor &gy) override {
    kernels::Broadcast bc(gy.shape(), mask_.shape(), "MaskedFill");
    Tensor gx = Tensor::Empty(gy.shape());
    kernels::BroadcastMap(bc, gy.Data(), mask_.Data(), gx.Data(),
                          [](float g, float m) { return m != 0.0f ? 0.0f : g; });
    inputs_[0].AccumulateGrad(gx);
  }
  void Release() override {
    Node::Release();
    mask_ = Tensor();
  }

 private:
  Tensor mask_;
};

}  // namespace

Var Reshape(const Var &x, const std::vector<int64_t> &dims) {
  Tensor y = x.value().Reshape(dims);
  if (!ShouldRecord({&x})) return Var(y);
  return Record(y, std::make_shared<ReshapeNode>(x));
}

Var Permute(const Var &x, const std::vector<int> &perm) {
  const int r = x.Rank();
  std::vector<int> sorted(perm);
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> iota(r);
  std::iota(iota.begin(), iota.end(), 0);
  if (sorted != iota) VOX_ERR << "Permute: not a permutation of the axes of " << x.shape().ToString();
  Tensor y = PermuteTensor(x.value(), perm);
  if (!ShouldRecord({&x})) return Var(y);
  return Record(y, std::make_shared<PermuteNode>(x, perm));
}

Var Transpose(const Var &x, int a, int b) {
  std::vector<int> perm(x.Rank());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[x.shape().Axis(a)], perm[x.shape().Axis(b)]);
  return Permute(x, perm);
}

Var Narrow(const Var &x, int axis, int64_t begin, int64_t length) {
  const int a = x.shape().Axis(axis);
  if (begin < 0 || length < 0 || begin + length > x.Dim(a))
    VOX_ERR << "Narrow(" << axis << ", " << begin << ", " << length << ") of "
            << x.shape().ToString();
  BoxMap m;
  m.x_shape = x.shape();
  m.y_shape = x.shape();
  m.y_shape.Dim(a) = length;
  Dims4 unused;
  Padded(m.y_shape, &m.box, &unused);
  m.xbegin[4 - x.Rank() + a] = begin;
  return ApplyBox("Narrow", x, m);
}

std::vector<Var> Split(const Var &x, int axis, const std::vector<int64_t> &sizes) {
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  if (total != x.Dim(axis))
    VOX_ERR << "Split sizes sum to " << total << ", axis " << axis << " of "
            << x.shape().ToString();
  std::vector<Var> out;
  int64_t begin = 0;
  for (int64_t s : sizes) {
    out.push_back(Narrow(x, axis, begin, s));
    begin += s;
  }
  return out;
}

Var Concat(const std::vector<Var> &xs, int axis) {
  if (xs.empty()) VOX_ERR << "Concat of nothing";
  const int a = xs[0].shape().Axis(axis);
  Shape ys = xs[0].shape();
  ys.Dim(a) = 0;
  for (const Var &x : xs) {
    Shape s = x.shape();
    if (s.Rank() != ys.Rank()) VOX_ERR << "Concat of ranks " << ys.Rank() << " and " << s.Rank();
    s.Dim(a) = 0;
    Shape t = ys;
    t.Dim(a) = 0;
    if (s != t)
      VOX_ERR << "Concat along " << axis << ": " << xs[0].shape().ToString() << " and "
              << x.shape().ToString();
    ys.Dim(a) += x.Dim(a);
  }
  Tensor y = Tensor::Empty(ys);
  int64_t begin = 0;
  for (const Var &x : xs) {
    BoxMap m;
    m.x_shape = x.shape();
    m.y_shape = ys;
    Dims4 unused;
    Padded(x.shape(), &m.box, &unused);
    m.ybegin[4 - ys.Rank() + a] = begin;
    CopyBox(m, x.value(), true, &y);
    begin += x.Dim(a);
  }
  if (!ShouldRecord(xs)) return Var(y);
  return Record(y, std::make_shared<ConcatNode>(xs, a));
}

Var IndexSelect(const Var &x, int axis, const std::vector<int64_t> &index) {
  const int a = x.shape().Axis(axis);
  int64_t outer, n, inner;
  kernels::AxisView(x.shape(), a, &outer, &n, &inner);
  for (int64_t i : index)
    if (i < 0 || i >= n) VOX_ERR << "IndexSelect: index " << i << " out of range [0, " << n << ")";
  Shape ys = x.shape();
  ys.Dim(a) = static_cast<int64_t>(index.size());
  Tensor y = Tensor::Empty(ys);
  const int64_t m = static_cast<int64_t>(index.size());
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < m; i++)
      std::memcpy(y.Data() + (o * m + i) * inner, x.value().Data() + (o * n + index[i]) * inner,
                  inner * sizeof(float));
  if (!ShouldRecord({&x})) return Var(y);
  return Record(y, std::make_shared<IndexSelectNode>(x, a, index));
}

Var MaskedFill(const Var &x, const Tensor &mask, float value) {
  kernels::Broadcast bc(x.shape(), mask.shape(), "MaskedFill");
  if (bc.out != x.shape())
    VOX_ERR << "MaskedFill: mask " << mask.shape().ToString() << " does not broadcast to "
            << x.shape().ToString();
  Tensor y = Tensor::Empty(x.shape());
  kernels::BroadcastMap(bc, x.value().Data(), mask.Data(), y.Data(),
                        [value](float v, float m) { return m != 0.0f ? value : v; });
  if (!ShouldRecord({&x})) return Var(y);
  return Record(y, std::make_shared<MaskedFillNode>(x, mask));
}

Var Pad(const Var &x, const std::vector<int64_t> &pad, float value) {
  if (pad.size() % 2 != 0 || static_cast<int>(pad.size() / 2) > x.Rank())
    VOX_ERR << "Pad: " << pad.size() << " values for " << x.shape().ToString();
  BoxMap m;
  m.x_shape = x.shape();
  m.y_shape = x.shape();
  m.fill = value;
  Dims4 unused;
  Padded(x.shape(), &m.box, &unused);
  for (size_t k = 0; k < pad.size() / 2; k++) {
    const int axis = x.Rank() - 1 - static_cast<int>(k);
    const int64_t left = pad[2 * k], right = pad[2 * k + 1];
    const int64_t n = x.Dim(axis), out = n + left + right;
    if (out < 0) VOX_ERR << "Pad: negative size along axis " << axis;
    m.y_shape.Dim(axis) = out;
    const int p = 4 - x.Rank() + axis;
    m.xbegin[p] = std::max<int64_t>(0, -left);
    m.ybegin[p] = std::max<int64_t>(0, left);
    m.box[p] = std::max<int64_t>(0, std::min(n - m.xbegin[p], out - m.ybegin[p]));
  }
  return ApplyBox("Pad", x, m);
}

}  // namespace voxtools

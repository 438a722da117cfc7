// src/matrix/tensor.h
// The neural-network engine's tensor: float32, contiguous, up to 4 dimensions, on a device.
//
// Axis convention (the one place it is written down): row-major, as PyTorch and NumPy.
// A tensor of shape (d0, d1, d2, d3) stores element (i0, i1, i2, i3) at
//   Data()[((i0 * d1 + i1) * d2 + i2) * d3 + i3],
// so the LAST dimension is contiguous and Dim(0) is the outermost. Stride(i) is the element
// step of dimension i (Stride(Rank() - 1) == 1). Layers follow PyTorch's layouts so that
// checkpoints load without transposes: Linear weights are (out, in), sequences are
// (batch, time, channels) for transformers and (batch, channels, time) for convolutions.
//
// Storage is shared: copying a Tensor copies a handle (cheap), and views (Reshape, Narrow0,
// Index0) share the same memory without copying. Because every tensor is contiguous, the
// only views are those that stay contiguous: a reshape, or a range of the outermost dimension.
// Anything else (transposes, slices of inner dimensions) is an operation that copies.
// Clone() makes an independent copy.
//
// Device: every tensor says where its data lives. Only Device::kCpu is implemented now; the
// CUDA backend (a later issue) allocates kCuda storage through the same handle type, and
// CPU kernels assert the device they were given.
#ifndef VOXTOOLS_MATRIX_TENSOR_H_
#define VOXTOOLS_MATRIX_TENSOR_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "matrix/matrix.h"

namespace voxtools {

enum class Device { kCpu, kCuda };
enum class DType { kFloat32 };

const char *DeviceName(Device device);

constexpr int kMaxTensorRank = 4;

// A shape of rank 0 (a scalar, one element) to 4. Dims are element counts >= 0.
class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(const std::vector<int64_t> &dims);

  int Rank() const { return rank_; }
  // i may be negative, counting from the end (Dim(-1) is the last dimension).
  int64_t Dim(int i) const { return dims_[Axis(i)]; }
  int64_t &Dim(int i) { return dims_[Axis(i)]; }
  int64_t NumElements() const;
  // Element step of dimension i in a contiguous tensor of this shape.
  int64_t Stride(int i) const;
  // Normalises a possibly negative axis; throws Error if out of range.
  int Axis(int i) const;
  std::vector<int64_t> ToVector() const;
  std::string ToString() const;  // "(2, 3, 5)"
  bool operator==(const Shape &o) const;
  bool operator!=(const Shape &o) const { return !(*this == o); }

 private:
  int rank_ = 0;
  std::array<int64_t, kMaxTensorRank> dims_{};
};

// Reference-counted memory block. Allocation is 64-byte aligned (AVX-512 loads); freed blocks
// are kept in a small size-keyed cache so that repeated forward passes of the same sizes do
// not go back to the system allocator (see TensorCacheBytes()).
class TensorStorage;

class Tensor {
 public:
  // An empty tensor (rank 0, no storage). Defined() is false.
  Tensor() = default;
  // Zero-filled tensor of `shape`.
  explicit Tensor(const Shape &shape, Device device = Device::kCpu);
  // Uninitialised tensor (contents undefined): for outputs that a kernel overwrites fully.
  static Tensor Empty(const Shape &shape, Device device = Device::kCpu);
  static Tensor Full(const Shape &shape, float value);
  // Copies `values` (row-major) into a new tensor; values.size() must match shape.
  static Tensor FromVector(const Shape &shape, const std::vector<float> &values);
  static Tensor FromMatrix(const Matrix<float> &m);
  static Tensor Scalar(float value);

  bool Defined() const { return storage_ != nullptr; }
  DType dtype() const { return DType::kFloat32; }
  Device device() const { return device_; }
  const Shape &shape() const { return shape_; }
  int Rank() const { return shape_.Rank(); }
  int64_t Dim(int i) const { return shape_.Dim(i); }
  int64_t Stride(int i) const { return shape_.Stride(i); }
  int64_t NumElements() const { return shape_.NumElements(); }

  // Element pointers (CPU). Data() of an undefined or empty tensor may be null.
  float *Data() { return data_; }
  const float *Data() const { return data_; }
  // Element access by full index (slow: tests and small loops only).
  float &At(std::initializer_list<int64_t> index);
  float At(std::initializer_list<int64_t> index) const;
  // The single value of a one-element tensor.
  float Item() const;

  // Views sharing storage (no copy). Reshape: one dim may be -1 (inferred); the element count
  // must match. Narrow0: elements [begin, begin + length) of dimension 0. Index0: element i of
  // dimension 0, with that dimension removed.
  Tensor Reshape(const std::vector<int64_t> &dims) const;
  Tensor ReshapeTo(const Shape &shape) const { return Reshape(shape.ToVector()); }
  Tensor Narrow0(int64_t begin, int64_t length) const;
  Tensor Index0(int64_t i) const;

  // Deep copy; CopyFrom requires an equal element count (shape may differ: a flat copy).
  Tensor Clone() const;
  void CopyFrom(const Tensor &src);
  void Fill(float value);
  void SetZero() { Fill(0.0f); }

  // A rank-2 tensor (or rank-1 as one row) as a Matrix (copies).
  Matrix<float> ToMatrix() const;
  std::vector<float> ToVector() const;
  // True if both handles point to the same memory (views of one another at equal offset).
  bool SharesDataWith(const Tensor &o) const { return data_ == o.data_ && data_ != nullptr; }

 private:
  std::shared_ptr<TensorStorage> storage_;
  float *data_ = nullptr;  // storage's data plus this view's offset
  Shape shape_;
  Device device_ = Device::kCpu;
};

// Bytes currently held by the free-block cache, and a way to release them (e.g. after
// loading a model); both thread-safe.
int64_t TensorCacheBytes();
void TensorCacheClear();
// Number of blocks taken from the system allocator so far (cache misses): a steady-state
// inference loop should not increase it.
int64_t TensorSystemAllocations();

}  // namespace voxtools

#endif  // VOXTOOLS_MATRIX_TENSOR_H_

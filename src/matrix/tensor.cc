// src/matrix/tensor.cc
#include "matrix/tensor.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <list>
#include <map>
#include <mutex>
#include <sstream>

namespace voxtools {

const char *DeviceName(Device device) { return device == Device::kCpu ? "cpu" : "cuda"; }

Shape::Shape(std::initializer_list<int64_t> dims) : Shape(std::vector<int64_t>(dims)) {}

Shape::Shape(const std::vector<int64_t> &dims) {
  if (dims.size() > static_cast<size_t>(kMaxTensorRank))
    VOX_ERR << "tensor rank " << dims.size() << " exceeds " << kMaxTensorRank;
  rank_ = static_cast<int>(dims.size());
  for (int i = 0; i < rank_; i++) {
    if (dims[i] < 0) VOX_ERR << "negative dimension " << dims[i] << " in a tensor shape";
    dims_[i] = dims[i];
  }
}

int Shape::Axis(int i) const {
  int a = i < 0 ? i + rank_ : i;
  if (a < 0 || a >= rank_) VOX_ERR << "axis " << i << " out of range for shape " << ToString();
  return a;
}

int64_t Shape::NumElements() const {
  int64_t n = 1;
  for (int i = 0; i < rank_; i++) n *= dims_[i];
  return n;
}

int64_t Shape::Stride(int i) const {
  int64_t s = 1;
  for (int j = rank_ - 1; j > Axis(i); j--) s *= dims_[j];
  return s;
}

std::vector<int64_t> Shape::ToVector() const {
  return std::vector<int64_t>(dims_.begin(), dims_.begin() + rank_);
}

std::string Shape::ToString() const {
  std::ostringstream os;
  os << '(';
  for (int i = 0; i < rank_; i++) os << (i ? ", " : "") << dims_[i];
  os << ')';
  return os.str();
}

bool Shape::operator==(const Shape &o) const {
  if (rank_ != o.rank_) return false;
  for (int i = 0; i < rank_; i++)
    if (dims_[i] != o.dims_[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Storage with a cache of freed blocks. Blocks are keyed by their exact size in bytes, rounded
// up to 64: a model's forward pass asks for the same few sizes utterance after utterance, so
// exact keys hit almost always. The cache is bounded so that a long run on varying lengths
// cannot hoard memory: past the bound, the blocks freed longest ago go back to the system
// first. (Releasing everything instead would make a forward pass whose blocks exceed the bound
// - WavLM Base on a batch of four 10 s utterances - fault in all of its memory again on every
// call.)
namespace {

constexpr size_t kAlign = 64;
constexpr int64_t kCacheLimitBytes = int64_t(1) << 30;

class BlockCache {
 public:
  void *Get(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto range = free_.equal_range(bytes);
      if (range.first != range.second) {
        // The most recently freed block of this size (last among equal keys): warmest in cache.
        auto it = std::prev(range.second);
        void *p = it->second->ptr;
        lru_.erase(it->second);
        free_.erase(it);
        cached_bytes_ -= bytes;
        return p;
      }
    }
    void *p = std::aligned_alloc(kAlign, bytes);
    if (p == nullptr) VOX_ERR << "out of memory allocating a tensor of " << bytes << " bytes";
    system_allocations_++;
    return p;
  }
  void Put(void *p, size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (static_cast<int64_t>(bytes) > kCacheLimitBytes) {
      std::free(p);
      return;
    }
    while (cached_bytes_ + static_cast<int64_t>(bytes) > kCacheLimitBytes) EvictOldestLocked();
    lru_.push_back({bytes, p});
    free_.emplace(bytes, std::prev(lru_.end()));
    cached_bytes_ += bytes;
  }
  int64_t CachedBytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_bytes_;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    while (!lru_.empty()) EvictOldestLocked();
  }

 private:
  struct Block {
    size_t bytes;
    void *ptr;
  };
  void EvictOldestLocked() {
    const Block oldest = lru_.front();
    auto range = free_.equal_range(oldest.bytes);
    for (auto it = range.first; it != range.second; ++it)
      if (it->second == lru_.begin()) {
        free_.erase(it);
        break;
      }
    lru_.pop_front();
    std::free(oldest.ptr);
    cached_bytes_ -= oldest.bytes;
  }
  std::mutex mutex_;
  std::list<Block> lru_;  // freed blocks, oldest first
  std::multimap<size_t, std::list<Block>::iterator> free_;
  int64_t cached_bytes_ = 0;

 public:
  std::atomic<int64_t> system_allocations_{0};
};

// Never destroyed: tensors in static objects may be freed after main returns.
BlockCache &Cache() {
  static BlockCache *cache = new BlockCache;
  return *cache;
}

}  // namespace

class TensorStorage {
 public:
  explicit TensorStorage(int64_t num_elements) {
    bytes_ = (static_cast<size_t>(num_elements) * sizeof(float) + kAlign - 1) / kAlign * kAlign;
    if (bytes_ == 0) bytes_ = kAlign;
    data_ = static_cast<float *>(Cache().Get(bytes_));
  }
  ~TensorStorage() { Cache().Put(data_, bytes_); }
  float *data() { return data_; }

 private:
  float *data_;
  size_t bytes_;
};

int64_t TensorCacheBytes() { return Cache().CachedBytes(); }
void TensorCacheClear() { Cache().Clear(); }
int64_t TensorSystemAllocations() { return Cache().system_allocations_; }

// ---------------------------------------------------------------------------------------------

Tensor Tensor::Empty(const Shape &shape, Device device) {
  if (device != Device::kCpu) VOX_ERR << "tensors on " << DeviceName(device) << " are not built";
  Tensor t;
  t.storage_ = std::make_shared<TensorStorage>(shape.NumElements());
  t.data_ = t.storage_->data();
  t.shape_ = shape;
  t.device_ = device;
  return t;
}

Tensor::Tensor(const Shape &shape, Device device) {
  *this = Empty(shape, device);
  SetZero();
}

Tensor Tensor::Full(const Shape &shape, float value) {
  Tensor t = Empty(shape);
  t.Fill(value);
  return t;
}

Tensor Tensor::FromVector(const Shape &shape, const std::vector<float> &values) {
  if (static_cast<int64_t>(values.size()) != shape.NumElements())
    VOX_ERR << values.size() << " values for a tensor of shape " << shape.ToString();
  Tensor t = Empty(shape);
  if (!values.empty()) std::memcpy(t.data_, values.data(), values.size() * sizeof(float));
  return t;
}

Tensor Tensor::FromMatrix(const Matrix<float> &m) {
  Tensor t = Empty({m.NumRows(), m.NumCols()});
  if (m.NumElements() > 0) std::memcpy(t.data_, m.Data(), m.NumElements() * sizeof(float));
  return t;
}

Tensor Tensor::Scalar(float value) { return Full(Shape(), value); }

float &Tensor::At(std::initializer_list<int64_t> index) {
  if (static_cast<int>(index.size()) != Rank())
    VOX_ERR << index.size() << " indices for a tensor of shape " << shape_.ToString();
  int64_t offset = 0;
  int i = 0;
  for (int64_t v : index) {
    if (v < 0 || v >= shape_.Dim(i))
      VOX_ERR << "index " << v << " out of range in dimension " << i << " of "
              << shape_.ToString();
    offset = offset * shape_.Dim(i) + v;
    i++;
  }
  return data_[offset];
}

float Tensor::At(std::initializer_list<int64_t> index) const {
  return const_cast<Tensor *>(this)->At(index);
}

float Tensor::Item() const {
  if (NumElements() != 1) VOX_ERR << "Item() of a tensor of shape " << shape_.ToString();
  return data_[0];
}

Tensor Tensor::Reshape(const std::vector<int64_t> &dims) const {
  std::vector<int64_t> d = dims;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < d.size(); i++) {
    if (d[i] == -1) {
      if (infer >= 0) VOX_ERR << "Reshape with two inferred (-1) dimensions";
      infer = static_cast<int>(i);
    } else {
      known *= d[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || NumElements() % known != 0)
      VOX_ERR << "cannot reshape " << shape_.ToString() << " to " << NumElements() << " / "
              << known;
    d[infer] = NumElements() / known;
  }
  Shape s(d);
  if (s.NumElements() != NumElements())
    VOX_ERR << "cannot reshape " << shape_.ToString() << " to " << s.ToString();
  Tensor t = *this;
  t.shape_ = s;
  return t;
}

Tensor Tensor::Narrow0(int64_t begin, int64_t length) const {
  if (Rank() == 0 || begin < 0 || length < 0 || begin + length > Dim(0))
    VOX_ERR << "Narrow0(" << begin << ", " << length << ") of shape " << shape_.ToString();
  Tensor t = *this;
  t.data_ = data_ + begin * shape_.Stride(0);
  t.shape_.Dim(0) = length;
  return t;
}

Tensor Tensor::Index0(int64_t i) const {
  if (Rank() == 0 || i < 0 || i >= Dim(0))
    VOX_ERR << "Index0(" << i << ") of shape " << shape_.ToString();
  std::vector<int64_t> dims = shape_.ToVector();
  dims.erase(dims.begin());
  Tensor t = *this;
  t.data_ = data_ + i * shape_.Stride(0);
  t.shape_ = Shape(dims);
  return t;
}

Tensor Tensor::Clone() const {
  if (!Defined()) return Tensor();
  Tensor t = Empty(shape_, device_);
  t.CopyFrom(*this);
  return t;
}

void Tensor::CopyFrom(const Tensor &src) {
  if (src.NumElements() != NumElements())
    VOX_ERR << "CopyFrom: " << src.shape().ToString() << " into " << shape_.ToString();
  if (NumElements() > 0 && data_ != src.data_)
    std::memmove(data_, src.data_, NumElements() * sizeof(float));
}

void Tensor::Fill(float value) {
  const int64_t n = NumElements();
  float *d = data_;
  for (int64_t i = 0; i < n; i++) d[i] = value;
}

Matrix<float> Tensor::ToMatrix() const {
  if (Rank() != 1 && Rank() != 2)
    VOX_ERR << "ToMatrix of a tensor of shape " << shape_.ToString();
  int64_t rows = Rank() == 2 ? Dim(0) : 1, cols = Dim(-1);
  Matrix<float> m(rows, cols);
  if (m.NumElements() > 0) std::memcpy(m.Data(), data_, m.NumElements() * sizeof(float));
  return m;
}

std::vector<float> Tensor::ToVector() const {
  return std::vector<float>(data_, data_ + NumElements());
}

}  // namespace voxtools

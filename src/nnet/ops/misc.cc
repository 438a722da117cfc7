// src/nnet/ops/misc.cc
#include "nnet/ops/misc.h"

#include <cmath>

#include "nnet/ops/kernels.h"
#include "nnet/ops/reduce.h"

namespace voxtools {
namespace {

class StatsPoolNode : public Node {
 public:
  StatsPoolNode(const Var &x, std::vector<int64_t> lengths, bool unbiased, Tensor y)
      : Node({x}), lengths_(std::move(lengths)), unbiased_(unbiased), y_(y) {}
  const char *Name() const override { return "StatisticsPooling"; }
  // mean_c = sum x / L:  d/dx_t = 1 / L.
  // std_c = sqrt(var + eps):  d/dx_t = (x_t - mean) / (denom std).
  void Backward(const Tensor &gy) override {
    const Tensor &x = inputs_[0].value();
    const int64_t n = x.Dim(0), c = x.Dim(1), t = x.Dim(2);
    Tensor gx(x.shape());
    for (int64_t s = 0; s < n; s++) {
      const int64_t len = lengths_[s];
      const double denom = unbiased_ ? len - 1 : len;
      for (int64_t ch = 0; ch < c; ch++) {
        const float *xr = x.Data() + (s * c + ch) * t;
        float *gr = gx.Data() + (s * c + ch) * t;
        const float mean = y_.Data()[s * 2 * c + ch], sd = y_.Data()[s * 2 * c + c + ch];
        const float gm = gy.Data()[s * 2 * c + ch], gs = gy.Data()[s * 2 * c + c + ch];
        const float a = static_cast<float>(gm / len), b = static_cast<float>(gs / (denom * sd));
        for (int64_t i = 0; i < len; i++) gr[i] = a + b * (xr[i] - mean);
      }
    }
    inputs_[0].AccumulateGrad(gx);
  }
  void Release() override {
    Node::Release();
    y_ = Tensor();
  }

 private:
  std::vector<int64_t> lengths_;
  bool unbiased_;
  Tensor y_;
};

class DropoutNode : public Node {
 public:
  DropoutNode(const Var &x, Tensor mask) : Node({x}), mask_(mask) {}
  const char *Name() const override { return "Dropout"; }
  void Backward(const Tensor &gy) override {
    Tensor gx = Tensor::Empty(gy.shape());
    kernels::Map2(gy.Data(), mask_.Data(), gx.Data(), gy.NumElements(),
                  [](float g, float m) { return g * m; });
    inputs_[0].AccumulateGrad(gx);
  }
  void Release() override {
    Node::Release();
    mask_ = Tensor();
  }

 private:
  Tensor mask_;  // 0 or 1 / (1 - p)
};

class CrossEntropyNode : public Node {
 public:
  CrossEntropyNode(const Var &logits, std::vector<int64_t> labels, float smoothing, Tensor logp)
      : Node({logits}), labels_(std::move(labels)), smoothing_(smoothing), logp_(logp) {}
  const char *Name() const override { return "CrossEntropy"; }
  // d/dlogits = (softmax - target) / N, scaled by the upstream scalar.
  void Backward(const Tensor &gy) override {
    const int64_t n = logp_.Dim(0), c = logp_.Dim(1);
    const float scale = gy.Data()[0] / static_cast<float>(n);
    Tensor g = Tensor::Empty(logp_.shape());
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j < c; j++) {
        float target = smoothing_ / c + (j == labels_[i] ? 1.0f - smoothing_ : 0.0f);
        g.Data()[i * c + j] = scale * (std::exp(logp_.Data()[i * c + j]) - target);
      }
    inputs_[0].AccumulateGrad(g);
  }
  void Release() override {
    Node::Release();
    logp_ = Tensor();
  }

 private:
  std::vector<int64_t> labels_;
  float smoothing_;
  Tensor logp_;
};

}  // namespace

Var StatisticsPooling(const Var &x, const std::vector<int64_t> &lengths_in, bool unbiased,
                      float eps) {
  if (x.Rank() != 3) VOX_ERR << "StatisticsPooling of " << x.shape().ToString()
                             << " (expected (N, C, T))";
  const int64_t n = x.Dim(0), c = x.Dim(1), t = x.Dim(2);
  std::vector<int64_t> lengths = lengths_in.empty() ? std::vector<int64_t>(n, t) : lengths_in;
  if (static_cast<int64_t>(lengths.size()) != n)
    VOX_ERR << "StatisticsPooling: " << lengths.size() << " lengths for a batch of " << n;
  for (int64_t len : lengths)
    if (len < (unbiased ? 2 : 1) || len > t)
      VOX_ERR << "StatisticsPooling: length " << len << " outside [" << (unbiased ? 2 : 1)
              << ", " << t << "]";
  Tensor y = Tensor::Empty({n, 2 * c});
  const float *px = x.value().Data();
  ParallelFor(n * c, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t s = r / c, ch = r % c, len = lengths[s];
      const float *xr = px + r * t;
      double sum = 0;
      for (int64_t i = 0; i < len; i++) sum += xr[i];
      const double mean = sum / len;
      double sq = 0;
      for (int64_t i = 0; i < len; i++) sq += (xr[i] - mean) * (xr[i] - mean);
      const double var = sq / (unbiased ? len - 1 : len);
      y.Data()[s * 2 * c + ch] = static_cast<float>(mean);
      y.Data()[s * 2 * c + c + ch] = static_cast<float>(std::sqrt(var + eps));
    }
  });
  if (!ShouldRecord({&x})) return Var(y);
  return Record(y, std::make_shared<StatsPoolNode>(x, std::move(lengths), unbiased, y));
}

Var Dropout(const Var &x, float p, bool training, RandomGenerator *rng) {
  if (p < 0.0f || p >= 1.0f) VOX_ERR << "Dropout probability " << p << " outside [0, 1)";
  if (!training || p == 0.0f) return x;
  if (rng == nullptr) VOX_ERR << "Dropout in training needs a RandomGenerator";
  Tensor mask = Tensor::Empty(x.shape());
  const float keep = 1.0f / (1.0f - p);
  for (int64_t i = 0; i < mask.NumElements(); i++)
    mask.Data()[i] = rng->Uniform() < p ? 0.0f : keep;
  Tensor y = Tensor::Empty(x.shape());
  kernels::Map2(x.value().Data(), mask.Data(), y.Data(), y.NumElements(),
                [](float v, float m) { return v * m; });
  if (!ShouldRecord({&x})) return Var(y);
  return Record(y, std::make_shared<DropoutNode>(x, mask));
}

Var CrossEntropy(const Var &logits, const std::vector<int64_t> &labels, float smoothing) {
  if (logits.Rank() != 2 || static_cast<int64_t>(labels.size()) != logits.Dim(0))
    VOX_ERR << "CrossEntropy: logits " << logits.shape().ToString() << " with " << labels.size()
            << " labels";
  const int64_t n = logits.Dim(0), c = logits.Dim(1);
  for (int64_t l : labels)
    if (l < 0 || l >= c) VOX_ERR << "CrossEntropy: label " << l << " outside [0, " << c << ")";
  Tensor logp;
  {
    NoGradGuard no_grad;
    logp = LogSoftmax(logits.Detach(), 1).value();
  }
  double loss = 0;
  for (int64_t i = 0; i < n; i++) {
    const float *row = logp.Data() + i * c;
    double all = 0;
    for (int64_t j = 0; j < c; j++) all += row[j];
    loss -= (1.0 - smoothing) * row[labels[i]] + smoothing * all / c;
  }
  Tensor y = Tensor::Full(Shape(), static_cast<float>(loss / n));
  if (!ShouldRecord({&logits})) return Var(y);
  return Record(y, std::make_shared<CrossEntropyNode>(logits, labels, smoothing, logp));
}

}  // namespace voxtools

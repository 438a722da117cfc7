// tests/unit/nnet/layers-test.cc
// Layers: PyTorch's parameter names, default initialisation, modes; and a small model built
// from them that learns (plain gradient descent lowers its loss).
#include "nnet/layers.h"

#include <gtest/gtest.h>

#include "nnet/linear.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/misc.h"
#include "nnet/ops/norm.h"
#include "nnet/ops/shape.h"
#include "nnet-test-util.h"

namespace voxtools {
namespace {

using test::RandomTensor;

std::vector<std::string> Names(const std::vector<std::pair<std::string, Var>> &named) {
  std::vector<std::string> out;
  for (auto &p : named) out.push_back(p.first);
  return out;
}

TEST(LayersTest, StateDictNames) {
  BatchNormLayer bn(4);
  EXPECT_EQ(Names(bn.NamedParameters()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(Names(bn.NamedBuffers()),
            (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"}));
  Conv1dOptions o;
  o.padding = 64, o.groups = 16;
  Conv1dLayer pos(768, 768, 128, o, true, 2);
  EXPECT_EQ(Names(pos.NamedParameters()),
            (std::vector<std::string>{"weight_g", "weight_v", "bias"}));
  EXPECT_EQ(pos.Find("weight_g").shape(), Shape({1, 1, 128}));
  EXPECT_EQ(pos.Find("weight_v").shape(), Shape({768, 48, 128}));
  EXPECT_EQ(LayerNormLayer(8).NumParameters(), 16);
}

TEST(LayersTest, WeightNormStartsAtV) {
  RandomGenerator rng(3);
  Conv1dLayer conv(4, 6, 3, {}, true, 0, &rng);
  test::ExpectTensorNear(conv.Weight().value(), conv.Find("weight_v").value(), 1e-6f, 1e-7f,
                         "w = g v / |v| with g = |v|");
}

TEST(LayersTest, BatchNormModes) {
  BatchNormLayer bn(3);
  Var x(RandomTensor({5, 3, 4}, 1, 1.0f, 3.0f));
  bn.Forward(x);
  const float mean_after = bn.Find("running_mean").value().Data()[0];
  EXPECT_GT(mean_after, 0.1f);  // moved 10% of the way towards ~2
  EXPECT_EQ(bn.Find("num_batches_tracked").value().Item(), 1.0f);
  bn.Eval();
  bn.Forward(x);
  EXPECT_EQ(bn.Find("running_mean").value().Data()[0], mean_after);
}

// A TDNN-ish classifier: conv -> BN -> ReLU -> stats pooling -> linear, trained on two classes.
class TinyNet : public Module {
 public:
  explicit TinyNet(RandomGenerator *rng) {
    Conv1dOptions o;
    o.padding = 1;
    conv_ = RegisterModule("conv", std::make_shared<Conv1dLayer>(3, 8, 3, o, true, -1, rng));
    bn_ = RegisterModule("bn", std::make_shared<BatchNormLayer>(8));
    out_ = RegisterModule("out", std::make_shared<Linear>(16, 2, true, rng));
  }
  std::string TypeName() const override { return "TinyNet"; }
  Var Forward(const Var &x, const std::vector<int64_t> &lengths) {
    Var h = Relu(bn_->Forward(conv_->Forward(x)));
    return out_->Forward(StatisticsPooling(h, lengths));
  }

 private:
  std::shared_ptr<Conv1dLayer> conv_;
  std::shared_ptr<BatchNormLayer> bn_;
  std::shared_ptr<Linear> out_;
};

TEST(LayersTest, TinyModelLearns) {
  RandomGenerator rng(7);
  TinyNet net(&rng);
  EXPECT_EQ(Names(net.NamedParameters()),
            (std::vector<std::string>{"conv/weight", "conv/bias", "bn/weight", "bn/bias",
                                      "out/weight", "out/bias"}));
  // Class 1 has a larger variance than class 0.
  Tensor x = RandomTensor({8, 3, 20}, 11);
  std::vector<int64_t> labels(8), lengths(8, 20);
  for (int64_t i = 0; i < 8; i++) {
    labels[i] = i % 2;
    lengths[i] = 12 + i;
    if (labels[i])
      for (int64_t j = 0; j < 60; j++) x.Data()[i * 60 + j] *= 3.0f;
  }
  float first = 0, last = 0;
  for (int step = 0; step < 100; step++) {
    net.ZeroGrad();
    Var loss = CrossEntropy(net.Forward(Var(x), lengths), labels);
    loss.Backward();
    if (step == 0) first = loss.value().Item();
    last = loss.value().Item();
    for (Var p : net.Parameters()) {
      float *w = p.MutableValue().Data();
      const float *g = p.grad().Data();
      for (int64_t i = 0; i < p.NumElements(); i++) w[i] -= 0.2f * g[i];
    }
  }
  EXPECT_LT(last, 0.25f * first) << "first " << first << ", last " << last;
}

}  // namespace
}  // namespace voxtools

namespace voxtools {
namespace {

// Inference records nothing and, once warm, reuses freed blocks: a second identical forward
// pass takes no new memory from the system.
TEST(LayersTest, SteadyStateInferenceAllocatesNothingNew) {
  RandomGenerator rng(9);
  Linear proj(32, 64, true, &rng);
  LayerNormLayer norm(64);
  Var x(RandomTensor({3, 50, 32}, 5));
  auto forward = [&] {
    NoGradGuard no_grad;
    return Gelu(norm.Forward(proj.Forward(x))).value().NumElements();
  };
  forward();
  const int64_t before = TensorSystemAllocations();
  EXPECT_EQ(forward(), 3 * 50 * 64);
  EXPECT_EQ(TensorSystemAllocations(), before);
}

}  // namespace
}  // namespace voxtools

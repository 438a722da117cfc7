// tests/unit/nnet/pooling-test.cc
// TSTP, ASTP (with and without global context) and MQMHASTP against PyTorch
// (tests/reference/models-ref.py), finite differences for the global-context ASTP (whose
// first layer we split algebraically instead of concatenating the repeated statistics), and
// configuration parsing.
#include "nnet/pooling.h"

#include <gtest/gtest.h>

#include "model-reference.h"

namespace voxtools {
namespace {

// The pooling layer under "pool", as the reference script names it.
class PoolHolder : public Module {
 public:
  PoolHolder(int64_t in_dim, const PoolingConfig &c, RandomGenerator *rng) {
    pool = RegisterModule("pool", MakePooling(in_dim, c, rng));
  }
  std::string TypeName() const override { return "PoolHolder"; }
  std::shared_ptr<PoolingLayer> pool;
};

void CheckPooling(const std::string &what, const PoolingConfig &c, const Shape &shape,
                  uint64_t seed) {
  const int64_t in_dim = shape.Rank() == 4 ? shape.Dim(1) * shape.Dim(2) : shape.Dim(1);
  RandomGenerator rng(seed);
  PoolHolder m(in_dim, c, &rng);
  // Inputs with a per-channel offset and scale, so means and deviations differ by channel.
  Tensor xt = test::RandomNormal(shape, seed + 1);
  for (int64_t i = 0; i < xt.NumElements(); i++) xt.Data()[i] = 0.5f + 1.5f * xt.Data()[i];
  Var x(xt, true);
  test::NamedTensors before = test::ModuleTensors(m);
  Var y = m.pool->Forward(x);
  ASSERT_EQ(y.Dim(1), m.pool->OutDim()) << what;
  Tensor g = test::RandomNormal(y.shape(), seed + 2);
  y.Backward(g);
  JsonValue config = c.ToJson();
  config.Set("in_dim", JsonValue::Int(in_dim));
  JsonValue request = JsonValue::Object();
  request.Set("kind", JsonValue::String("pooling"));
  request.Set("config", config);
  test::CompareWithReference(what, request, m, before, x, {}, {{"pooled", y}}, {{"pooled", g}});
}

TEST(Pooling, TstpMatchesTorch) {
  PoolingConfig c;
  CheckPooling("tstp", c, Shape({2, 7, 33}), 1);
  CheckPooling("tstp 4-D", c, Shape({2, 3, 5, 9}), 2);
}

TEST(Pooling, AstpMatchesTorch) {
  PoolingConfig c;
  c.type = PoolingType::kAstp;
  c.bottleneck = 5;
  CheckPooling("astp", c, Shape({3, 12, 41}), 3);
  c.global_context = true;
  CheckPooling("astp global", c, Shape({3, 12, 41}), 4);
  CheckPooling("astp global 4-D", c, Shape({2, 4, 3, 17}), 5);
}

TEST(Pooling, MqmhastpMatchesTorch) {
  PoolingConfig c;
  c.type = PoolingType::kMqmhastp;
  c.bottleneck = 6, c.num_queries = 2, c.num_heads = 4;
  CheckPooling("mqmhastp", c, Shape({2, 16, 29}), 6);
  c.per_channel = false, c.num_queries = 3, c.num_heads = 2;
  CheckPooling("mqmhastp per head", c, Shape({2, 10, 19}), 7);
}

TEST(Pooling, AstpGlobalContextFiniteDifferences) {
  PoolingConfig c;
  c.type = PoolingType::kAstp;
  c.bottleneck = 3;
  c.global_context = true;
  RandomGenerator rng(21);
  std::shared_ptr<PoolingLayer> pool = MakePooling(4, c, &rng);
  Var x(test::RandomTensor({2, 4, 6}, 22, -2.0f, 2.0f), true);
  std::vector<Var> inputs{x};
  // linear2's bias shifts every frame's score equally, which the softmax ignores: its
  // gradient is zero and finite differences would only see rounding.
  for (const auto &p : pool->NamedParameters())
    if (p.first != "linear2/bias") inputs.push_back(p.second);
  test::CheckGradients([&](const std::vector<Var> &) { return pool->Forward(x); }, inputs,
                       1e-2f, 1e-2f, 2e-3f, "astp global");
}

TEST(Pooling, ConfigAndErrors) {
  PoolingConfig c = PoolingConfig::FromJson(ParseJson("{\"type\": \"mqmhastp\", \"num_heads\": 3}", "t"));
  EXPECT_EQ(c.type, PoolingType::kMqmhastp);
  EXPECT_EQ(c.num_heads, 3);
  EXPECT_THROW(MakePooling(8, c, nullptr), Error);  // 3 heads do not divide 8 channels
  EXPECT_THROW(PoolingConfig::FromJson(ParseJson("{\"type\": \"tap\"}", "t")), Error);
  EXPECT_THROW(PoolingConfig::FromJson(ParseJson("{\"heads\": 2}", "t")), Error);
  std::shared_ptr<PoolingLayer> tstp = MakePooling(4, PoolingConfig{}, nullptr);
  EXPECT_THROW(tstp->Forward(Var(Tensor({1, 5, 10}))), Error);  // 5 channels, not 4
  EXPECT_THROW(tstp->Forward(Var(Tensor({1, 4, 1}))), Error);   // one frame: no deviation
}

}  // namespace
}  // namespace voxtools

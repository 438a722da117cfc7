// tests/unit/nnet/optimizer-test.cc
// SGD (momentum, Nesterov, weight decay), Adam and AdamW (with AMSGrad) against torch.optim
// over 20 steps of a small two-layer network, with per-group learning-rate scales and
// gradient clipping in the loop; parameter grouping; the error cases.
#include "nnet/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>

#include "nnet-test-util.h"
#include "nnet/grad-clip.h"
#include "nnet/linear.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/misc.h"
#include "optim-reference.h"

namespace voxtools {
namespace {

constexpr int kSteps = 20, kBatch = 8, kIn = 6, kHidden = 10, kClasses = 4;

class TwoLayer : public Module {
 public:
  explicit TwoLayer(RandomGenerator *rng) {
    fc1_ = RegisterModule("fc1", std::make_shared<Linear>(kIn, kHidden, true, rng));
    fc2_ = RegisterModule("fc2", std::make_shared<Linear>(kHidden, kClasses, true, rng));
  }
  std::string TypeName() const override { return "TwoLayer"; }
  Var Forward(const Var &x) const { return fc2_->Forward(Gelu(fc1_->Forward(x))); }

 private:
  std::shared_ptr<Linear> fc1_, fc2_;
};

struct Data {
  Tensor x, labels_t;  // (steps, batch, in), (steps, batch)
  std::vector<std::vector<int64_t>> labels;
};

Data MakeData(uint64_t seed) {
  Data d;
  d.x = test::RandomNormal({kSteps, kBatch, kIn}, seed);
  RandomGenerator rng(seed + 1);
  d.labels_t = Tensor({kSteps, kBatch});
  d.labels.resize(kSteps);
  for (int s = 0; s < kSteps; s++)
    for (int b = 0; b < kBatch; b++) {
      int64_t c = static_cast<int64_t>(rng.Bits() % kClasses);
      d.labels[s].push_back(c);
      d.labels_t.At({s, b}) = static_cast<float>(c);
    }
  return d;
}

struct Case {
  std::string name;
  std::string optimizer;  // sgd, adam, adamw
  SgdOptions sgd;
  AdamOptions adam;
  double lr;
  double fc1_scale = 1.0;  // lr scale of the "fc1" group
  double clip = 0;         // 0: no clipping
};

std::string CaseJson(const Case &c, const std::vector<double> &lrs) {
  std::ostringstream os;
  os.precision(17);
  os << "{\"optimizer\": \"" << c.optimizer << "\", \"opts\": {";
  if (c.optimizer == "sgd")
    os << "\"momentum\": " << c.sgd.momentum << ", \"weight_decay\": " << c.sgd.weight_decay
       << ", \"nesterov\": " << (c.sgd.nesterov ? "true" : "false");
  else
    os << "\"beta1\": " << c.adam.beta1 << ", \"beta2\": " << c.adam.beta2
       << ", \"eps\": " << c.adam.eps << ", \"weight_decay\": " << c.adam.weight_decay
       << ", \"amsgrad\": " << (c.adam.amsgrad ? "true" : "false");
  os << "}, \"lr_scales\": {\"fc1\": " << c.fc1_scale << "}, \"clip\": " << c.clip
     << ", \"lrs\": [";
  for (size_t i = 0; i < lrs.size(); i++) os << (i ? ", " : "") << lrs[i];
  os << "]}";
  return os.str();
}

std::unique_ptr<Optimizer> MakeOptimizer(const Case &c, const Module &model) {
  std::vector<ParamGroup> groups =
      GroupParameters(model.NamedParameters(), {{"fc1", c.fc1_scale}});
  if (c.optimizer == "sgd") return std::make_unique<Sgd>(groups, c.sgd);
  return std::make_unique<Adam>(groups, c.adam, c.optimizer == "adamw");
}

void RunCase(const Case &c) {
  SCOPED_TRACE(c.name);
  RandomGenerator init_rng(7);
  TwoLayer model(&init_rng);
  test::NamedTensors request;
  std::map<std::string, Tensor> initial;
  for (auto &p : model.NamedParameters()) {
    request.emplace_back(p.first, p.second.value().Clone());  // not a view: training changes it
    initial[p.first] = p.second.value().Clone();
  }
  Data data = MakeData(11);
  request.emplace_back("x", data.x);
  request.emplace_back("labels", data.labels_t);
  // A decaying, non-constant learning rate, so that Step(lr) is exercised at many values.
  std::vector<double> lrs;
  for (int i = 0; i < kSteps; i++) lrs.push_back(c.lr * std::pow(0.93, i));

  std::unique_ptr<Optimizer> opt = MakeOptimizer(c, model);
  std::vector<double> norms;
  for (int i = 0; i < kSteps; i++) {
    opt->ZeroGrad();
    Var loss = CrossEntropy(model.Forward(Var(data.x.Index0(i))), data.labels[i]);
    loss.Backward();
    if (c.clip > 0) norms.push_back(ClipGradNorm(opt->Parameters(), c.clip));
    opt->Step(lrs[i]);
  }

  test::OptimAnswer ref;
  VOX_OPTIM_REFERENCE("train", CaseJson(c, lrs), request, &ref);
  // 20 steps of float32 arithmetic through GELU and softmax: our forward differs from
  // PyTorch's by rounding (~1e-7), which the steps carry along; 1e-5 is the bound.
  for (auto &p : model.NamedParameters()) {
    ASSERT_EQ(ref.tensors.count(p.first), 1u) << p.first;
    test::ExpectTensorNear(p.second.value(), ref.tensors[p.first], 1e-5f, 1e-5f, c.name + " " + p.first);
    // Non-trivial: every parameter moved.
    double moved = 0;
    for (int64_t i = 0; i < p.second.NumElements(); i++)
      moved = std::max(moved, std::fabs(double(p.second.value().Data()[i]) -
                                        initial[p.first].Data()[i]));
    EXPECT_GT(moved, 1e-4) << c.name << " " << p.first << " did not move";
  }
  for (size_t i = 0; i < norms.size(); i++) {
    const std::string key = "norm" + std::to_string(i);
    ASSERT_EQ(ref.numbers.count(key), 1u) << key;
    EXPECT_NEAR(norms[i], ref.numbers[key], 1e-5 * (1 + norms[i])) << key;
  }
  // Clipping must have been active at least once for the clip cases to prove anything.
  if (c.clip > 0) {
    bool clipped = false;
    for (double n : norms) clipped = clipped || n > c.clip;
    EXPECT_TRUE(clipped) << c.name << ": the norm never exceeded " << c.clip;
  }
}

TEST(OptimizerTest, SgdNesterovWeightDecayMatchesTorch) {
  Case c;
  c.name = "sgd momentum 0.9 nesterov wd 1e-2, fc1 at 0.1x";
  c.optimizer = "sgd";
  c.sgd.momentum = 0.9;
  c.sgd.nesterov = true;
  c.sgd.weight_decay = 1e-2;
  c.lr = 0.1;
  c.fc1_scale = 0.1;
  RunCase(c);
}

TEST(OptimizerTest, SgdPlainAndClassicalMomentumMatchTorch) {
  Case c;
  c.name = "sgd without momentum";
  c.optimizer = "sgd";
  c.sgd.momentum = 0;
  c.sgd.nesterov = false;
  c.sgd.weight_decay = 0;
  c.lr = 0.2;
  RunCase(c);
  c.name = "sgd momentum 0.5 (not nesterov) wd 1e-3, clip 0.3";
  c.sgd.momentum = 0.5;
  c.sgd.weight_decay = 1e-3;
  c.clip = 0.3;
  RunCase(c);
}

TEST(OptimizerTest, AdamMatchesTorch) {
  Case c;
  c.name = "adam wd 1e-2 (L2), fc1 at 0.5x";
  c.optimizer = "adam";
  c.adam.weight_decay = 1e-2;
  c.lr = 1e-2;
  c.fc1_scale = 0.5;
  RunCase(c);
}

TEST(OptimizerTest, AdamWAmsgradWithClippingMatchesTorch) {
  Case c;
  c.name = "adamw wd 0.05 amsgrad, betas (0.8, 0.99), eps 1e-6, clip 0.5";
  c.optimizer = "adamw";
  c.adam.weight_decay = 0.05;
  c.adam.amsgrad = true;
  c.adam.beta1 = 0.8;
  c.adam.beta2 = 0.99;
  c.adam.eps = 1e-6;
  c.lr = 1e-2;
  c.clip = 0.5;
  RunCase(c);
}

// The first Adam step moves every parameter by lr * sign(g) (bias correction makes
// m_hat / sqrt(v_hat) = g / |g|), independently of PyTorch.
TEST(OptimizerTest, AdamFirstStepIsLrTimesSign) {
  Var w(Tensor::FromVector({4}, {1, 2, 3, 4}), true);
  w.AccumulateGrad(Tensor::FromVector({4}, {0.5f, -3e-3f, 20, -1}));
  Adam adam(SingleGroup({{"w", w}}), AdamOptions());
  adam.Step(0.1);
  test::ExpectTensorNear(w.value(), Tensor::FromVector({4}, {0.9f, 2.1f, 2.9f, 4.1f}), 1e-5f,
                         1e-5f, "first Adam step");
  EXPECT_EQ(adam.State("w")->step, 1);
}

TEST(OptimizerTest, GroupsByWholePathComponentsLongestPrefixFirst) {
  auto v = [](float x) { return Var(Tensor::Full({1}, x), true); };
  NamedVars named = {{"encoder/layers/0/w", v(1)}, {"encoder/proj/w", v(2)},
                     {"encoder2/w", v(3)},        {"head/w", v(4)}};
  std::vector<ParamGroup> g =
      GroupParameters(named, ParseLrScales("encoder=0.1,encoder/proj/=0.5,head=2"));
  ASSERT_EQ(g.size(), 4u);
  EXPECT_EQ(g[0].prefix, "");  // the default group, first
  ASSERT_EQ(g[0].params.size(), 1u);
  EXPECT_EQ(g[0].params[0].first, "encoder2/w");  // "encoder" is not a prefix of "encoder2"
  EXPECT_EQ(g[1].prefix, "encoder");
  EXPECT_EQ(g[1].lr_scale, 0.1);
  ASSERT_EQ(g[1].params.size(), 1u);
  EXPECT_EQ(g[1].params[0].first, "encoder/layers/0/w");
  EXPECT_EQ(g[2].prefix, "encoder/proj");  // longer prefix wins; trailing '/' dropped
  EXPECT_EQ(g[2].params[0].first, "encoder/proj/w");
  EXPECT_EQ(g[3].lr_scale, 2.0);

  // The scales act: plain SGD moves each parameter by lr * scale * grad.
  for (auto &p : named) p.second.AccumulateGrad(Tensor::Full({1}, 1.0f));
  SgdOptions plain;
  plain.momentum = 0;
  plain.nesterov = false;
  plain.weight_decay = 0;
  Sgd sgd(g, plain);
  sgd.Step(1.0);
  EXPECT_FLOAT_EQ(named[0].second.value().Item(), 1 - 0.1f);
  EXPECT_FLOAT_EQ(named[1].second.value().Item(), 2 - 0.5f);
  EXPECT_FLOAT_EQ(named[2].second.value().Item(), 3 - 1.0f);
  EXPECT_FLOAT_EQ(named[3].second.value().Item(), 4 - 2.0f);

  EXPECT_THROW(GroupParameters(named, ParseLrScales("encodr=0.1")), Error);  // matches nothing
  EXPECT_THROW(GroupParameters(named, ParseLrScales("head=1,head/=2")), Error);  // twice
  EXPECT_THROW(ParseLrScales("encoder"), Error);
  EXPECT_THROW(ParseLrScales("encoder=-1"), Error);
  EXPECT_THROW(ParseLrScales("encoder=x"), Error);
  EXPECT_TRUE(ParseLrScales("").empty());
}

TEST(OptimizerTest, SkipsParametersWithoutGradientAndRejectsBadSteps) {
  Var a(Tensor::Full({2}, 1.0f), true), b(Tensor::Full({2}, 1.0f), true);
  Adam adam(SingleGroup({{"a", a}, {"b", b}}), AdamOptions());
  a.AccumulateGrad(Tensor::Full({2}, 1.0f));
  adam.Step(0.1);
  EXPECT_EQ(b.value().At({0}), 1.0f);  // no gradient: untouched, no state
  EXPECT_EQ(adam.State("b"), nullptr);
  ASSERT_NE(adam.State("a"), nullptr);

  // A NaN anywhere: Error naming the parameter, and nothing updated (not even 'a').
  b.AccumulateGrad(Tensor::FromVector({2}, {0, NAN}));
  const float a_before = a.value().At({0});
  try {
    adam.Step(0.1);
    ADD_FAILURE() << "no error for a NaN gradient";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("'b'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(a.value().At({0}), a_before);
  EXPECT_EQ(adam.State("a")->step, 1);
  EXPECT_THROW(adam.Step(-1), Error);
  EXPECT_THROW(adam.Step(NAN), Error);
  EXPECT_THROW(adam.State("c"), Error);

  // State of the wrong shape or size is refused, naming the path.
  Optimizer::ParamState s;
  s.step = 3;
  s.tensors = {Tensor({3}), Tensor({2})};
  EXPECT_THROW(adam.SetState("a", s), Error);
  s.tensors = {Tensor({2})};
  EXPECT_THROW(adam.SetState("a", s), Error);

  // The same parameter twice, under two paths or one path twice.
  EXPECT_THROW(Adam(SingleGroup({{"a", a}, {"a2", a}}), AdamOptions()), Error);
  EXPECT_THROW(Adam(SingleGroup({{"a", a}, {"a", b}}), AdamOptions()), Error);
}

TEST(OptimizerTest, OptionsValidate) {
  SgdOptions s;
  s.Validate();
  s.momentum = 1.0;
  EXPECT_THROW(s.Validate(), Error);
  s.momentum = 0;
  EXPECT_THROW(s.Validate(), Error);  // nesterov without momentum, as PyTorch refuses
  AdamOptions a;
  a.Validate();
  a.eps = 0;
  EXPECT_THROW(a.Validate(), Error);
  a.eps = 1e-8;
  a.beta2 = 1.0;
  EXPECT_THROW(a.Validate(), Error);
  EXPECT_EQ(ParseOptimizerType("adamw"), OptimizerType::kAdamW);
  EXPECT_THROW(ParseOptimizerType("lamb"), Error);
}

}  // namespace
}  // namespace voxtools

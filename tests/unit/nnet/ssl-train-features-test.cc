// tests/unit/nnet/ssl-train-features-test.cc
// The SSL models in training mode, what fine-tuning (WavLM + MHFA, SUPERB-style probing)
// relies on:
//   - gradients of every parameter and of the input waveform equal torchaudio 0.13's (two toy
//     models: post-norm with a GroupNorm conv encoder, pre-norm with LayerNorm conv blocks;
//     loss = weighted sum of proj and every layer output; tests/reference/ssl-grads.py)
//     within 2e-4 of the tensor's largest gradient (the reference computes in float64 from
//     the same float32 weights: torch's float32 GroupNorm backward is unstable there);
//   - feature_grad_mult scales the gradient into the conv encoder and nothing else;
//   - freezing the conv encoder (SetRequiresGrad(false)) leaves the other gradients unchanged;
//   - layer-drop and dropout act in training mode only, drawn from the given generator.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "io/checkpoint.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/reduce.h"
#include "nnet/random.h"
#include "nnet/ssl-model.h"
#include "nnet/ssl-weights.h"
#include "ssl-test-util.h"

namespace voxtools {
namespace {

using test::NpyTensor;
using test::MaxAbsDiff;
using test::ReadNpy;

std::string Reference(std::string *why) { return test::ReferenceFolder("ssl-grads.py", why); }

struct Loaded {
  std::unique_ptr<SslModel> model;
  std::map<std::string, std::string> torch_name;  // our parameter path -> torchaudio name
};

Loaded Load(const std::string &dir, const SslConfig &config) {
  const Checkpoint ckpt = ReadCheckpoint(dir + "/state_dict.pt");
  Loaded l;
  l.model = std::make_unique<SslModel>(config);
  LoadSslWeights(ckpt, SslWeightLayout::kTorchaudio, l.model.get());
  for (const auto &t : ckpt.tensors)
    for (const std::string &path : SslParamPaths(t.name, SslWeightLayout::kTorchaudio))
      l.torch_name[path] = t.name;
  return l;
}

// The reference loss on (input, outputs): sum(proj * proj_w) + sum_n sum(layer_n * w_n).
Var Loss(const SslModel &model, const Var &wave, const std::string &dir,
         RandomGenerator *rng = nullptr) {
  SslOutputRequest req;
  req.proj = true;
  for (int64_t n = 0; n <= model.config().num_layers; n++) req.layers.push_back(n);
  SslForwardOptions opts;
  opts.rng = rng;
  const SslOutputs out = model.Forward(wave, Tensor(), req, opts);
  Var loss = SumAll(Mul(out.proj, Var(NpyTensor(ReadNpy(dir + "/proj_w.npy")))));
  for (size_t n = 0; n < out.layers.size(); n++) {
    char name[32];
    std::snprintf(name, sizeof name, "/layer_%02d_w.npy", static_cast<int>(n));
    loss = Add(loss, SumAll(Mul(out.layers[n], Var(NpyTensor(ReadNpy(dir + name))))));
  }
  return loss;
}

class SslTrainTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why;
    ref_ = Reference(&why);
    if (why.rfind("FAILED", 0) == 0) FAIL() << why;
    if (ref_.empty()) GTEST_SKIP() << why;
    dir_ = ref_ + "/" + GetParam();
    config_ = ReadSslConfigFile(dir_ + "/config.json");
  }
  // The gradient of every parameter (by path) and of the input for config.
  std::map<std::string, Tensor> Gradients(const SslConfig &config, bool freeze_conv) {
    Loaded l = Load(dir_, config);
    l.model->Train();
    if (freeze_conv) l.model->mutable_feature_extractor()->SetRequiresGrad(false);
    Var wave(NpyTensor(ReadNpy(dir_ + "/input.npy")), /*requires_grad=*/true);
    Loss(*l.model, wave, dir_).Backward();
    std::map<std::string, Tensor> grads;
    for (const auto &p : l.model->NamedParameters())
      if (p.second.grad().Defined()) grads[p.first] = p.second.grad().Clone();
    grads["<input>"] = wave.grad().Clone();
    return grads;
  }
  std::string ref_, dir_;
  SslConfig config_;
};

TEST_P(SslTrainTest, GradientsMatchTorchaudio) {
  const std::map<std::string, Tensor> grads = Gradients(config_, false);
  Loaded l = Load(dir_, config_);
  int checked = 0;
  for (const auto &p : l.model->NamedParameters()) {
    if (p.first == "mask_emb") continue;  // not in torchaudio's model
    const std::string file = dir_ + "/grad/" + l.torch_name.at(p.first) + ".npy";
    if (access(file.c_str(), F_OK) != 0) {
      // Only the pre-norm encoder's final LayerNorm is outside the loss.
      EXPECT_EQ(grads.count(p.first), 0u) << p.first << " has a gradient torch has not";
      continue;
    }
    ASSERT_EQ(grads.count(p.first), 1u) << p.first << ": no gradient";
    const Tensor ref = NpyTensor(ReadNpy(file));
    const Tensor &ours = grads.at(p.first);
    ASSERT_EQ(ours.shape(), ref.shape()) << p.first;
    const double scale = std::max(1.0, double(test::MaxAbs(ref)));
    EXPECT_LE(MaxAbsDiff(ours, ref), 2e-4 * scale) << p.first << " (max |grad| " << scale << ")";
    checked++;
  }
  EXPECT_GT(checked, 30);
  const Tensor ref = NpyTensor(ReadNpy(dir_ + "/grad_input.npy"));
  EXPECT_LE(MaxAbsDiff(grads.at("<input>"), ref), 2e-4 * std::max(1.0, test::MaxAbs(ref)));
}

TEST_P(SslTrainTest, FeatureGradMultScalesOnlyTheConvEncoder) {
  const std::map<std::string, Tensor> plain = Gradients(config_, false);
  SslConfig scaled_config = config_;
  scaled_config.feature_grad_mult = 0.1f;
  const std::map<std::string, Tensor> scaled = Gradients(scaled_config, false);
  ASSERT_EQ(plain.size(), scaled.size());
  for (const auto &g : plain) {
    const bool conv = g.first.rfind("feature_extractor/", 0) == 0 || g.first == "<input>";
    Tensor expect = g.second.Clone();
    if (conv)
      for (int64_t i = 0; i < expect.NumElements(); i++) expect.Data()[i] *= 0.1f;
    // Not bit-identical: the scaled branch computes conv * m + detach(conv) * (1 - m).
    EXPECT_LE(MaxAbsDiff(scaled.at(g.first), expect), 1e-5 * std::max(1.0, test::MaxAbs(expect)))
        << g.first;
  }
}

TEST_P(SslTrainTest, FrozenConvEncoderGetsNoGradientOthersUnchanged) {
  const std::map<std::string, Tensor> plain = Gradients(config_, false);
  const std::map<std::string, Tensor> frozen = Gradients(config_, true);
  int conv = 0;
  for (const auto &g : plain) {
    if (g.first.rfind("feature_extractor/", 0) == 0) {
      EXPECT_EQ(frozen.count(g.first), 0u) << g.first << " is frozen but has a gradient";
      conv++;
      continue;
    }
    ASSERT_EQ(frozen.count(g.first), 1u) << g.first;
    EXPECT_EQ(MaxAbsDiff(frozen.at(g.first), g.second), 0.0) << g.first;
  }
  EXPECT_GE(conv, 7);
}

TEST_P(SslTrainTest, LayerDropAndDropoutOnlyInTrainingAndSeeded) {
  const Tensor input = NpyTensor(ReadNpy(dir_ + "/input.npy"));
  SslOutputRequest req;
  for (int64_t n = 0; n <= config_.num_layers; n++) req.layers.push_back(n);
  auto run = [&](const SslConfig &c, bool train, uint64_t seed) {
    Loaded l = Load(dir_, c);
    l.model->Train(train);
    RandomGenerator rng(seed);
    SslForwardOptions opts;
    opts.rng = &rng;
    NoGradGuard no_grad;
    return l.model->Forward(Var(input), Tensor(), req, opts);
  };
  const SslOutputs eval = run(config_, false, 1);
  // layerdrop near 1 (1 itself is refused): with this seed every layer is skipped in
  // training, so each passes its input through.
  SslConfig drop_all = config_;
  drop_all.layerdrop = 0.9999f;
  const SslOutputs dropped = run(drop_all, true, 1);
  for (int64_t n = 1; n <= config_.num_layers; n++)
    EXPECT_EQ(MaxAbsDiff(dropped.layers[n].value(), dropped.layers[0].value()), 0.0) << n;
  EXPECT_EQ(MaxAbsDiff(run(drop_all, false, 1).layers.back().value(),
                       eval.layers.back().value()), 0.0) << "layer-drop in eval mode";
  // dropout: off in eval; in training a function of the seed.
  SslConfig noisy = config_;
  noisy.dropout = noisy.dropout_input = noisy.activation_dropout = 0.3f;
  EXPECT_EQ(MaxAbsDiff(run(noisy, false, 1).layers.back().value(), eval.layers.back().value()),
            0.0);
  const Tensor a = run(noisy, true, 5).layers.back().value();
  const Tensor b = run(noisy, true, 5).layers.back().value();
  const Tensor c = run(noisy, true, 6).layers.back().value();
  EXPECT_EQ(MaxAbsDiff(a, b), 0.0);
  EXPECT_GT(MaxAbsDiff(a, c), 1e-3);
  EXPECT_GT(MaxAbsDiff(a, eval.layers.back().value()), 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Models, SslTrainTest, ::testing::Values("postnorm", "prenorm"));

}  // namespace
}  // namespace voxtools

// tests/unit/nnet/ssl-torchaudio-test.cc
// HuBERT and wav2vec 2.0 against Debian's torchaudio 0.13 (hubert_base, wav2vec2_base, and a
// toy model in wav2vec2 Large-lv60k's layout: LayerNorm conv encoder with conv bias, pre-norm),
// random weights, generated at test time by tests/reference/ssl-torchaudio.py; the weights are
// imported from torchaudio's state dict names. Every output (cnn, proj, layers 0..L, final) on
// 1 s and 3.7 s of audio within 1e-4 + 1e-4 |ref| (the WavLM fixtures' tolerance; the relative
// term because random Base-size weights give a few activations near 10); hubert_base and
// wav2vec2_base also on 20 s (999 frames), all 12 layers (about a minute of test time with
// OpenBLAS's generic kernels: the issue asks for it, and the conv encoder then runs in pieces).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>
#include <unistd.h>
#include <cmath>
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "io/checkpoint.h"
#include "nnet/ssl-model.h"
#include "nnet/ssl-weights.h"
#include "ssl-test-util.h"

namespace voxtools {
namespace {

using test::NpyTensor;
using test::ReadNpy;

std::string Reference(std::string *why) { return test::ReferenceFolder("ssl-torchaudio.py", why); }

struct TorchaudioCase {
  std::string model;
  std::vector<std::string> inputs;  // s1p0, s3p7 or s20p0 (see ssl-torchaudio.py)
};

class SslTorchaudioTest : public ::testing::TestWithParam<TorchaudioCase> {};

TEST_P(SslTorchaudioTest, EveryOutputMatchesTorchaudio) {
  std::string why;
  const std::string ref = Reference(&why);
  if (why.rfind("FAILED", 0) == 0) FAIL() << why;
  if (ref.empty()) GTEST_SKIP() << why;
  const std::string dir = ref + "/" + GetParam().model;
  const Checkpoint ckpt = ReadCheckpoint(dir + "/state_dict.pt");
  std::remove((dir + "/state_dict.pt").c_str());  // 360 MB each for the Base models
  ASSERT_EQ(DetectSslWeightLayout(ckpt), SslWeightLayout::kTorchaudio);
  SslModel model(ReadSslConfigFile(dir + "/config.json"));
  LoadSslWeights(ckpt, SslWeightLayout::kTorchaudio, &model);
  model.Eval();
  const int64_t num_layers = model.config().num_layers;
  NoGradGuard no_grad;
  for (const std::string &which : GetParam().inputs) {
    SCOPED_TRACE(GetParam().model + "/" + which);
    const std::string cd = dir + "/" + which;
    SslOutputRequest req;
    req.cnn = req.proj = req.final = true;
    for (int64_t n = 0; n <= num_layers; n++) req.layers.push_back(n);
    const SslOutputs out =
        model.Forward(Var(NpyTensor(ReadNpy(cd + "/input.npy"))), Tensor(), req);
    auto check = [&](const Var &ours, const std::string &file) {
      const Tensor r = NpyTensor(ReadNpy(cd + "/" + file + ".npy"));
      ASSERT_EQ(ours.shape(), r.shape()) << file;
      double worst = 0;  // excess over 1e-4 + 1e-4 |ref|
      for (int64_t i = 0; i < r.NumElements(); i++) {
        const double d = std::fabs(double(ours.value().Data()[i]) - r.Data()[i]);
        worst = std::max(worst, d - 1e-4 * std::fabs(r.Data()[i]));
        if (std::isnan(d)) worst = INFINITY;
      }
      EXPECT_LE(worst, 1e-4) << file << " (max |ref| " << test::MaxAbs(r) << ")";
      EXPECT_GT(test::MaxAbs(r), 0.1) << file;
    };
    check(out.cnn, "cnn");
    check(out.proj, "proj");
    for (int64_t n = 0; n <= num_layers; n++) {
      char name[16];
      std::snprintf(name, sizeof name, "layer_%02d", static_cast<int>(n));
      check(out.layers[n], name);
    }
    check(out.final, "final");
  }
}

const std::vector<std::string> kShort = {"s1p0", "s3p7"}, kAll = {"s1p0", "s3p7", "s20p0"};

INSTANTIATE_TEST_SUITE_P(
    Models, SslTorchaudioTest,
    ::testing::Values(TorchaudioCase{"hubert_base", kAll}, TorchaudioCase{"wav2vec2_base", kAll},
                      TorchaudioCase{"tiny_prenorm", kShort}),
    [](const ::testing::TestParamInfo<TorchaudioCase> &info) { return info.param.model; });

}  // namespace
}  // namespace voxtools

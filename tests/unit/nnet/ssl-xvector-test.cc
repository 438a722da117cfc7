// tests/unit/nnet/ssl-xvector-test.cc
// The WavLMForXVector head (ssl-xvector.h): its config readers, the architectures check, the
// TDNN layer against the frame-major Linear it stands for, the shortest input, equal-length
// batching and the model file round trip. The numbers against PyTorch are checked end to end
// in tests/cli/ssl-xvector.bats (tests/reference/ssl-xvector-ref.py).
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "base/log.h"
#include "io/json.h"
#include "nnet/embedding-extractor.h"
#include "nnet/ops/shape.h"
#include "nnet/ssl-xvector.h"

namespace voxtools {
namespace {

SslConfig TinySsl() {
  SslConfig c;
  c.conv_layers = {{8, 10, 5}, {8, 3, 2}, {8, 3, 2}, {8, 2, 2}};  // stride 40, field 60
  c.embed_dim = 16;
  c.ffn_dim = 32;
  c.num_heads = 2;
  c.num_layers = 2;
  c.conv_pos = 4;
  c.conv_pos_groups = 2;
  c.num_buckets = 16;
  c.max_distance = 20;
  return c;
}

SslXvectorConfig TinyHead(bool weighted) {
  SslXvectorConfig h;
  h.use_weighted_layer_sum = weighted;
  h.tdnn_dim = {6, 5, 7};
  h.tdnn_kernel = {3, 3, 1};
  h.tdnn_dilation = {1, 2, 1};
  h.xvector_output_dim = 4;
  h.num_labels = 3;
  return h;
}

TEST(SslXvectorConfigTest, HfKeysDefaultsAndLabels) {
  SslXvectorConfig d = SslXvectorConfigFromHf(ParseJson("{\"model_type\": \"wavlm\"}", "t"));
  EXPECT_FALSE(d.use_weighted_layer_sum);
  EXPECT_EQ(d.tdnn_dim, (std::vector<int64_t>{512, 512, 512, 512, 1500}));
  EXPECT_EQ(d.FramesLost(), 14);
  EXPECT_EQ(d.xvector_output_dim, 512);
  EXPECT_EQ(d.num_labels, 2);
  const SslXvectorConfig c = SslXvectorConfigFromHf(ParseJson(
      R"({"use_weighted_layer_sum": true, "tdnn_dim": [8, 9], "tdnn_kernel": [3, 1],
          "tdnn_dilation": [2, 1], "xvector_output_dim": 5, "num_labels": 9,
          "id2label": {"0": "a", "1": "b", "2": "c"}})", "t"));
  EXPECT_TRUE(c.use_weighted_layer_sum);
  EXPECT_EQ(c.num_labels, 3);  // id2label wins, as in transformers
  EXPECT_EQ(c.FramesLost(), 4);
  const SslXvectorConfig r = SslXvectorConfigFromJson(SslXvectorConfigToJson(c));
  EXPECT_EQ(SslXvectorConfigToJson(r).ToString(), SslXvectorConfigToJson(c).ToString());
  EXPECT_THROW(SslXvectorConfigFromHf(ParseJson("{\"tdnn_dim\": [8, 9]}", "t")), Error);
  EXPECT_THROW(SslXvectorConfigFromJson(ParseJson("{\"tdnn_dims\": [8]}", "t")), Error);
}

TEST(SslXvectorConfigTest, Architectures) {
  auto head = [](const std::string &arch, const std::string &type) {
    return SslHfHeadFromConfig(ParseJson(
        "{\"model_type\": \"" + type + "\", \"architectures\": [\"" + arch + "\"]}", "t"));
  };
  EXPECT_EQ(SslHfHeadFromConfig(ParseJson("{\"model_type\": \"wavlm\"}", "t")), SslHfHead::kNone);
  EXPECT_EQ(head("WavLMModel", "wavlm"), SslHfHead::kNone);
  EXPECT_EQ(head("HubertForCTC", "hubert"), SslHfHead::kNone);
  EXPECT_EQ(head("WavLMForXVector", "wavlm"), SslHfHead::kXvector);
  EXPECT_EQ(head("Wav2Vec2ForXVector", "wav2vec2"), SslHfHead::kXvector);
  EXPECT_THROW(head("Wav2Vec2ForXVector", "wavlm"), Error);  // family vs model_type
  EXPECT_THROW(head("HubertForXVector", "hubert"), Error);   // not a transformers class
  EXPECT_THROW(head("WavLMForSomethingElse", "wavlm"), Error);
  EXPECT_THROW(head("UniSpeechSatForXVector", "wavlm"), Error);
}

// transformers' TDNNLayer: y[t] = ReLU(W [x[t]; x[t+d]; ...; x[t+(k-1)d]] + b), frame-major.
TEST(SslXvectorTest, TdnnLayerIsTheFrameMajorLinear) {
  RandomGenerator rng(3);
  const int64_t b = 2, in = 3, out = 4, k = 3, d = 2, t = 12, t_out = t - d * (k - 1);
  SslTdnnLayer layer(in, out, k, d, &rng);
  Tensor x({b, in, t});
  rng.FillNormal(0.0f, 1.0f, &x);
  const Tensor y = layer.Forward(Var(x)).value();
  ASSERT_EQ(y.shape().ToVector(), (std::vector<int64_t>{b, out, t_out}));
  const Tensor &w = layer.Find("kernel/weight").value();
  const Tensor &bias = layer.Find("kernel/bias").value();
  ASSERT_EQ(w.shape().ToVector(), (std::vector<int64_t>{out, k * in}));
  float worst = 0;
  for (int64_t s = 0; s < b; s++)
    for (int64_t o = 0; o < out; o++)
      for (int64_t f = 0; f < t_out; f++) {
        double acc = bias.Data()[o];
        for (int64_t j = 0; j < k; j++)
          for (int64_t c = 0; c < in; c++)
            acc += w.Data()[o * k * in + j * in + c] * x.Data()[(s * in + c) * t + f + j * d];
        const float want = static_cast<float>(std::max(acc, 0.0));
        worst = std::max(worst, std::abs(want - y.Data()[(s * out + o) * t_out + f]));
      }
  EXPECT_LE(worst, 1e-5f);
}

TEST(SslXvectorTest, MinSamplesIsExact) {
  for (bool weighted : {false, true}) {
    SslXvectorModel model(TinySsl(), TinyHead(weighted), 1e-7f);
    const int64_t need = TinyHead(weighted).FramesLost() + 2;
    const int64_t n = model.MinSamples();
    EXPECT_GE(model.ssl_config().NumFrames(n), need);
    EXPECT_LT(model.ssl_config().NumFrames(n - 1), need);
  }
}

TEST(SslXvectorTest, EqualLengthBatchEqualsOneAtATimeAndShortIsAnError) {
  RandomGenerator rng(7);
  SslConfig ssl = TinySsl();
  ssl.normalize = true;
  SslXvectorModel model(ssl, TinyHead(true), 1e-7f, &rng);
  model.Eval();
  const int64_t n = model.MinSamples() + 300;
  Matrix<float> a(1, n), b(1, n), c(1, n + 40), shorter(1, model.MinSamples() - 1);
  for (int64_t i = 0; i < n + 40; i++) {
    if (i < n) a(0, i) = 0.3f * std::sin(0.05f * i) + 0.01f * rng.Normal();
    if (i < n) b(0, i) = 0.2f * std::sin(0.11f * i + 1.0f) + 0.02f * rng.Normal();
    c(0, i) = 0.25f * std::sin(0.07f * i) + 0.01f * rng.Normal();
  }
  std::vector<std::string> errors;
  const std::vector<Vector<float>> together =
      ExtractSslXvectors(model, {&a, &shorter, &b, &c}, 8, &errors);
  EXPECT_EQ(errors[0], "");
  EXPECT_NE(errors[1].find("fewer than the"), std::string::npos) << errors[1];
  EXPECT_EQ(together[1].Dim(), 0);
  const std::vector<const Matrix<float> *> each = {&a, &b, &c};
  const size_t index[] = {0, 2, 3};
  for (size_t i = 0; i < 3; i++) {
    const std::vector<Vector<float>> alone = ExtractSslXvectors(model, {each[i]}, 1, &errors);
    ASSERT_EQ(alone[0].Dim(), 4);
    for (int64_t j = 0; j < 4; j++)
      EXPECT_NEAR(alone[0](j), together[index[i]](j), 1e-5 * (1 + std::abs(alone[0](j))));
  }
  // Normalisation: a louder copy gives the same embedding.
  Matrix<float> loud = a;
  for (int64_t i = 0; i < n; i++) loud(0, i) *= 3.0f;
  const std::vector<Vector<float>> l = ExtractSslXvectors(model, {&loud}, 1, &errors);
  for (int64_t j = 0; j < 4; j++) EXPECT_NEAR(l[0](j), together[0](j), 1e-4);
}

TEST(SslXvectorTest, ModelFileRoundTrip) {
  char tmpl[] = "/tmp/vox-ssl-xvector-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/m.h5";
  RandomGenerator rng(11);
  SslXvectorModel model(TinySsl(), TinyHead(true), 1e-7f, &rng);
  model.Eval();
  WriteSslXvectorModelFile(model, path);
  std::unique_ptr<SslXvectorModel> back = ReadSslXvectorModelFile(path);
  EXPECT_EQ(back->Config().ToString(), model.Config().ToString());
  EXPECT_EQ(back->NumParameters(), model.NumParameters());
  Tensor wave({1, model.MinSamples() + 100});
  rng.FillNormal(0.0f, 0.1f, &wave);
  NoGradGuard no_grad;
  const Tensor x = model.Forward(Var(wave)).value(), y = back->Forward(Var(wave)).value();
  for (int64_t j = 0; j < x.NumElements(); j++) EXPECT_EQ(x.Data()[j], y.Data()[j]);
  // nnet-info's estimate: the encoder's plus the head's per-frame products.
  const double head = 2.0 * 400 * (3 * 16 + 16 * 6 + 6 * 3 * 6 + 6 * 3 * 5 + 5 * 7);
  EXPECT_NEAR(SslXvectorFlopsPerSecond(model.Config()),
              SslForwardFlopsPerSecond(TinySsl()) + head, 1.0);
  unlink(path.c_str());
  rmdir(tmpl);
}

}  // namespace
}  // namespace voxtools

// tests/unit/nnet/ssl-config-test.cc
// SslConfig: the conv-layer expression, the config readers (ours, unilm, HF, conf files) and the
// shipped conf/ssl/*.conf files, whose parameter counts are checked against torchaudio 0.13's
// models (hubert_base 94,370,944; hubert_large 315,434,112; wav2vec2_large 315,427,968;
// wav2vec2_large_lv60k 315,437,696) plus our mask_emb (E), and WavLM Base+'s published
// 94,381,936 (the relative bias table and gates on top of Base's).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "base/log.h"
#include "nnet/ssl-config.h"
#include "nnet/ssl-model.h"

namespace voxtools {
namespace {

// tests run from the repository root (tests/run-tests.sh) or from build/tests.
std::string ConfDir() {
  for (const char *d : {"conf/ssl", "../../conf/ssl"}) {
    std::ifstream probe(std::string(d) + "/wavlm-base.conf");
    if (probe) return d;
  }
  const char *root = std::getenv("VOX_ROOT");
  return root ? std::string(root) + "/conf/ssl" : "conf/ssl";
}

TEST(SslConfigTest, ParsesBothSpellingsOfConvLayers) {
  const auto a = ParseConvFeatureLayers("[(512,10,5)] + [(512,3,2)]*4 + [(512,2,2)]*2");
  const auto b = ParseConvFeatureLayers(" [(512, 10, 5)] + [(512,3,2)] * 4 + [(512,2,2)] * 2 ");
  ASSERT_EQ(a.size(), 7u);
  ASSERT_EQ(b.size(), 7u);
  for (size_t i = 0; i < 7; i++) {
    EXPECT_EQ(a[i].kernel, b[i].kernel);
    EXPECT_EQ(a[i].stride, SslConfig::DefaultConvLayers()[i].stride);
  }
  EXPECT_EQ(ParseConvFeatureLayers(FormatConvFeatureLayers(a)).size(), 7u);
  SslConfig c;
  EXPECT_EQ(c.TotalStride(), 320);
  EXPECT_EQ(c.ReceptiveField(), 400);
  EXPECT_EQ(c.NumFrames(16000), 49);
  EXPECT_EQ(c.NumFrames(399), 0);
  for (const char *bad : {"", "[(512,10)]", "[(512,10,5)] +", "[(512,10,5)] * 0", "(1,2,3)",
                          "[(512,10,5)] x"})
    EXPECT_THROW(ParseConvFeatureLayers(bad), Error) << bad;
}

TEST(SslConfigTest, JsonRoundTripAndStrictness) {
  SslConfig c;
  c.model_type = SslModelType::kHubert;
  c.relative_position_embedding = c.gru_rel_pos = false;
  c.embed_dim = 1024;
  c.num_heads = 16;
  c.layer_norm_first = true;
  c.extractor_mode = SslExtractorMode::kLayerNorm;
  const JsonValue j = SslConfigToJson(c);
  EXPECT_EQ(SslConfigToJson(SslConfigFromJson(j)).ToString(), j.ToString());
  JsonValue typo = j;
  typo.Set("embed_dimm", JsonValue::Int(3));
  EXPECT_THROW(SslConfigFromJson(typo), Error);
  JsonValue bad = j;
  bad.Set("num_heads", JsonValue::Int(7));  // 1024 is not a multiple of 7
  EXPECT_THROW(SslConfigFromJson(bad), Error);
  bad = j;
  bad.Set("extractor_mode", JsonValue::String("batch_norm"));
  EXPECT_THROW(SslConfigFromJson(bad), Error);
}

TEST(SslConfigTest, UnilmDefaultsAreWavLMConfigs) {
  // A cfg that leaves the relative bias out gets WavLMConfig's defaults (off, 1280).
  const SslConfig c = SslConfigFromUnilm(ParseJson("{\"encoder_layers\": 2}", "cfg"),
                                         SslModelType::kWavLM);
  EXPECT_FALSE(c.relative_position_embedding);
  EXPECT_FALSE(c.gru_rel_pos);
  EXPECT_EQ(c.max_distance, 1280);
  EXPECT_EQ(c.num_layers, 2);
  // fairseq's hydra layout nests the model settings.
  const SslConfig f = SslConfigFromAnyJson(
      ParseJson("{\"model\": {\"_name\": \"hubert\", \"encoder_layers\": 3}}", "cfg"), "cfg",
      SslModelType::kHubert);
  EXPECT_EQ(f.num_layers, 3);
}

TEST(SslConfigTest, ShippedConfsBuildModelsOfTheKnownSizes) {
  const struct {
    const char *file;
    int64_t params;
  } kConfs[] = {
      {"wavlm-base.conf", 94381936},        {"wavlm-base-plus.conf", 94381936},
      {"hubert-base.conf", 94370944 + 768}, {"wav2vec2-base.conf", 94370944 + 768},
      {"hubert-large.conf", 315434112 + 1024}, {"wav2vec2-large.conf", 315427968 + 1024},
      {"wav2vec2-large-lv60.conf", 315437696 + 1024},
      // WavLM Large: hubert_large + 320x16 table + 24 gates of (64x8 + 8 + 16).
      {"wavlm-large.conf", 315434112 + 1024 + 320 * 16 + 24 * (64 * 8 + 8 + 16)},
  };
  for (const auto &k : kConfs) {
    const SslConfig c = ReadSslConfigFile(ConfDir() + "/" + k.file);
    SslModel model(c);
    EXPECT_EQ(model.NumParameters(), k.params) << k.file;
  }
}

TEST(SslConfigTest, ConfFileErrorsNameTheFileAndLine) {
  const std::string path = ::testing::TempDir() + "/bad-ssl.conf";
  std::ofstream(path) << "# comment\n--embed-dim=768\nembed-dim 3\n";
  try {
    ReadSslConfigFile(path);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
  std::ofstream(path) << "--embed-dims=768\n";
  EXPECT_THROW(ReadSslConfigFile(path), Error);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace voxtools

namespace voxtools {
namespace {

// DESIGN.md's measured cost of WavLM Base+ is 14.8 GFLOP per second of audio (10 s input).
// Worked by hand for Base: conv encoder 4.93 G (layer 0 0.033 G; 2*512*512*3 x 1600+800+400+
// 200 frames; 2*512*512*2 x 100+50), projection 0.039 G, positional conv 0.472 G, 12 layers x
// 50 frames x (2*(4*768^2 + 2*768*3072) + 4*500*768) = 9.42 G: 14.86 G in all.
TEST(SslConfigTest, ForwardFlopsPerSecondMatchesTheHandCount) {
  const SslConfig base_plus = ReadSslConfigFile(ConfDir() + "/wavlm-base-plus.conf");
  const double flops = SslForwardFlopsPerSecond(base_plus);
  EXPECT_NEAR(flops / 1e9, 14.86, 0.05);
  // Attention is the only part that grows with the length.
  const double longer = SslForwardFlopsPerSecond(base_plus, 20.0);
  EXPECT_NEAR((longer - flops) / 1e9, 12 * 50 * 4.0 * 500 * 768 / 1e9, 1e-6);
  const SslConfig large = ReadSslConfigFile(ConfDir() + "/wavlm-large.conf");
  // 24 layers of 1024 (FFN 4096): 30.2 G linear + 2.46 G attention + 4.93 G conv + 0.84 G
  // positional conv + 0.05 G projection.
  EXPECT_NEAR(SslForwardFlopsPerSecond(large) / 1e9, 38.46, 0.05);
}

}  // namespace
}  // namespace voxtools

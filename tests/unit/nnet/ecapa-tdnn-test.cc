// tests/unit/nnet/ecapa-tdnn-test.cc
// ECAPA-TDNN: full-size parameter counts (C = 512 and 1024), configuration round trip, and a
// reduced-width network's forward and gradients against PyTorch (tests/reference/models-ref.py).
#include "nnet/ecapa-tdnn.h"

#include <gtest/gtest.h>

#include "model-reference.h"

namespace voxtools {
namespace {

TEST(EcapaTdnn, FullSizeParameterCounts) {
  // Counted by the PyTorch reimplementation (models-ref.py --count), which is WeSpeaker's
  // ECAPA_TDNN_GLOB_c512/c1024 (6.19M and 20.76M parameters, 80-dim fbank, 192-dim output).
  std::unique_ptr<EmbeddingModel> c512 = MakeEmbeddingModel(test::LoadModelConf("ecapa-c512"));
  EXPECT_EQ(c512->NumParameters(), 6190720);
  EXPECT_EQ(c512->EmbedDim(), 192);
  std::unique_ptr<EmbeddingModel> c1024 = MakeEmbeddingModel(test::LoadModelConf("ecapa-c1024"));
  EXPECT_EQ(c1024->NumParameters(), 20761152);
  // WeSpeaker's state-dict names.
  EXPECT_EQ(c512->Find("layer3/se_res2block/1/convs/6/weight").Dim(0), 64);
  EXPECT_EQ(c512->Find("pool/linear1/weight").Dim(1), 3 * 1536);
  EXPECT_EQ(c512->Find("bn/running_mean").Dim(0), 3072);
  EXPECT_NO_THROW(c512->Find("layer4/se_res2block/3/linear2/bias"));
}

TEST(EcapaTdnn, ConfigRoundTripAndErrors) {
  EcapaTdnnConfig c;
  c.channels = 96;
  c.pooling.type = PoolingType::kMqmhastp;
  EcapaTdnnConfig back = EcapaTdnnConfig::FromJson(c.ToJson());
  EXPECT_EQ(back.ToJson().ToString(), c.ToJson().ToString());
  std::unique_ptr<EmbeddingModel> m = MakeEmbeddingModel(c.ToJson());
  EXPECT_EQ(m->Config().ToString(), c.ToJson().ToString());
  EXPECT_THROW(EcapaTdnnConfig::FromJson(ParseJson("{\"channels\": 100}", "t")), Error);  // 8 !| 100
  EXPECT_THROW(EcapaTdnnConfig::FromJson(ParseJson("{\"pooling\": {\"type\": \"xx\"}}", "t")),
               Error);
}

TEST(EcapaTdnn, MatchesTorch) {
  // C = 64 (8 channels per Res2Net group), 150 frames, batch 3 (the final batch norm
  // normalises over the batch).
  EcapaTdnnConfig c;
  c.channels = 64, c.embed_dim = 24, c.se_bottleneck = 16;
  c.pooling.bottleneck = 16;
  RandomGenerator rng(3);
  EcapaTdnn m(c, &rng);
  test::CheckEmbeddingModel("ecapa C=64", &m, Shape({3, 150, 80}), 5);
}

TEST(EcapaTdnn, WithoutGlobalContextMatchesTorch) {
  EcapaTdnnConfig c;
  c.feat_dim = 40, c.channels = 32, c.embed_dim = 16, c.se_bottleneck = 8, c.scale = 4;
  c.pooling.bottleneck = 8;
  c.pooling.global_context = false;
  RandomGenerator rng(4);
  EcapaTdnn m(c, &rng);
  test::CheckEmbeddingModel("ecapa C=32 scale 4, no global context", &m, Shape({3, 101, 40}), 6);
}

}  // namespace
}  // namespace voxtools

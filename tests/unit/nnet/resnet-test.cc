// tests/unit/nnet/resnet-test.cc
// ResNet34/ResNet18: full-size parameter counts, configuration round trip, and a reduced
// network's forward and gradients against PyTorch (tests/reference/models-ref.py).
#include "nnet/resnet.h"

#include <gtest/gtest.h>

#include "model-reference.h"

namespace voxtools {
namespace {

TEST(ResNet, FullSizeParameterCounts) {
  // Counted by the PyTorch reimplementation (models-ref.py --count), which is WeSpeaker's
  // ResNet34/ResNet18 (32 base channels, 80-dim fbank, 256-dim embedding, TSTP).
  std::unique_ptr<EmbeddingModel> r34 = MakeEmbeddingModel(test::LoadModelConf("resnet34"));
  EXPECT_EQ(r34->NumParameters(), 6634336);
  EXPECT_EQ(r34->EmbedDim(), 256);
  std::unique_ptr<EmbeddingModel> r18 = MakeEmbeddingModel(test::LoadModelConf("resnet18"));
  EXPECT_EQ(r18->NumParameters(), 4105440);
  // WeSpeaker's state-dict names; the pooled vector is 256 channels x 10 frequencies x 2.
  EXPECT_EQ(r34->Find("layer3/5/conv2/weight").Dim(0), 128);
  EXPECT_EQ(r34->Find("layer2/0/shortcut/0/weight").Dim(1), 32);
  EXPECT_THROW(r34->Find("layer2/1/shortcut/0/weight"), Error);  // identity shortcut
  EXPECT_EQ(r34->Find("seg_1/weight").Dim(1), 2 * 256 * 10);
}

TEST(ResNet, ConfigRoundTripAndErrors) {
  ResNetConfig c;
  c.num_blocks = {1, 2, 1, 1};
  c.two_emb_layer = true;
  EXPECT_EQ(ResNetConfig::FromJson(c.ToJson()).ToJson().ToString(), c.ToJson().ToString());
  EXPECT_THROW(ResNetConfig::FromJson(ParseJson("{\"num_blocks\": [1, 2, 3]}", "t")), Error);
  EXPECT_THROW(ResNetConfig::FromJson(ParseJson("{\"num_blocks\": [1, 0, 1, 1]}", "t")), Error);
}

TEST(ResNet, MatchesTorch) {
  // 8 base channels, blocks [2, 1, 1, 1] (identity and projection shortcuts both), 40-dim
  // input with an odd frequency count after the first stride (40 -> 20 -> 10 -> 5), 100
  // frames (-> 13), batch 2.
  ResNetConfig c;
  c.feat_dim = 40, c.base_channels = 8, c.num_blocks = {2, 1, 1, 1}, c.embed_dim = 32;
  RandomGenerator rng(9);
  ResNet m(c, &rng);
  test::CheckEmbeddingModel("resnet base 8", &m, Shape({2, 100, 40}), 13);
}

TEST(ResNet, TwoEmbeddingLayersAndOddSizesMatchTorch) {
  // 36 bins (-> 18, 9, 5: a ceil), 37 frames, WeSpeaker's second embedding layer, ASTP.
  ResNetConfig c;
  c.feat_dim = 36, c.base_channels = 4, c.num_blocks = {1, 1, 1, 1}, c.embed_dim = 16;
  c.two_emb_layer = true;
  c.pooling.type = PoolingType::kAstp;
  c.pooling.bottleneck = 8;
  RandomGenerator rng(10);
  ResNet m(c, &rng);
  test::CheckEmbeddingModel("resnet base 4, two layers", &m, Shape({3, 37, 36}), 14);
}

}  // namespace
}  // namespace voxtools

// tests/unit/nnet/tdnn-xvector-test.cc
// The x-vector TDNN: full-size parameter count, configuration round trip and errors, and a
// reduced-width network's forward and gradients against PyTorch (tests/reference/models-ref.py).
#include "nnet/tdnn-xvector.h"

#include <gtest/gtest.h>

#include "model-reference.h"

namespace voxtools {
namespace {

TEST(TdnnXvector, FullSizeParameterCount) {
  // Counted by the PyTorch reimplementation (models-ref.py --count): Kaldi's sizes, 30-dim
  // MFCC input, without the classifier.
  std::unique_ptr<EmbeddingModel> m = MakeEmbeddingModel(test::LoadModelConf("xvector"));
  EXPECT_EQ(m->NumParameters(), 4482524);
  EXPECT_EQ(m->EmbedDim(), 512);
  EXPECT_EQ(m->FeatDim(), 30);
  EXPECT_NO_THROW(m->Find("frame_3/conv_1d/weight"));
  EXPECT_EQ(m->Find("frame_3/conv_1d/weight").Dim(2), 3);
  EXPECT_NO_THROW(m->Find("seg_bn_2/running_var"));
}

TEST(TdnnXvector, ConfigRoundTripAndErrors) {
  TdnnXvectorConfig c;
  c.hidden_dim = 64;
  c.segment7_relu_bn = false;
  TdnnXvectorConfig back = TdnnXvectorConfig::FromJson(c.ToJson());
  EXPECT_EQ(back.ToJson().ToString(), c.ToJson().ToString());
  EXPECT_THROW(TdnnXvectorConfig::FromJson(ParseJson("{\"hiden_dim\": 3}", "t")), Error);
  EXPECT_THROW(TdnnXvectorConfig::FromJson(ParseJson("{\"hidden_dim\": 0}", "t")), Error);
  EXPECT_THROW(TdnnXvectorConfig::FromJson(ParseJson("{\"hidden_dim\": \"8\"}", "t")), Error);
  EXPECT_THROW(MakeEmbeddingModel(ParseJson("{\"type\": \"tdnn\"}", "t")), Error);
}

TEST(TdnnXvector, RejectsShortOrWrongInput) {
  TdnnXvectorConfig c;
  c.hidden_dim = 8, c.stats_dim = 8, c.embed_dim = 4;
  TdnnXvector m(c);
  EXPECT_THROW(m.Forward(Var(Tensor({1, 15, 30}))), Error);  // 15 < 16 frames
  EXPECT_THROW(m.Forward(Var(Tensor({1, 40, 29}))), Error);
  EXPECT_NO_THROW(m.Forward(Var(Tensor({2, 16, 30}))));
}

TEST(TdnnXvector, MatchesTorch) {
  // Reduced widths for speed on two cores; the structure is the full one. Batch 3 so that
  // the segment-level batch norms see more than two samples.
  for (bool kaldi : {true, false}) {
    TdnnXvectorConfig c;
    c.hidden_dim = 48, c.stats_dim = 96, c.embed_dim = 32;
    c.segment7_relu_bn = kaldi;
    RandomGenerator rng(7);
    TdnnXvector m(c, &rng);
    test::CheckEmbeddingModel(kaldi ? "xvector (kaldi)" : "xvector (wespeaker)", &m,
                              Shape({3, 120, 30}), 11);
    if (::testing::Test::IsSkipped()) return;
  }
}

}  // namespace
}  // namespace voxtools

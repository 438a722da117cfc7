// tests/unit/nnet/embedding-extractor-test.cc
// ExtractEmbeddings (several utterances, equal-length inputs batched together) gives what
// ExtractEmbedding gives one utterance at a time with batch size 1, whole utterances and
// chunks; bad utterances fail alone.
#include "nnet/embedding-extractor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "model-reference.h"
#include "nnet/ecapa-tdnn.h"

namespace voxtools {
namespace {

Matrix<float> RandomFeats(RandomGenerator *rng, int64_t rows, int64_t cols) {
  Tensor t = Tensor::Empty({rows, cols});
  rng->FillNormal(0.5f, 1.0f, &t);
  Matrix<float> m(rows, cols);
  std::copy(t.Data(), t.Data() + rows * cols, m.Row(0));
  return m;
}

// Batched against one at a time (batch size 1), within 1e-5 of the embedding's largest value:
// the only difference allowed is the rounding of larger matrix products.
void CheckBatchedMatchesSingle(EmbeddingModel *model, const std::string &what) {
  model->Eval();
  RandomGenerator rng(7);
  const int64_t dim = model->FeatDim();
  // Lengths with repeats (batched together), singletons, and one too short to run.
  const std::vector<int64_t> lengths = {120, 120, 90, 120, 90, 137, 120, 1};
  std::vector<Matrix<float>> feats;
  for (int64_t len : lengths) feats.push_back(RandomFeats(&rng, len, dim));
  feats.push_back(RandomFeats(&rng, 120, dim + 1));  // wrong dimension
  feats.push_back(RandomFeats(&rng, 120, dim));
  feats.back()(5, 2) = std::numeric_limits<float>::quiet_NaN();
  std::vector<const Matrix<float> *> ptrs;
  for (const auto &f : feats) ptrs.push_back(&f);
  for (int32_t chunk : {0, 50}) {
    EmbeddingExtractOptions batched, single;
    batched.chunk_frames = single.chunk_frames = chunk;
    batched.batch_size = 4;
    single.batch_size = 1;
    std::vector<std::string> errors;
    std::vector<Vector<float>> got = ExtractEmbeddings(model, ptrs, batched, &errors);
    ASSERT_EQ(got.size(), feats.size());
    ASSERT_EQ(errors.size(), feats.size());
    for (size_t i = 0; i < feats.size(); i++) {
      SCOPED_TRACE(what + ", chunk " + std::to_string(chunk) + ", utterance " +
                   std::to_string(i));
      if (i + 3 >= feats.size()) {  // too short, wrong dimension, NaN
        EXPECT_FALSE(errors[i].empty());
        EXPECT_EQ(got[i].Dim(), 0);
        EXPECT_THROW(ExtractEmbedding(model, feats[i], single), Error);
        continue;
      }
      EXPECT_EQ(errors[i], "");
      Vector<float> want = ExtractEmbedding(model, feats[i], single);
      ASSERT_EQ(got[i].Dim(), want.Dim());
      double scale = 0, diff = 0;
      for (int64_t j = 0; j < want.Dim(); j++) {
        scale = std::max(scale, std::fabs(static_cast<double>(want(j))));
        diff = std::max(diff, std::fabs(static_cast<double>(got[i](j)) - want(j)));
      }
      EXPECT_GT(scale, 0.0);
      EXPECT_LE(diff, 1e-5 * scale) << "max difference " << diff << ", largest value " << scale;
    }
  }
}

TEST(EmbeddingExtractor, BatchedMatchesOneAtATimeEcapa) {
  EcapaTdnnConfig c;
  c.channels = 64, c.embed_dim = 24, c.se_bottleneck = 16;
  c.pooling.bottleneck = 16;
  RandomGenerator rng(3);
  EcapaTdnn m(c, &rng);
  // Batch-norm statistics that are not the identity, from training-mode forwards.
  m.Train();
  for (int i = 0; i < 2; i++) {
    Tensor x = Tensor::Empty({4, 100, 80});
    rng.FillNormal(0.3f, 2.0f, &x);
    NoGradGuard no_grad;
    m.Forward(Var(x));
  }
  CheckBatchedMatchesSingle(&m, "ecapa C=64");
}

TEST(EmbeddingExtractor, BatchedMatchesOneAtATimeOtherFamilies) {
  RandomGenerator rng(5);
  for (const char *conf : {"xvector", "resnet18"}) {
    std::unique_ptr<EmbeddingModel> m = MakeEmbeddingModel(test::LoadModelConf(conf), &rng);
    CheckBatchedMatchesSingle(m.get(), conf);
  }
}

}  // namespace
}  // namespace voxtools

// tests/unit/nnet/ssl-batch-test.cc
// The exact batched forward (SslModel::Forward with per-utterance lengths): every output of a
// padded batch, on each utterance's valid frames, equals the output of that utterance alone
// within 1e-5 max-abs (float32 rounding only: the batch changes GEMM shapes and the softmax's
// summation length, never the arithmetic), and reads exactly 0 on padded frames. Run on the
// two WavLM fixture models (group-norm post-norm Base layout; layer-norm pre-norm Large layout
// with waveform normalisation) and a random HuBERT-like model. The padding samples are loud
// noise with an offset, never zeros, so a GroupNorm whose statistics saw them would fail; the
// official padding-mask path on the same batch is checked to differ, proving the point.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "io/checkpoint.h"
#include "nnet/autograd.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/reduce.h"
#include "nnet/random.h"
#include "nnet/ssl-model.h"
#include "nnet/ssl-weights.h"
#include "ssl-test-util.h"

namespace voxtools {
namespace {

using test::MaxAbs;

constexpr double kTol = 1e-5;

std::unique_ptr<SslModel> FixtureModel(const std::string &name) {
  Checkpoint ckpt = ReadCheckpoint(test::SslFixtureDir() + "/" + name + "/checkpoint.pt");
  const SslWeightLayout wl = DetectSslWeightLayout(ckpt);
  auto model = std::make_unique<SslModel>(SslConfigFromCheckpoint(ckpt, wl));
  LoadSslWeights(ckpt, wl, model.get());
  model->Eval();
  return model;
}

// HuBERT Base's layout (group-norm conv encoder without bias, post-norm, no relative bias) at
// toy width, random weights.
std::unique_ptr<SslModel> RandomHubertLike() {
  SslConfig c;
  c.model_type = SslModelType::kHubert;
  c.conv_layers = ParseConvFeatureLayers("[(32,10,5)] + [(32,3,2)] * 4 + [(32,2,2)] * 2");
  c.embed_dim = 48;
  c.ffn_dim = 96;
  c.num_heads = 4;
  c.num_layers = 3;
  c.conv_pos = 16;
  c.conv_pos_groups = 4;
  c.relative_position_embedding = c.gru_rel_pos = false;
  RandomGenerator rng(5);
  auto model = std::make_unique<SslModel>(c, &rng);
  // The default conv init shrinks activations about 3x per block: scale blocks 1.. up so that
  // the CNN output is O(1) and a 1e-5 comparison means something (as ssl-torchaudio.py does).
  for (size_t i = 1; i < c.conv_layers.size(); i++) {
    Var w = model->Find("feature_extractor/conv_layers/" + std::to_string(i) + "/conv/weight");
    float *p = w.MutableValue().Data();
    for (int64_t k = 0; k < w.NumElements(); k++) p[k] *= 3.0f;
  }
  model->Eval();
  return model;
}

SslOutputRequest Everything(const SslModel &model) {
  SslOutputRequest req;
  req.cnn = req.proj = req.final = true;
  for (int64_t n = 0; n <= model.config().num_layers; n++) req.layers.push_back(n);
  return req;
}

std::vector<Var> Flatten(const SslOutputs &out) {
  std::vector<Var> all = {out.cnn, out.proj};
  all.insert(all.end(), out.layers.begin(), out.layers.end());
  all.push_back(out.final);
  return all;
}

std::string OutputName(size_t i, size_t count) {
  if (i == 0) return "cnn";
  if (i == 1) return "proj";
  if (i + 1 == count) return "final";
  return "layer " + std::to_string(i - 2);
}

// Speech-like scale for the utterances (0.1 N(0, 1)); the padding is 0.5 + U(-1, 1): nonzero
// mean and larger variance, so that it would move any statistic it leaked into.
struct Batch {
  std::vector<Tensor> utts;  // (1, lengths[b]) each, normalised if the model wants it
  Tensor wave;               // (B, N)
  std::vector<int64_t> lengths;
};

Batch MakeBatch(const SslConfig &config, const std::vector<int64_t> &lengths, int64_t n,
                uint64_t seed) {
  RandomGenerator rng(seed);
  Batch batch;
  batch.lengths = lengths;
  const int64_t b = static_cast<int64_t>(lengths.size());
  batch.wave = Tensor({b, n});
  for (int64_t r = 0; r < b; r++) {
    float *row = batch.wave.Data() + r * n;
    for (int64_t i = 0; i < n; i++)
      row[i] = i < lengths[r] ? 0.1f * rng.Normal() : 0.5f + 2.0f * rng.Uniform() - 1.0f;
  }
  // Each utterance alone, normalised on its own when the model says so; the batch normalises
  // each row over its own samples, which must give the same values.
  for (int64_t r = 0; r < b; r++) {
    Tensor u({1, lengths[r]});
    std::copy(batch.wave.Data() + r * n, batch.wave.Data() + r * n + lengths[r], u.Data());
    if (config.normalize) NormalizeWaveform(u.Data(), lengths[r]);
    batch.utts.push_back(u);
  }
  if (config.normalize) NormalizeWaveform(&batch.wave, lengths);
  return batch;
}

// Every output of the batch on row r's frames [0, t_r) against the utterance alone; padded
// frames must read 0. Returns the worst difference seen.
double CheckBatchEqualsAlone(const SslModel &model, const Batch &batch,
                             const SslForwardOptions &opts = {}) {
  NoGradGuard no_grad;
  const SslOutputRequest req = Everything(model);
  const SslOutputs out = model.Forward(Var(batch.wave), batch.lengths, req, opts);
  const std::vector<Var> all = Flatten(out);
  const int64_t t = all[0].Dim(1);
  EXPECT_EQ(t, model.config().NumFrames(batch.wave.Dim(1)));
  EXPECT_EQ(out.num_frames.size(), batch.lengths.size());
  double worst = 0;
  for (size_t r = 0; r < batch.lengths.size(); r++) {
    const int64_t tr = model.config().NumFrames(batch.lengths[r]);
    EXPECT_EQ(out.num_frames[r], tr);
    if (tr < t) {
      EXPECT_TRUE(out.frame_mask.Defined());
      if (out.frame_mask.Defined()) {
        for (int64_t f = 0; f < t; f++)
          EXPECT_EQ(out.frame_mask.Data()[r * t + f], f < tr ? 0.0f : 1.0f) << "frame " << f;
      }
    }
    const std::vector<Var> alone = Flatten(model.Forward(Var(batch.utts[r]), Tensor(), req, opts));
    for (size_t i = 0; i < all.size(); i++) {
      SCOPED_TRACE("row " + std::to_string(r) + " (" + std::to_string(batch.lengths[r]) +
                   " samples), " + OutputName(i, all.size()));
      const Tensor &a = all[i].value(), &s = alone[i].value();
      const int64_t d = a.Dim(2);
      if (s.Dim(1) != tr || s.Dim(2) != d) {
        ADD_FAILURE() << "alone: " << s.shape().ToString() << ", expected " << tr << " frames";
        continue;
      }
      double diff = 0, pad = 0;
      for (int64_t f = 0; f < t; f++)
        for (int64_t k = 0; k < d; k++) {
          const float v = a.Data()[(r * t + f) * d + k];
          if (f < tr) {
            diff = std::max(diff, std::fabs(double(v) - s.Data()[f * d + k]));
          } else {
            pad = std::max(pad, std::fabs(double(v)));
          }
        }
      EXPECT_LE(diff, kTol);
      EXPECT_EQ(pad, 0.0) << "padded frames";
      EXPECT_GT(MaxAbs(s), 0.1) << "a near-zero output proves nothing";
      worst = std::max(worst, diff);
    }
  }
  return worst;
}

// The largest difference between the official padding-mask path on the same batch and each
// utterance alone, over the valid frames of the final output.
double OfficialPathDeviation(const SslModel &model, const Batch &batch) {
  NoGradGuard no_grad;
  SslOutputRequest req;
  req.final = true;
  const int64_t b = batch.wave.Dim(0), n = batch.wave.Dim(1);
  Tensor padding({b, n});
  for (int64_t r = 0; r < b; r++)
    for (int64_t i = batch.lengths[r]; i < n; i++) padding.Data()[r * n + i] = 1.0f;
  const Tensor y = model.Forward(Var(batch.wave), padding, req).final.value();
  const int64_t t = y.Dim(1), d = y.Dim(2);
  double worst = 0;
  for (int64_t r = 0; r < b; r++) {
    const Tensor s = model.Forward(Var(batch.utts[r]), Tensor(), req).final.value();
    for (int64_t f = 0; f < s.Dim(1); f++)
      for (int64_t k = 0; k < d; k++)
        worst = std::max(worst, std::fabs(double(y.Data()[(r * t + f) * d + k]) -
                                          s.Data()[f * d + k]));
  }
  return worst;
}

// Lengths: one exactly a whole number of hops past the receptive field, one not a multiple of
// the hop, a short one, and a long one; the batch is padded past the longest, so every row
// has padding samples (the longest a partly padded frame's worth: 250 < one hop).
const std::vector<int64_t> kLengths = {16000, 9137, 2345, 400 + 320 * 20};
constexpr int64_t kPadded = 16250;

class SslBatchTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SslBatchTest, BatchEqualsEachUtteranceAlone) {
  if (GetParam() != "hubert_like" && test::SslFixtureDir().empty())
    GTEST_SKIP() << "SSL fixtures not found (set VOX_FIXTURES)";
  const std::unique_ptr<SslModel> model =
      GetParam() == "hubert_like" ? RandomHubertLike() : FixtureModel(GetParam());
  const Batch batch = MakeBatch(model->config(), kLengths, kPadded, 21);
  CheckBatchEqualsAlone(*model, batch);
  // A batch of one with padding, and one without any (lengths == N, no mask at all).
  CheckBatchEqualsAlone(*model, MakeBatch(model->config(), {7001}, 9000, 22));
  CheckBatchEqualsAlone(*model, MakeBatch(model->config(), {7001}, 7001, 23));
  // Blocked attention (the relative-bias path) with a ragged last block: the same.
  SslForwardOptions blocked;
  blocked.attention_block = 7;
  CheckBatchEqualsAlone(*model, batch, blocked);
  // The official rule lets the padding into the first GroupNorm's statistics: far off.
  if (model->config().extractor_mode == SslExtractorMode::kGroupNorm) {
    EXPECT_GT(OfficialPathDeviation(*model, batch), 1e-2)
        << "the padding should move the official path's outputs; this test lost its teeth";
  }
}

// Inference runs the conv encoder in pieces of output frames on long inputs
// (ssl-feature-encoder.h); with pieces of 7 frames (the batch has 50) every output equals the
// whole computation (float rounding of the GroupNorm statistics aside), on the exact batched
// path, the official padding-mask path and a single utterance; the batch still equals each
// utterance alone.
TEST_P(SslBatchTest, ConvEncoderInPiecesEqualsWhole) {
  if (GetParam() != "hubert_like" && test::SslFixtureDir().empty())
    GTEST_SKIP() << "SSL fixtures not found (set VOX_FIXTURES)";
  const std::unique_ptr<SslModel> model =
      GetParam() == "hubert_like" ? RandomHubertLike() : FixtureModel(GetParam());
  const Batch batch = MakeBatch(model->config(), kLengths, kPadded, 41);
  SslForwardOptions pieces, whole;
  pieces.conv_chunk_frames = 7;
  whole.conv_chunk_frames = -1;
  const SslOutputRequest req = Everything(*model);
  NoGradGuard no_grad;
  const int64_t b = batch.wave.Dim(0), n = batch.wave.Dim(1);
  Tensor padding({b, n});
  for (int64_t r = 0; r < b; r++)
    for (int64_t i = batch.lengths[r]; i < n; i++) padding.Data()[r * n + i] = 1.0f;
  for (int path = 0; path < 3; path++) {
    SCOPED_TRACE(path == 0 ? "lengths" : path == 1 ? "official padding mask" : "one utterance");
    auto run = [&](const SslForwardOptions &o) {
      if (path == 0) return Flatten(model->Forward(Var(batch.wave), batch.lengths, req, o));
      if (path == 1) return Flatten(model->Forward(Var(batch.wave), padding, req, o));
      return Flatten(model->Forward(Var(batch.utts[0]), Tensor(), req, o));
    };
    const std::vector<Var> a = run(pieces), w = run(whole);
    ASSERT_EQ(a.size(), w.size());
    for (size_t i = 0; i < a.size(); i++) {
      ASSERT_EQ(a[i].shape(), w[i].shape()) << OutputName(i, a.size());
      EXPECT_LE(test::MaxAbsDiff(a[i].value(), w[i].value()), kTol) << OutputName(i, a.size());
      EXPECT_GT(MaxAbs(w[i].value()), 0.1) << OutputName(i, a.size());
    }
  }
  CheckBatchEqualsAlone(*model, batch, pieces);
}

INSTANTIATE_TEST_SUITE_P(Models, SslBatchTest,
                         ::testing::Values("base_tiny", "large_tiny", "hubert_like"));

TEST(SslBatchTest, BadLengthsAreRefused) {
  auto model = RandomHubertLike();
  NoGradGuard no_grad;
  SslOutputRequest req;
  req.final = true;
  const Var wave(Tensor({2, 1000}));
  const int64_t rf = model->config().ReceptiveField();
  EXPECT_THROW(model->Forward(wave, std::vector<int64_t>{1000}, req), Error);         // count
  EXPECT_THROW(model->Forward(wave, std::vector<int64_t>{1000, 1001}, req), Error);   // > N
  EXPECT_THROW(model->Forward(wave, std::vector<int64_t>{1000, rf - 1}, req), Error); // < 1 frame
  EXPECT_NO_THROW(model->Forward(wave, std::vector<int64_t>{1000, rf}, req));
}

// Training batches too: the gradient of a loss summed over the valid frames of a batch equals
// the sum of the per-utterance gradients (through the masked GroupNorm's backward, the masked
// attention and the zeroed positional-conv input).
TEST(SslBatchTest, BatchGradientsEqualSumOfUtteranceGradients) {
  auto model = RandomHubertLike();
  model->SetRequiresGrad(true);
  const std::vector<int64_t> lengths = {5000, 3333, 1234};
  const Batch batch = MakeBatch(model->config(), lengths, 5600, 31);
  SslOutputRequest req;
  req.final = true;
  // loss = sum(final * R) with a fixed random R (B, T, E); padded frames read 0 and add nothing.
  const int64_t b = 3, t = model->config().NumFrames(5600), e = model->config().embed_dim;
  RandomGenerator rng(32);
  Tensor weights({b, t, e});
  rng.FillUniform(-1.0f, 1.0f, &weights);
  const std::vector<std::pair<std::string, Var>> named = model->NamedParameters();

  model->ZeroGrad();
  SumAll(Mul(model->Forward(Var(batch.wave), lengths, req).final, Var(weights))).Backward();
  std::vector<Tensor> batched;
  for (const auto &p : named) batched.push_back(p.second.grad().Clone());

  model->ZeroGrad();  // the per-utterance gradients accumulate
  for (int64_t r = 0; r < b; r++) {
    const int64_t tr = model->config().NumFrames(lengths[r]);
    Tensor wr({1, tr, e});
    std::copy(weights.Data() + r * t * e, weights.Data() + (r * t + tr) * e, wr.Data());
    SumAll(Mul(model->Forward(Var(batch.utts[r]), Tensor(), req).final, Var(wr))).Backward();
  }
  // Gradients sum many float32 products: 1e-4 relative to each parameter's largest gradient.
  for (size_t i = 0; i < named.size(); i++) {
    // mask_emb is unused in the forward pass; a key bias shifts every score of a query
    // equally, so softmax makes its true gradient 0 (both sides hold float noise of ~1e-7).
    const std::string &name = named[i].first;
    if (name == "mask_emb" || name.find("k_proj/bias") != std::string::npos) continue;
    const Tensor &summed = named[i].second.grad();
    ASSERT_TRUE(summed.Defined() && batched[i].Defined()) << name;
    const double scale = MaxAbs(summed);
    EXPECT_GT(scale, 0.0) << name;
    EXPECT_LE(test::MaxAbsDiff(batched[i], summed), 1e-4 * scale) << name;
  }
}

}  // namespace
}  // namespace voxtools

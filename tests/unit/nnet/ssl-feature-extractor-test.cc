// tests/unit/nnet/ssl-feature-extractor-test.cc
// The planning parts of SslFeatureExtractor, each against a brute-force statement of its rule:
// windows (every frame exactly once, from the window in which it is farthest from an edge,
// starts on the conv grid, the last window ending at the last frame), batches (every chunk
// once, within the count and padded-samples caps, longest first), and --layer-weights
// parsing; and, on the large_tiny fixture model (waveform normalisation on), that the
// one-utterance Compute, batches, windows longer than the utterance and the keys layout agree.
// The numbers the features hold are checked further by tests/cli/compute-ssl-feats*.bats.
#include "nnet/ssl-feature-extractor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "base/log.h"
#include "io/checkpoint.h"
#include "nnet/ssl-weights.h"
#include "ssl-test-util.h"

namespace voxtools {
namespace {

TEST(SslWindowPlanTest, EveryFrameOnceFromTheWindowWhereItIsFarthestFromAnEdge) {
  const SslConfig c;  // 400-sample receptive field, 320-sample hop
  int64_t cases = 0;
  for (int64_t t : {1, 2, 7, 49, 50, 51, 100, 187, 500}) {
    const int64_t n = (t - 1) * 320 + 400 + (t % 3) * 100;  // some samples past the last frame
    ASSERT_EQ(c.NumFrames(n), t);
    for (int64_t w : {0, 1, 2, 5, 16, 50, 499, 600}) {
      for (int64_t s = 1; s <= std::max<int64_t>(w, 1); s += std::max<int64_t>(1, w / 4)) {
        const std::vector<SslChunk> plan = SslWindowPlan(c, 7, n, w, s);
        if (w == 0 || w >= t) {
          ASSERT_EQ(plan.size(), 1u);
          EXPECT_EQ(plan[0].start, 0);
          EXPECT_EQ(plan[0].length, n);  // the whole utterance, as without windows
          EXPECT_EQ(plan[0].keep_begin, 0);
          EXPECT_EQ(plan[0].keep_end, t);
          continue;
        }
        std::vector<int> owner_count(t, 0);
        for (size_t k = 0; k < plan.size(); k++) {
          const SslChunk &ch = plan[k];
          EXPECT_EQ(ch.utt, 7);
          EXPECT_EQ(ch.start % 320, 0);
          EXPECT_EQ(ch.length, (w - 1) * 320 + 400);
          EXPECT_EQ(c.NumFrames(ch.length), w);
          EXPECT_LE(ch.start + ch.length, n);
          if (k > 0) {
            EXPECT_LE(ch.start - plan[k - 1].start, s * 320);  // no gaps
          }
          const int64_t s0 = ch.start / 320;
          for (int64_t j = ch.keep_begin; j < ch.keep_end; j++) {
            ASSERT_GE(j, 0);
            ASSERT_LT(j, w);
            const int64_t f = s0 + j;
            owner_count[f]++;
            // Brute force: no window holds f farther from its edges (ties: earlier window).
            const int64_t mine = std::min(j, w - 1 - j);
            for (size_t q = 0; q < plan.size(); q++) {
              const int64_t sq = plan[q].start / 320;
              if (f < sq || f >= sq + w) continue;
              const int64_t other = std::min(f - sq, sq + w - 1 - f);
              if (q < k) {
                EXPECT_LT(other, mine) << "t " << t << " w " << w << " s " << s;
              } else if (q > k) {
                EXPECT_LE(other, mine) << "t " << t << " w " << w << " s " << s;
              }
            }
          }
        }
        EXPECT_EQ(plan.back().start / 320 + w, t);  // the last window ends at the last frame
        for (int64_t f = 0; f < t; f++) ASSERT_EQ(owner_count[f], 1) << "frame " << f;
        cases++;
      }
    }
  }
  EXPECT_GT(cases, 50);
}

TEST(SslWindowPlanTest, ShiftEqualToWindowTilesWithoutOverlap) {
  const SslConfig c;
  const int64_t t = 23, n = (t - 1) * 320 + 400;
  const std::vector<SslChunk> plan = SslWindowPlan(c, 0, n, 5, 5);
  ASSERT_EQ(plan.size(), 5u);    // starts 0, 5, 10, 15, then 18 (moved back to end at 23)
  for (int k = 0; k < 3; k++) {  // plain tiling: each keeps all of its 5 frames
    EXPECT_EQ(plan[k].start, 5 * k * 320);
    EXPECT_EQ(plan[k].keep_begin, 0);
    EXPECT_EQ(plan[k].keep_end, 5);
  }
  // Centres 17 and 20 share frames 18 (nearer 17) and 19 (nearer 20).
  EXPECT_EQ(plan[3].start, 15 * 320);
  EXPECT_EQ(plan[3].keep_begin, 0);
  EXPECT_EQ(plan[3].keep_end, 4);
  EXPECT_EQ(plan[4].start, 18 * 320);
  EXPECT_EQ(plan[4].keep_begin, 1);
  EXPECT_EQ(plan[4].keep_end, 5);
}

TEST(SslBatchPlanTest, LongestFirstWithinBothCaps) {
  const std::vector<int64_t> lengths = {500, 90, 3000, 90, 1200, 700, 700, 50, 4000, 10};
  for (int64_t max_per : {1, 2, 3, 10}) {
    for (int64_t cap : {0, 1000, 2500, 100000}) {
      const std::vector<std::vector<int64_t>> plan = SslBatchPlan(lengths, max_per, cap);
      std::vector<int64_t> seen;
      int64_t prev = -1;
      for (const std::vector<int64_t> &batch : plan) {
        ASSERT_FALSE(batch.empty());
        EXPECT_LE(static_cast<int64_t>(batch.size()), max_per);
        int64_t longest = 0;
        for (int64_t i : batch) {
          longest = std::max(longest, lengths[i]);
          if (prev >= 0) {
            // Longest first overall, ties in input order.
            EXPECT_TRUE(lengths[prev] > lengths[i] || (lengths[prev] == lengths[i] && prev < i));
          }
          prev = i;
          seen.push_back(i);
        }
        if (cap > 0 && batch.size() > 1) {
          EXPECT_LE(longest * static_cast<int64_t>(batch.size()), cap);
        }
      }
      std::sort(seen.begin(), seen.end());
      ASSERT_EQ(seen.size(), lengths.size());
      for (size_t i = 0; i < seen.size(); i++) EXPECT_EQ(seen[i], static_cast<int64_t>(i));
    }
  }
  // Greedy packing: with no cap, batches are full except the last.
  const auto plan = SslBatchPlan(lengths, 3, 0);
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[0], (std::vector<int64_t>{8, 2, 4}));
  EXPECT_EQ(plan[3], (std::vector<int64_t>{9}));
}

TEST(SslLayerWeightsTest, CommaListOrFile) {
  EXPECT_EQ(ReadSslLayerWeights("0.5,-1,2e-1"), (std::vector<float>{0.5f, -1.0f, 0.2f}));
  EXPECT_EQ(ReadSslLayerWeights("3"), (std::vector<float>{3.0f}));
  const std::string path = testing::TempDir() + "ssl-layer-weights.txt";
  {
    std::ofstream os(path);
    os << "0.25\n-0.5\n\n1.5\n";
  }
  EXPECT_EQ(ReadSslLayerWeights(path), (std::vector<float>{0.25f, -0.5f, 1.5f}));
  {
    std::ofstream os(path);
    os << "0.25\nseven\n";
  }
  try {
    ReadSslLayerWeights(path);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_NE(e.reason().find("'seven' is not a number"), std::string::npos) << e.reason();
  }
  std::remove(path.c_str());
  try {
    ReadSslLayerWeights("0.5,x");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_NE(e.reason().find("not a comma list of numbers, and not a readable file"),
              std::string::npos)
        << e.reason();
  }
  EXPECT_THROW(ReadSslLayerWeights("1,nan"), Error);
}

TEST(SslFeatureExtractorTest, BatchesWindowsAndLayoutsAgreeWithOneUtteranceAtATime) {
  const std::string root = test::SslFixtureDir();
  if (root.empty()) GTEST_SKIP() << "SSL fixtures not found (set VOX_FIXTURES)";
  Checkpoint ckpt = ReadCheckpoint(root + "/large_tiny/checkpoint.pt");
  const SslWeightLayout wl = DetectSslWeightLayout(ckpt);
  SslModel model(SslConfigFromCheckpoint(ckpt, wl));
  LoadSslWeights(ckpt, wl, &model);
  model.Eval();
  ASSERT_TRUE(model.config().normalize);
  const test::Npy wav = test::ReadNpy(root + "/inputs/wav_3p7s.npy");
  std::vector<std::vector<float>> waves;
  for (int64_t n : {59200, 16000, 11111, 30000})  // different lengths, different contents
    waves.emplace_back(wav.data.end() - n, wav.data.end());

  SslFeatureOptions concat_opts;
  concat_opts.layers = "1,final,3";
  const SslFeatureExtractor concat(model, concat_opts);
  SslFeatureOptions keys_opts = concat_opts;
  keys_opts.layers_layout = "keys";
  keys_opts.window_secs = 10;  // longer than every utterance: whole mode
  keys_opts.window_shift = 5;
  const SslFeatureExtractor keys(model, keys_opts);
  ASSERT_EQ(keys.NumOutputs(), 3);
  EXPECT_EQ(keys.OutputNames(), (std::vector<std::string>{"L1", "final", "L3"}));

  SslBatchOptions batch;
  batch.batch_size = 3;
  std::vector<std::vector<Matrix<float>>> batched, separate;
  std::vector<std::string> errors;
  concat.Compute(waves, batch, &batched, &errors);
  for (const std::string &e : errors) EXPECT_EQ(e, "");
  keys.Compute(waves, SslBatchOptions(), &separate, &errors);
  for (size_t u = 0; u < waves.size(); u++) {
    Matrix<float> one;
    concat.Compute(waves[u].data(), static_cast<int64_t>(waves[u].size()), &one);
    const int64_t t = model.config().NumFrames(static_cast<int64_t>(waves[u].size()));
    ASSERT_EQ(one.NumRows(), t);
    ASSERT_EQ(one.NumCols(), 3 * 48);
    ASSERT_EQ(batched[u][0].NumRows(), t);
    double batch_diff = 0, big = 0;
    for (int64_t f = 0; f < t; f++) {
      for (int64_t j = 0; j < 3 * 48; j++) {
        big = std::max(big, std::abs(static_cast<double>(one(f, j))));
        batch_diff =
            std::max(batch_diff, std::abs(static_cast<double>(one(f, j) - batched[u][0](f, j))));
        // The keys layout with a window longer than the utterance: the same numbers exactly.
        EXPECT_EQ(separate[u][j / 48](f, j % 48), one(f, j));
      }
    }
    EXPECT_GT(big, 0.1);
    EXPECT_LE(batch_diff, 1e-5) << "utterance " << u;
  }
}

}  // namespace
}  // namespace voxtools

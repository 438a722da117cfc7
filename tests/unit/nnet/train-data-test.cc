// tests/unit/nnet/train-data-test.cc
// The training data pipeline: epochs are permutations that depend on (seed, epoch) only,
// chunks are windows of the utterance (checked against the utterance itself), CMN, speed
// perturbation classes, the reader thread's batches equal direct ones, and bad data dirs.
#include "nnet/train-data.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/log.h"
#include "io/table.h"
#include "io/wave.h"

namespace voxtools {
namespace {

class TrainDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vox-train-data-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  // 3 speakers x 4 utterances of frames (13 + utterance index) x 5 dims with distinct values.
  void WriteFeats() {
    TableWriter<FloatMatrixHolder> w("ark,scp:" + dir_ + "/feats.ark," + dir_ + "/feats.scp");
    std::ofstream labels(dir_ + "/utt2spk");
    for (int s = 0; s < 3; s++) {
      for (int u = 0; u < 4; u++) {
        std::string key = "s" + std::to_string(s) + "-u" + std::to_string(u);
        Matrix<float> m(13 + u, 5);
        for (int64_t t = 0; t < m.NumRows(); t++)
          for (int64_t d = 0; d < 5; d++) m(t, d) = std::sin(1.0f + 7 * s + 3 * u + t * 0.37f + d);
        w.Write(key, m);
        feats_[key] = m;
        labels << key << " spk" << s << "\n";
      }
    }
    w.Close();
  }
  std::string dir_;
  std::map<std::string, Matrix<float>> feats_;
};

TrainDataOptions FeatOptions() {
  TrainDataOptions o;
  o.input = "feats";
  o.chunk_frames = 10;
  o.batch_size = 5;
  o.chunks_per_utt = 2;
  o.seed = 3;
  return o;
}

TEST_F(TrainDataTest, EpochsArePermutationsFixedBySeedAndEpoch) {
  WriteFeats();
  TrainDataOptions o = FeatOptions();
  TrainDataSet data(dir_, o, FbankOptions(), WaveResampler());
  ASSERT_EQ(data.NumUtterances(), 12);
  EXPECT_EQ(data.NumClasses(), 3);
  auto e1 = data.EpochBatches(1), e1b = data.EpochBatches(1), e2 = data.EpochBatches(2);
  // 24 chunks in batches of 5: 4 full batches, the last 4 dropped (--drop-last).
  ASSERT_EQ(e1.size(), 4u);
  std::vector<int> count(12, 0);
  bool differ = false;
  for (size_t b = 0; b < e1.size(); b++) {
    ASSERT_EQ(e1[b].size(), 5u);
    for (size_t i = 0; i < 5; i++) {
      EXPECT_EQ(e1[b][i].utt, e1b[b][i].utt);
      EXPECT_EQ(e1[b][i].seed, e1b[b][i].seed);
      differ |= e1[b][i].utt != e2[b][i].utt;
      count[e1[b][i].utt]++;
    }
  }
  EXPECT_TRUE(differ);
  int total = 0;
  for (int c : count) {
    EXPECT_LE(c, 2);
    total += c;
  }
  EXPECT_EQ(total, 20);
  o.drop_last = false;
  TrainDataSet all(dir_, o, FbankOptions(), WaveResampler());
  EXPECT_EQ(all.EpochBatches(1).size(), 5u);
}

TEST_F(TrainDataTest, ChunksAreMeanNormalisedWindowsOfTheUtterance) {
  WriteFeats();
  TrainDataSet data(dir_, FeatOptions(), FbankOptions(), WaveResampler());
  auto batches = data.EpochBatches(1);
  TrainBatch batch;
  data.MakeBatch(batches[0], &batch);
  ASSERT_EQ(batch.feats.shape(), Shape({5, 10, 5}));
  std::set<int64_t> starts;
  for (int64_t b = 0; b < 5; b++) {
    const Matrix<float> &u = feats_.at(batch.keys[b]);
    EXPECT_EQ(batch.labels[b], batch.keys[b][1] - '0');
    // Find the window whose mean-removed copy equals the chunk (slow, obvious search).
    int64_t found = -1;
    for (int64_t s = 0; s + 10 <= u.NumRows() && found < 0; s++) {
      double err = 0;
      for (int64_t d = 0; d < 5; d++) {
        double mean = 0;
        for (int64_t t = 0; t < 10; t++) mean += u(s + t, d);
        mean /= 10;
        for (int64_t t = 0; t < 10; t++)
          err = std::max(err, std::fabs(u(s + t, d) - mean - batch.feats.At({b, t, d})));
      }
      if (err < 1e-5) found = s;  // float sums of 10 values of order 1
    }
    EXPECT_GE(found, 0) << "chunk " << b << " of " << batch.keys[b] << " is no window";
    starts.insert(found);
  }
  EXPECT_GT(starts.size(), 1u);  // starts are drawn, not all 0
}

TEST_F(TrainDataTest, ReaderThreadGivesTheSameBatchesInOrder) {
  WriteFeats();
  TrainDataOptions o = FeatOptions();
  o.spec_aug.prob = 1.0f;
  TrainDataSet data(dir_, o, FbankOptions(), WaveResampler());
  BatchLoader loader(&data, 1);
  for (int64_t epoch = 1; epoch <= 2; epoch++) {
    loader.StartEpoch(epoch);
    auto specs = data.EpochBatches(epoch);
    TrainBatch got, want;
    size_t n = 0;
    while (loader.Next(&got)) {
      data.MakeBatch(specs[n], &want);
      EXPECT_EQ(got.index, static_cast<int64_t>(n));
      EXPECT_EQ(got.keys, want.keys);
      EXPECT_EQ(got.feats.ToVector(), want.feats.ToVector());
      n++;
    }
    EXPECT_EQ(n, specs.size());
  }
}

TEST_F(TrainDataTest, SpeedPerturbationMakesNewClasses) {
  // 2 speakers x 3 utterances of 0.5 s of tones at 16 kHz.
  std::ofstream scp(dir_ + "/wav.scp"), labels(dir_ + "/utt2spk");
  for (int s = 0; s < 2; s++) {
    for (int u = 0; u < 3; u++) {
      std::string key = "s" + std::to_string(s) + "-u" + std::to_string(u);
      Matrix<float> wave(1, 8000);
      for (int64_t i = 0; i < 8000; i++)
        wave(0, i) = 3000 * std::sin(i * (0.05f + 0.02f * s + 0.003f * u));
      std::string path = dir_ + "/" + key + ".wav";
      std::ofstream os(path, std::ios::binary);
      WaveData(16000, wave).Write(os);
      scp << key << " " << path << "\n";
      labels << key << " spk" << s << "\n";
    }
  }
  scp.close();
  labels.close();
  TrainDataOptions o;
  o.chunk_frames = 20;
  o.batch_size = 6;
  o.chunks_per_utt = 8;
  o.aug.speeds = "0.9,1.0,1.1";
  FbankOptions f;
  f.mel.num_bins = 20;
  f.frame.dither = 0;
  TrainDataSet data(dir_, o, f, WaveResampler());
  EXPECT_EQ(data.NumBaseClasses(), 2);
  EXPECT_EQ(data.NumClasses(), 6);
  EXPECT_EQ(data.FeatDim(), 20);
  std::set<int64_t> seen;
  for (const auto &specs : data.EpochBatches(1)) {
    TrainBatch batch;
    data.MakeBatch(specs, &batch);
    for (size_t b = 0; b < batch.labels.size(); b++) {
      EXPECT_EQ(batch.labels[b] % 2, batch.keys[b][1] - '0');
      seen.insert(batch.labels[b] / 2);
    }
  }
  EXPECT_EQ(seen.size(), 3u);  // 48 draws among 3 speeds: all appear
}

TEST_F(TrainDataTest, BadDataDirsAreErrorsNamingTheProblem) {
  WriteFeats();
  auto message = [&](const TrainDataOptions &o) {
    try {
      TrainDataSet data(dir_, o, FbankOptions(), WaveResampler());
    } catch (const Error &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  TrainDataOptions o = FeatOptions();
  o.chunk_frames = 14;  // s*-u0 has 13 frames
  EXPECT_NE(message(o).find("s0-u0 has 13 frames, fewer than --chunk-frames=14"),
            std::string::npos);
  o.pad_short = true;
  EXPECT_EQ(message(o), "no error");
  o = FeatOptions();
  o.input = "wav";
  EXPECT_NE(message(o).find("has no wav.scp"), std::string::npos);
  o = FeatOptions();
  o.aug.speeds = "0.9,1.1";
  EXPECT_NE(message(o).find("needs --input=wav"), std::string::npos);
  std::system(("grep -v s2-u3 " + dir_ + "/utt2spk > " + dir_ + "/u && mv " + dir_ + "/u " +
               dir_ + "/utt2spk").c_str());
  EXPECT_NE(message(FeatOptions()).find("s2-u3"), std::string::npos);
}

}  // namespace
}  // namespace voxtools

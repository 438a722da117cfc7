// tests/unit/nnet/trainer-test.cc
// The trainer on a small separable problem: the loss falls, a run resumed from a checkpoint
// ends with exactly the parameters of an uninterrupted one, and divergence stops the run
// naming the last good checkpoint, which stays as it was.
#include "nnet/trainer.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "base/log.h"
#include "io/table.h"

namespace voxtools {
namespace {

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vox-trainer-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // 4 speakers x 5 utterances x 30 frames x 6 dims: a speaker-specific offset plus noise.
    TableWriter<FloatMatrixHolder> w("ark,scp:" + dir_ + "/feats.ark," + dir_ + "/feats.scp");
    std::ofstream labels(dir_ + "/utt2spk");
    RandomGenerator rng(5);
    for (int s = 0; s < 4; s++) {
      for (int u = 0; u < 5; u++) {
        std::string key = "s" + std::to_string(s) + "-u" + std::to_string(u);
        Matrix<float> m(30, 6);
        for (int64_t t = 0; t < 30; t++)
          for (int64_t d = 0; d < 6; d++) m(t, d) = (d % 4 == s ? 1.5f : 0.0f) + rng.Normal() * 0.5f;
        w.Write(key, m);
        labels << key << " spk" << s << "\n";
      }
    }
    w.Close();
    data_opts_.input = "feats";
    data_opts_.chunk_frames = 20;
    data_opts_.batch_size = 8;
    data_opts_.chunks_per_utt = 2;
    opts_.num_epochs = 4;
    opts_.lr.initial_lr = 0.05;
    opts_.lr.final_lr = 0.01;
    opts_.lr.warm_up_epochs = 0;
    opts_.margin.increase_start_epoch = 1;
    opts_.margin.fix_start_epoch = 2;
    opts_.log_every = 100;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  JsonValue Config(const TrainDataSet &data) const {
    JsonValue model = ParseJson(
        R"({"type": "ecapa-tdnn", "feat_dim": 6, "channels": 16, "embed_dim": 8, "scale": 2,
            "se_bottleneck": 8, "pooling": {"type": "astp", "bottleneck": 8, "global_context": true}})",
        "test model");
    return TrainedModel::MakeConfig(model, LossConfig(), data.NumClasses(), data.Labels().Names());
  }
  // All parameters and buffers, flattened in path order.
  static std::vector<float> State(const TrainedModel &m) {
    std::vector<float> out;
    for (const auto &p : m.NamedParameters()) {
      std::vector<float> v = p.second.value().ToVector();
      out.insert(out.end(), v.begin(), v.end());
    }
    for (const auto &p : m.NamedBuffers()) {
      std::vector<float> v = p.second.value().ToVector();
      out.insert(out.end(), v.begin(), v.end());
    }
    return out;
  }

  std::string dir_;
  TrainDataOptions data_opts_;
  TrainerOptions opts_;
};

TEST_F(TrainerTest, LossFalls) {
  TrainDataSet data(dir_, data_opts_, FbankOptions(), WaveResampler());
  RandomGenerator rng(1);
  TrainedModel net(Config(data), &rng);
  // Enough steps for batch norm's running statistics (momentum 0.1), which validation uses.
  TrainerOptions longer = opts_;
  longer.num_epochs = 12;
  Trainer trainer(longer, &net, &data, &data, nullptr, dir_);
  trainer.Train();
  const auto &h = trainer.History();
  ASSERT_EQ(h.size(), 12u);
  EXPECT_LT(h.back().train_loss, 0.7 * h.front().train_loss);
  EXPECT_GT(h.back().valid_accuracy, 0.5);  // chance: 0.25
  EXPECT_EQ(trainer.LastCheckpoint(), Trainer::CheckpointPath(dir_, 12));
  EXPECT_EQ(Trainer::LatestCheckpoint(dir_), Trainer::CheckpointPath(dir_, 12));
}

TEST_F(TrainerTest, ResumedRunEndsBitIdentical) {
  TrainDataSet data(dir_, data_opts_, FbankOptions(), WaveResampler());
  std::vector<float> uninterrupted;
  {
    RandomGenerator rng(1);
    TrainedModel net(Config(data), &rng);
    Trainer trainer(opts_, &net, &data, nullptr, nullptr, dir_ + "/a");
    std::system(("mkdir -p " + dir_ + "/a " + dir_ + "/b").c_str());
    trainer.Train();
    uninterrupted = State(net);
  }
  {
    TrainerOptions two = opts_;
    two.checkpoint_every = 2;
    RandomGenerator rng(1);
    TrainedModel net(Config(data), &rng);
    Trainer first(two, &net, &data, nullptr, nullptr, dir_ + "/b");
    // Stop after epoch 2: run a trainer whose run is 4 epochs but interrupt by throwing
    // away everything except the epoch-2 checkpoint.
    first.Train();
    std::system(("rm " + Trainer::CheckpointPath(dir_ + "/b", 4)).c_str());
  }
  RandomGenerator other(99);  // different initial weights: all must come from the checkpoint
  TrainDataSet data2(dir_, data_opts_, FbankOptions(), WaveResampler());
  TrainedModel net(Config(data2), &other);
  Trainer resumed(opts_, &net, &data2, nullptr, nullptr, dir_ + "/b");
  resumed.Resume(Trainer::LatestCheckpoint(dir_ + "/b"));
  EXPECT_EQ(resumed.EpochsDone(), 2);
  ASSERT_EQ(resumed.History().size(), 2u);
  resumed.Train();
  EXPECT_EQ(resumed.History().size(), 4u);
  std::vector<float> after = State(net);
  ASSERT_EQ(after.size(), uninterrupted.size());
  EXPECT_EQ(after, uninterrupted);  // bit-identical, not merely close
}

TEST_F(TrainerTest, DivergenceStopsNamingTheLastGoodCheckpoint) {
  TrainDataSet data(dir_, data_opts_, FbankOptions(), WaveResampler());
  RandomGenerator rng(1);
  TrainedModel net(Config(data), &rng);
  TrainerOptions one = opts_;
  one.num_epochs = 1;
  Trainer first(one, &net, &data, nullptr, nullptr, dir_);
  first.Train();
  const std::string good = Trainer::CheckpointPath(dir_, 1);
  std::ifstream is(good, std::ios::binary);
  std::stringstream before;
  before << is.rdbuf();
  TrainerOptions wild = opts_;
  wild.lr.initial_lr = 1e30;  // legitimate but absurd: the weights blow up to Inf, then NaN
  Trainer second(wild, &net, &data, nullptr, nullptr, dir_);
  second.Resume(good);
  try {
    second.Train();
    FAIL() << "training with lr 1e30 did not diverge";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("training diverged; the last good checkpoint is " + good),
              std::string::npos)
        << e.what();
  }
  std::ifstream is2(good, std::ios::binary);
  std::stringstream after;
  after << is2.rdbuf();
  EXPECT_EQ(before.str(), after.str());
  EXPECT_EQ(Trainer::LatestCheckpoint(dir_), good);
}

}  // namespace
}  // namespace voxtools

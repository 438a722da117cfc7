// tests/unit/feat/augment-test.cc
// The Augmenter: deterministic per (seed, key) whatever the order, the SNR it reports is the
// one reached, the types it draws, babble, reverberation through it, and its errors (rate
// mismatch, no lists, bad options).
#include "feat/augment.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "base/log.h"
#include "feat/augment-ops.h"

namespace voxtools {
namespace {

constexpr float kRate = 16000;

Matrix<float> Noise(int64_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  Matrix<float> m(1, n);
  for (int64_t i = 0; i < n; i++) m(0, i) = dist(rng);
  return m;
}

// An utterance-like signal: a few tones with a slow envelope.
Matrix<float> Utterance(int64_t n, double f0) {
  Matrix<float> m(1, n);
  for (int64_t i = 0; i < n; i++) {
    double t = i / kRate;
    m(0, i) = static_cast<float>(3000 * (1 + std::sin(2 * M_PI * 3 * t)) *
                                 (std::sin(2 * M_PI * f0 * t) + 0.5 * std::sin(4 * M_PI * f0 * t)));
  }
  return m;
}

double SnrDb(const Matrix<float> &clean, const Matrix<float> &noisy) {
  std::vector<float> added(clean.NumCols());
  for (int64_t i = 0; i < clean.NumCols(); i++) added[i] = noisy(0, i) - clean(0, i);
  return 10 * std::log10(MeanPower(clean.Row(0), clean.NumCols()) /
                         MeanPower(added.data(), clean.NumCols()));
}

// Noise longer and shorter than the utterances, music, 10 talkers, two RIRs.
InMemoryAugmentSources MakeSources() {
  InMemoryAugmentSources s;
  s.Add(AugmentList::kNoise, "noise-long", kRate, Noise(40000, 1, 200));
  s.Add(AugmentList::kNoise, "noise-short", kRate, Noise(3000, 2, 50));
  s.Add(AugmentList::kMusic, "music1", kRate, Utterance(50000, 440));
  for (int i = 0; i < 10; i++)
    s.Add(AugmentList::kSpeech, "talker" + std::to_string(i), kRate, Noise(30000, 10 + i, 100));
  Matrix<float> rir = Noise(2000, 30, 1);
  for (int64_t j = 0; j < 2000; j++) rir(0, j) *= std::exp(-j / 300.0f);
  rir(0, 40) = 10;
  s.Add(AugmentList::kRir, "rir1", kRate, rir);
  return s;
}

TEST(Augmenter, DeterministicPerKeyWhateverTheOrder) {
  InMemoryAugmentSources sources = MakeSources();
  AugmentOptions opts;
  opts.aug_prob = 0.8f;
  opts.speeds = "0.9,1.0,1.1";
  opts.gain_db = "-6:6";
  opts.seed = 3;
  Augmenter aug(opts, &sources);
  std::vector<std::string> keys = {"spk1-utt1", "spk1-utt2", "spk2-utt1", "spk3-utt9"};
  std::map<std::string, std::pair<Matrix<float>, std::string>> first;
  for (const std::string &k : keys) {
    Matrix<float> w = Utterance(16000, 200);
    AugmentResult r;
    aug.Augment(k, kRate, &w, &r);
    first[k] = {w, r.ToString()};
  }
  // Reversed order, and a second Augmenter (another process or split of the data).
  Augmenter aug2(opts, &sources);
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    Matrix<float> w = Utterance(16000, 200);
    AugmentResult r;
    aug2.Augment(*it, kRate, &w, &r);
    EXPECT_TRUE(w == first[*it].first) << *it;
    EXPECT_EQ(r.ToString(), first[*it].second) << *it;
  }
  // Another seed changes the choices.
  opts.seed = 4;
  Augmenter aug3(opts, &sources);
  int num_different = 0;
  for (const std::string &k : keys) {
    Matrix<float> w = Utterance(16000, 200);
    AugmentResult r;
    aug3.Augment(k, kRate, &w, &r);
    num_different += r.ToString() != first[k].second;
  }
  EXPECT_GE(num_different, 3);
}

TEST(Augmenter, ReportedSnrIsReached) {
  InMemoryAugmentSources all = MakeSources(), noise_only;
  Matrix<float> audio;
  float rate;
  for (int64_t i = 0; i < all.Size(AugmentList::kNoise); i++) {
    all.Load(AugmentList::kNoise, i, &audio, &rate);
    noise_only.Add(AugmentList::kNoise, all.Key(AugmentList::kNoise, i), rate, audio);
  }
  AugmentOptions opts;
  opts.aug_prob = 1.0f;
  Augmenter aug(opts, &noise_only);
  int num_short = 0;
  for (int i = 0; i < 20; i++) {
    Matrix<float> clean = Utterance(8000 + 1000 * i, 150 + 10 * i), w = clean;
    AugmentResult r;
    aug.Augment("utt" + std::to_string(i), kRate, &w, &r);
    ASSERT_EQ(r.type, AugmentType::kNoise);
    ASSERT_EQ(r.sources.size(), 1u);
    ASSERT_EQ(r.snrs_db.size(), 1u);
    EXPECT_GE(r.snrs_db[0], 0.0f);
    EXPECT_LE(r.snrs_db[0], 15.0f);
    num_short += r.sources[0] == "noise-short";  // tiled
    EXPECT_NEAR(SnrDb(clean, w), r.snrs_db[0], 0.1) << r.ToString();
  }
  EXPECT_GT(num_short, 0);
  EXPECT_LT(num_short, 20);
}

TEST(Augmenter, DrawsEveryAvailableTypeAndBabbleOfThreeToSeven) {
  InMemoryAugmentSources sources = MakeSources();
  AugmentOptions opts;
  opts.aug_prob = 0.5f;
  Augmenter aug(opts, &sources);
  std::map<AugmentType, int> count;
  for (int i = 0; i < 400; i++) {
    Matrix<float> clean = Utterance(4000, 220), w = clean;
    AugmentResult r;
    aug.Augment("u" + std::to_string(i), kRate, &w, &r);
    count[r.type]++;
    EXPECT_EQ(w.NumCols(), 4000);
    if (r.type == AugmentType::kNone) {
      EXPECT_TRUE(w == clean);
    }
    if (r.type == AugmentType::kBabble) {
      ASSERT_GE(r.sources.size(), 3u);
      ASSERT_LE(r.sources.size(), 7u);
      ASSERT_EQ(r.snrs_db.size(), r.sources.size());
      // Each talker at its own SNR against the clean utterance: together (independent
      // noises, so powers add) 10 log10(1 / sum 10^(-snr/10)); 0.3 dB covers the chance
      // correlation of 4000-sample noises.
      double sum = 0;
      for (float snr : r.snrs_db) {
        EXPECT_GE(snr, 13.0f);
        EXPECT_LE(snr, 20.0f);
        sum += std::pow(10.0, -snr / 10.0);
      }
      EXPECT_NEAR(SnrDb(clean, w), -10 * std::log10(sum), 0.3) << r.ToString();
    }
    if (r.type == AugmentType::kMusic) {
      EXPECT_GE(r.snrs_db[0], 5.0f);
      EXPECT_NEAR(SnrDb(clean, w), r.snrs_db[0], 0.1);
    }
  }
  // Half augmented (200 +- 3 sigma = 30), in four equal shares (50 +- 20).
  EXPECT_NEAR(count[AugmentType::kNone], 200, 30);
  for (AugmentType t : {AugmentType::kReverb, AugmentType::kNoise, AugmentType::kMusic,
                        AugmentType::kBabble})
    EXPECT_NEAR(count[t], 50, 20) << AugmentTypeName(t);
}

TEST(Augmenter, ReverbThroughTheAugmenterKeepsLengthAndTiming) {
  InMemoryAugmentSources sources;
  Matrix<float> impulse(1, 500);
  impulse(0, 77) = 0.3f;
  sources.Add(AugmentList::kRir, "impulse", kRate, impulse);
  AugmentOptions opts;
  opts.aug_prob = 1.0f;
  Augmenter aug(opts, &sources);
  Matrix<float> clean = Utterance(9999, 300), w = clean;
  AugmentResult r;
  aug.Augment("x", kRate, &w, &r);
  EXPECT_EQ(r.ToString(), "speed=1;type=reverb;source=impulse;gain=0.00");
  ASSERT_EQ(w.NumCols(), 9999);
  for (int64_t i = 0; i < 9999; i += 97) EXPECT_NEAR(w(0, i), clean(0, i), 0.01) << i;
}

TEST(Augmenter, SpeedIsReported) {
  InMemoryAugmentSources none;
  AugmentOptions opts;
  opts.aug_prob = 0.0f;
  opts.speeds = "1.1";
  Augmenter aug(opts, &none);
  Matrix<float> w = Utterance(16000, 300);
  AugmentResult r;
  aug.Augment("x", kRate, &w, &r);
  EXPECT_FLOAT_EQ(r.speed, 1.1f);
  EXPECT_NEAR(w.NumCols(), 16000 / 1.1, 1.0);
  EXPECT_EQ(r.type, AugmentType::kNone);
}

TEST(Augmenter, Errors) {
  InMemoryAugmentSources none;
  AugmentOptions opts;  // aug-prob 0.6 by default
  try {
    Augmenter aug(opts, &none);
    ADD_FAILURE() << "no lists accepted";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("--aug-prob=0.6 but no RIR, noise"), std::string::npos)
        << e.what();
  }
  InMemoryAugmentSources wrong_rate;
  wrong_rate.Add(AugmentList::kNoise, "n8k", 8000, Noise(100, 1, 1));
  opts.aug_prob = 1;
  Augmenter aug(opts, &wrong_rate);
  Matrix<float> w = Utterance(1000, 300);
  AugmentResult r;
  try {
    aug.Augment("x", kRate, &w, &r);
    ADD_FAILURE() << "8 kHz noise accepted for 16 kHz audio";
  } catch (const Error &e) {
    EXPECT_NE(e.reason().find("noise n8k is sampled at 8000 Hz but the utterance at 16000 Hz"),
              std::string::npos)
        << e.what();
  }
  Matrix<float> stereo(2, 100);
  EXPECT_THROW(aug.Augment("x", kRate, &stereo, &r), Error);
  InMemoryAugmentSources nan_noise;
  Matrix<float> bad = Noise(100, 1, 1);
  bad(0, 50) = NAN;
  nan_noise.Add(AugmentList::kNoise, "nan", kRate, bad);
  Augmenter aug_nan(opts, &nan_noise);
  EXPECT_THROW(aug_nan.Augment("x", kRate, &w, &r), Error);

  using Field = std::string AugmentOptions::*;
  const std::vector<std::pair<Field, std::string>> bad_values = {
      {&AugmentOptions::noise_snr, "15:0"},        {&AugmentOptions::music_snr, "5"},
      {&AugmentOptions::babble_snr, "a:b"},        {&AugmentOptions::babble_speakers, "0:3"},
      {&AugmentOptions::babble_speakers, "2.5:3"}, {&AugmentOptions::speeds, "0.9,x"},
      {&AugmentOptions::speeds, "3"},              {&AugmentOptions::gain_db, "-100:0"}};
  for (const auto &bad_value : bad_values) {
    AugmentOptions o = opts;
    o.*bad_value.first = bad_value.second;
    EXPECT_THROW(o.Validate(), Error) << bad_value.second;
  }
  opts.aug_prob = 1.5f;
  EXPECT_THROW(opts.Validate(), Error);
}

}  // namespace
}  // namespace voxtools

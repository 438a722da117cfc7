// tests/unit/feat/mfcc-test.cc
// MFCC against Kaldi's compute-mfcc-feats fixtures (--dither=0): frame counts equal, values
// within 1e-2 (the MFCC tolerance) on every frame whose mel bins all lie within 12
// nats of the frame's strongest. The DCT spreads the FFT-rounding noise of weaker bins (see
// fbank-test.cc: no two float FFTs agree there) over every coefficient, and the lifter
// multiplies it by up to 12; frames with such bins (b_tones, a pure-tone signal) get 0.05
// and must stay a minority.
#include "feat/mfcc.h"

#include "feat/fbank.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "feat-test-util.h"

namespace voxtools {
namespace {

using feat_test::FeaturesDir;

void CheckAgainstKaldi(const std::string &fixture, const std::string &scp,
                       const std::function<void(MfccOptions *)> &set) {
  std::string dir = FeaturesDir();
  if (dir.empty()) GTEST_SKIP() << "Kaldi fixtures not found (set VOX_FIXTURES)";
  MfccOptions opts;
  opts.frame.dither = 0.0f;
  set(&opts);
  MfccComputer computer(opts);
  FbankOptions fb_opts;
  fb_opts.frame = opts.frame;
  fb_opts.mel = opts.mel;
  FbankComputer fbank(fb_opts);
  int64_t num_weak = 0, num_total = 0;
  auto expected = feat_test::ReadTextArchive(dir + "/" + fixture);
  auto wavs = feat_test::ReadScp(dir, scp);
  ASSERT_EQ(expected.size(), wavs.size());
  for (size_t i = 0; i < wavs.size(); i++) {
    SCOPED_TRACE(fixture + " " + wavs[i].first);
    feat_test::Wav w = feat_test::ReadWav16(wavs[i].second);
    Matrix<float> feats;
    ComputeFeatures(&computer, w.data.Row(0), w.data.NumCols(), w.samp_freq, 1.0f, 0, &feats);
    const Matrix<float> &ref = expected[i].second;
    ASSERT_EQ(feats.NumRows(), ref.NumRows());
    ASSERT_EQ(feats.NumCols(), ref.NumCols());
    Matrix<float> logmel;
    ComputeFeatures(&fbank, w.data.Row(0), w.data.NumCols(), w.samp_freq, 1.0f, 0, &logmel);
    float max_strong = 0.0f, max_weak = 0.0f;
    for (int64_t t = 0; t < ref.NumRows(); t++) {
      float lo = logmel(t, 0), hi = lo, diff = 0.0f;
      for (int64_t j = 0; j < logmel.NumCols(); j++) {
        lo = std::min(lo, logmel(t, j));
        hi = std::max(hi, logmel(t, j));
      }
      for (int64_t j = 0; j < ref.NumCols(); j++)
        diff = std::max(diff, std::abs(feats(t, j) - ref(t, j)));
      if (hi - lo <= 12.0f) {
        max_strong = std::max(max_strong, diff);
      } else {
        max_weak = std::max(max_weak, diff);
        num_weak++;
      }
    }
    num_total += ref.NumRows();
    EXPECT_LE(max_strong, 1e-2f);
    EXPECT_LE(max_weak, 0.05f);
    EXPECT_GT(std::abs(ref(ref.NumRows() / 2, 1)), 1e-3f);  // non-trivial
  }
  // b_tones is 78 of the 402 frames; speech frames with a deep spectral valley add some.
  EXPECT_LE(num_weak, num_total / 3) << "too few frames tested at full precision";
}

TEST(MfccKaldi, Default) { CheckAgainstKaldi("mfcc_default.txt", "wav.scp", [](MfccOptions *) {}); }
TEST(MfccKaldi, VoxCelebConfig) {
  CheckAgainstKaldi("mfcc_vox.txt", "wav.scp", [](MfccOptions *o) {
    o->mel.low_freq = 20;
    o->mel.high_freq = -400;
    o->num_ceps = 30;
    o->mel.num_bins = 30;
    o->frame.snip_edges = false;
  });
}
TEST(MfccKaldi, EightKilohertz) {
  CheckAgainstKaldi("mfcc_8k.txt", "wav_8k.scp", [](MfccOptions *o) { o->frame.samp_freq = 8000; });
}

TEST(Mfcc, DctIsOrthonormal) {
  const int n = 23;
  std::vector<float> m = DctMatrix(n, n);
  for (int a = 0; a < n; a++)
    for (int b = 0; b < n; b++) {
      double dot = 0;
      for (int j = 0; j < n; j++) dot += double(m[a * n + j]) * m[b * n + j];
      EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-6) << a << " " << b;  // float entries
    }
}

TEST(Mfcc, HtkCompatMovesC0Last) {
  MfccOptions a, b;
  a.frame.dither = b.frame.dither = 0;
  a.use_energy = b.use_energy = false;
  b.htk_compat = true;
  MfccComputer ca(a), cb(b);
  std::vector<float> wave(3200);
  for (size_t i = 0; i < wave.size(); i++) wave[i] = 3000.0f * std::sin(0.05f * i * (1 + i / 3200.0f));
  Matrix<float> fa, fb;
  ComputeFeatures(&ca, wave.data(), wave.size(), 16000, 1, 0, &fa);
  ComputeFeatures(&cb, wave.data(), wave.size(), 16000, 1, 0, &fb);
  for (int64_t t = 0; t < fa.NumRows(); t++) {
    for (int k = 1; k < 13; k++) EXPECT_FLOAT_EQ(fb(t, k - 1), fa(t, k));
    EXPECT_FLOAT_EQ(fb(t, 12), fa(t, 0) * float(M_SQRT2));
  }
}

TEST(Mfcc, TooManyCepsIsAnError) {
  MfccOptions o;
  o.num_ceps = 24;
  EXPECT_THROW(MfccComputer c(o), Error);
}

}  // namespace
}  // namespace voxtools

// tests/unit/feat/vad-test.cc
// Energy VAD against Kaldi's compute-vad and select-voiced-frames fixtures: decisions must be
// identical (README: a difference is a bug unless the energy is within rounding of the
// threshold).
#include "feat/vad.h"

#include <gtest/gtest.h>

#include <functional>

#include "feat/cmvn.h"
#include "feat-test-util.h"

namespace voxtools {
namespace {

using feat_test::FeaturesDir;

void CheckVad(const std::string &input, const std::string &fixture,
              const std::function<void(VadEnergyOptions *)> &set) {
  std::string dir = FeaturesDir();
  if (dir.empty()) GTEST_SKIP() << "Kaldi fixtures not found (set VOX_FIXTURES)";
  VadEnergyOptions opts;
  set(&opts);
  auto in = feat_test::ReadBinaryArchive(dir + "/" + input);
  auto expected = feat_test::ReadTextArchive(dir + "/" + fixture);
  ASSERT_EQ(in.size(), expected.size());
  int64_t num_voiced = 0, num_unvoiced = 0;
  for (size_t i = 0; i < in.size(); i++) {
    SCOPED_TRACE(fixture + " " + in[i].first);
    Vector<float> voiced;
    ComputeVadEnergy(opts, in[i].second, &voiced);
    const Matrix<float> &ref = expected[i].second;
    ASSERT_EQ(ref.NumRows(), 1);
    ASSERT_EQ(voiced.Dim(), ref.NumCols());
    for (int64_t t = 0; t < voiced.Dim(); t++) {
      EXPECT_EQ(voiced(t), ref(0, t)) << "frame " << t;
      (voiced(t) != 0 ? num_voiced : num_unvoiced)++;
    }
  }
  EXPECT_GT(num_voiced, 0);
  EXPECT_GT(num_unvoiced, 0);
}

TEST(VadKaldi, Default) { CheckVad("mfcc_default.ark", "vad_default.txt", [](VadEnergyOptions *) {}); }
TEST(VadKaldi, VoxCeleb) {
  CheckVad("mfcc_vox.ark", "vad_vox.txt", [](VadEnergyOptions *o) {
    o->vad_energy_threshold = 5.5f;
    o->vad_energy_mean_scale = 0.5f;
    o->vad_proportion_threshold = 0.12f;
    o->vad_frames_context = 2;
  });
}

TEST(SelectVoicedKaldi, DefaultAndVoxCelebOrder) {
  std::string dir = FeaturesDir();
  if (dir.empty()) GTEST_SKIP() << "Kaldi fixtures not found (set VOX_FIXTURES)";
  auto vad = feat_test::ReadTextArchive(dir + "/vad_default.txt");
  auto feats = feat_test::ReadBinaryArchive(dir + "/mfcc_default.ark");
  auto expected = feat_test::ReadTextArchive(dir + "/voiced_default.txt");
  ASSERT_EQ(expected.size(), feats.size());
  for (size_t i = 0; i < feats.size(); i++) {
    Vector<float> v(vad[i].second.NumCols());
    for (int64_t t = 0; t < v.Dim(); t++) v(t) = vad[i].second(0, t);
    Matrix<float> out;
    SelectVoicedFrames(feats[i].second, v, &out);
    ASSERT_EQ(out.NumRows(), expected[i].second.NumRows()) << feats[i].first;
    EXPECT_LE(feat_test::MaxAbsDiff(out, expected[i].second), 1e-4f);  // 7-digit text
  }
  // VoxCeleb: sliding CMN (centred, 300) first, then the VAD of the raw MFCC.
  auto vox = feat_test::ReadBinaryArchive(dir + "/mfcc_vox.ark");
  auto vox_vad = feat_test::ReadTextArchive(dir + "/vad_vox.txt");
  auto vox_expected = feat_test::ReadTextArchive(dir + "/voiced_vox.txt");
  SlidingCmnOptions cmn;
  cmn.center = true;
  cmn.cmn_window = 300;
  for (size_t i = 0; i < vox.size(); i++) {
    Matrix<float> normed, out;
    ApplySlidingCmn(cmn, vox[i].second, &normed);
    Vector<float> v(vox_vad[i].second.NumCols());
    for (int64_t t = 0; t < v.Dim(); t++) v(t) = vox_vad[i].second(0, t);
    SelectVoicedFrames(normed, v, &out);
    ASSERT_EQ(out.NumRows(), vox_expected[i].second.NumRows());
    EXPECT_LE(feat_test::MaxAbsDiff(out, vox_expected[i].second), 1e-4f);
  }
}

TEST(Vad, ContextAndProportion) {
  Matrix<float> feats(5, 1);
  float e[5] = {0, 10, 0, 0, 0};
  for (int t = 0; t < 5; t++) feats(t, 0) = e[t];
  VadEnergyOptions o;
  o.vad_energy_threshold = 5;
  o.vad_energy_mean_scale = 0;
  o.vad_frames_context = 1;
  o.vad_proportion_threshold = 0.3f;  // 1 of 3 (or of 2 at the edges) frames is enough
  Vector<float> v;
  ComputeVadEnergy(o, feats, &v);
  float want[5] = {1, 1, 1, 0, 0};
  for (int t = 0; t < 5; t++) EXPECT_EQ(v(t), want[t]) << t;
  Matrix<float> empty;
  ComputeVadEnergy(o, empty, &v);
  EXPECT_EQ(v.Dim(), 0);
  Vector<float> wrong(4);
  Matrix<float> out;
  EXPECT_THROW(SelectVoicedFrames(feats, wrong, &out), Error);
}

}  // namespace
}  // namespace voxtools

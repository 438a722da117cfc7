// tests/unit/io/wave-reader-test.cc
#include "io/wave-reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/log.h"
#include "io/h5-file.h"

namespace voxtools {
namespace {

struct Item {
  std::string key, error;
  WaveData wave;
};

std::vector<Item> ReadAll(const std::string &rspecifier, const WaveReaderOptions &opts) {
  WaveReader reader(rspecifier, opts);
  std::vector<Item> items;
  Item item;
  while (reader.Next(&item.key, &item.wave, &item.error)) items.push_back(item);
  return items;
}

WaveData ReadWav(const std::string &path) {
  std::ifstream is(path, std::ios::binary);
  WaveData w;
  w.Read(is);
  return w;
}

bool Contains(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

class WaveReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char *env = getenv("VOX_FIXTURES");
    wav_dir_ = std::string(env ? env : "/work/shared/fixtures") + "/kaldi/features";
    if (access((wav_dir_ + "/wav/a_speech.wav").c_str(), R_OK) != 0)
      GTEST_SKIP() << "Kaldi fixtures not found under " << wav_dir_ << " (set VOX_FIXTURES)";
    char tmpl[] = "/tmp/wavereader.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  std::string Wav(const std::string &name) const { return wav_dir_ + "/wav/" + name + ".wav"; }
  std::string Write(const std::string &name, const std::string &text) const {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  std::string wav_dir_, dir_;
};

TEST_F(WaveReaderTest, ScpReportsEachBadEntryAndGoesOn) {
  std::string not_audio = Write("text.wav", "not audio at all\n");
  std::string scp = Write("wav.scp",
                          "a " + Wav("a_speech") + "\n" +
                          "missing " + dir_ + "/nope.wav\n" +
                          "text " + not_audio + "\n" +
                          "piped cat " + Wav("d_short") + " |\n" +
                          "failing false |\n" +
                          "b " + Wav("b_tones") + "\n");
  WaveReaderOptions opts;
  WaveReader reader("scp:" + scp, opts);
  EXPECT_EQ(reader.NumItems(), 6);
  std::vector<Item> items = ReadAll("scp:" + scp, opts);
  ASSERT_EQ(items.size(), 6u);
  std::vector<std::string> keys;
  for (const Item &i : items) keys.push_back(i.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "missing", "text", "piped", "failing", "b"}));
  EXPECT_EQ(items[0].error, "");
  EXPECT_TRUE(items[0].wave.Data() == ReadWav(Wav("a_speech")).Data());
  EXPECT_TRUE(Contains(items[1].error, "missing: cannot read audio")) << items[1].error;
  EXPECT_TRUE(Contains(items[1].error, "nope.wav")) << items[1].error;
  EXPECT_EQ(items[1].wave.Data().NumElements(), 0);
  EXPECT_TRUE(Contains(items[2].error, "Not a readable audio file")) << items[2].error;
  EXPECT_EQ(items[3].error, "");
  EXPECT_TRUE(items[3].wave.Data() == ReadWav(Wav("d_short")).Data());
  EXPECT_TRUE(Contains(items[4].error, "failing")) << items[4].error;
  EXPECT_EQ(items[5].error, "");
}

TEST_F(WaveReaderTest, SampleRateMismatchIsPerKey) {
  std::string scp = Write("wav.scp", "f " + Wav("f_nb8k") + "\na " + Wav("a_speech") + "\n");
  WaveReaderOptions opts;
  opts.sample_rate = 16000;
  std::vector<Item> items = ReadAll("scp:" + scp, opts);
  ASSERT_EQ(items.size(), 2u);
  // No resampler given: the tool does not resample, so this is an error naming the fix.
  for (const char *part : {"f: ", "8000 Hz", "expected 16000 Hz", "does not resample",
                           "--sample-rate=0", "sox"})
    EXPECT_TRUE(Contains(items[0].error, part)) << items[0].error;
  EXPECT_EQ(items[1].error, "");
  opts.sample_rate = 0;
  EXPECT_EQ(ReadAll("scp:" + scp, opts)[0].error, "");
}

// A stand-in for ResampleSoxr (io cannot link feat): each output sample j is input sample
// floor(j * rate_in / rate_out). Enough to see where and how often the reader resamples.
struct CountingResampler {
  int *num_calls;
  void operator()(const Matrix<float> &in, double rate_in, double rate_out,
                  Matrix<float> *out) const {
    (*num_calls)++;
    if (rate_in == 44100) VOX_ERR << "rate not supported";
    int64_t n_out = static_cast<int64_t>(in.NumCols() * rate_out / rate_in);
    out->Resize(in.NumRows(), n_out);
    for (int64_t c = 0; c < in.NumRows(); c++)
      for (int64_t j = 0; j < n_out; j++)
        (*out)(c, j) = in(c, static_cast<int64_t>(j * rate_in / rate_out));
  }
};

TEST_F(WaveReaderTest, SampleRateResamplesWithTheToolsResampler) {
  std::string scp = Write("wav.scp", "f " + Wav("f_nb8k") + "\na " + Wav("a_speech") + "\n");
  WaveData f = ReadWav(Wav("f_nb8k")), a = ReadWav(Wav("a_speech"));
  ASSERT_EQ(f.SampFreq(), 8000.0f);
  WaveReaderOptions opts;
  opts.sample_rate = 16000;
  int num_calls = 0;
  WaveReader reader("scp:" + scp, opts, CountingResampler{&num_calls});
  Item item;
  ASSERT_TRUE(reader.Next(&item.key, &item.wave, &item.error));
  EXPECT_EQ(item.error, "");
  EXPECT_EQ(item.wave.SampFreq(), 16000.0f);
  ASSERT_EQ(item.wave.Data().NumCols(), 2 * f.Data().NumCols());
  EXPECT_EQ(item.wave.Data()(0, 2001), f.Data()(0, 1000));
  ASSERT_TRUE(reader.Next(&item.key, &item.wave, &item.error));
  EXPECT_TRUE(item.wave.Data() == a.Data());  // already at 16 kHz: not touched
  EXPECT_EQ(num_calls, 1);

  // Segments: the recording is resampled once, then cut at the new rate.
  opts.segments = Write("segments", "s1 f 0.1 0.2\ns2 f 0.5 -1\ns3 a 0 0.1\n");
  num_calls = 0;
  std::vector<Item> items;
  {
    WaveReader seg_reader("scp:" + scp, opts, CountingResampler{&num_calls});
    while (seg_reader.Next(&item.key, &item.wave, &item.error)) items.push_back(item);
  }
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(num_calls, 1);
  EXPECT_EQ(items[0].error, "");
  EXPECT_EQ(items[0].wave.SampFreq(), 16000.0f);
  ASSERT_EQ(items[0].wave.Data().NumCols(), 1600);
  EXPECT_EQ(items[0].wave.Data()(0, 0), f.Data()(0, 800));
  EXPECT_EQ(items[1].wave.Data().NumCols(), 2 * f.Data().NumCols() - 8000);
  EXPECT_TRUE(items[2].wave.Data() == a.Data().Range(0, 1, 0, 1600));

  // A resampler failure is an error for that key, naming both rates.
  std::string scp44 = dir_ + "/wav44.scp";
  std::ofstream(scp44) << "x sox -n -r 44100 -t wav - synth 0.01 sine 440 |\n"
                       << "a " << Wav("a_speech") << "\n";
  opts.segments.clear();
  WaveReader bad_reader("scp:" + scp44, opts, CountingResampler{&num_calls});
  ASSERT_TRUE(bad_reader.Next(&item.key, &item.wave, &item.error));
  if (item.error.find("cannot read audio") != std::string::npos)
    GTEST_SKIP() << "sox not available to make 44.1 kHz audio: " << item.error;
  for (const char *part : {"x: ", "44100 Hz", "expected 16000 Hz", "rate not supported"})
    EXPECT_TRUE(Contains(item.error, part)) << item.error;
  EXPECT_EQ(item.wave.Data().NumElements(), 0);
  ASSERT_TRUE(bad_reader.Next(&item.key, &item.wave, &item.error));
  EXPECT_EQ(item.error, "");
}

TEST_F(WaveReaderTest, Channels) {
  std::string scp = Write("wav.scp", "e " + Wav("e_stereo") + "\nd " + Wav("d_short") + "\n");
  WaveData stereo = ReadWav(Wav("e_stereo"));
  ASSERT_EQ(stereo.NumChannels(), 2);
  WaveReaderOptions opts;
  std::vector<Item> items = ReadAll("scp:" + scp, opts);  // default: channel 0, a warning
  ASSERT_EQ(items[0].wave.NumChannels(), 1);
  EXPECT_TRUE(items[0].wave.Data() == stereo.Data().Range(0, 1, 0, stereo.Data().NumCols()));
  opts.channel = 1;
  items = ReadAll("scp:" + scp, opts);
  EXPECT_TRUE(items[0].wave.Data() == stereo.Data().Range(1, 1, 0, stereo.Data().NumCols()));
  EXPECT_TRUE(Contains(items[1].error, "d: channel 1 requested but the audio has 1"))
      << items[1].error;
  opts.channel = -2;
  items = ReadAll("scp:" + scp, opts);
  EXPECT_TRUE(items[0].wave.Data() == stereo.Data());
  opts.channel = -3;
  EXPECT_THROW(opts.Validate(), Error);
  opts.channel = 0;
  opts.sample_rate = -1;
  EXPECT_THROW(opts.Validate(), Error);
}

TEST_F(WaveReaderTest, SegmentsCutRecordings) {
  std::string scp = Write("wav.scp", "a " + Wav("a_speech") + "\ne " + Wav("e_stereo") + "\n");
  // a_speech is 1.430313 s (22885 samples at 16 kHz).
  std::string segments = Write("segments",
                               "s1 a 0.1 0.5\n"
                               "s2 a 1.0 -1\n"
                               "s3 a 1.2 1.5\n"       // 0.07 s past the end: clipped
                               "s4 a 1.2 1.6\n"       // 0.17 s past the end: error
                               "s5 nowhere 0 1\n"
                               "s6 e 0.1 0.2 1\n"     // channel field
                               "s7 a 1.44 1.5\n"      // starts after the end
                               "s8 a 0.1 0.10001\n");  // less than one sample
  WaveData a = ReadWav(Wav("a_speech")), e = ReadWav(Wav("e_stereo"));
  ASSERT_EQ(a.Data().NumCols(), 22885);
  WaveReaderOptions opts;
  opts.segments = segments;
  EXPECT_EQ(WaveReader("scp:" + scp, opts).NumItems(), 8);
  std::vector<Item> items = ReadAll("scp:" + scp, opts);
  ASSERT_EQ(items.size(), 8u);
  EXPECT_EQ(items[0].key, "s1");
  EXPECT_EQ(items[0].error, "");
  EXPECT_TRUE(items[0].wave.Data() == a.Data().Range(0, 1, 1600, 6400));
  EXPECT_EQ(items[0].wave.SampFreq(), 16000.0f);
  EXPECT_TRUE(items[1].wave.Data() == a.Data().Range(0, 1, 16000, 22885 - 16000));
  EXPECT_TRUE(items[2].wave.Data() == a.Data().Range(0, 1, 19200, 22885 - 19200));
  EXPECT_TRUE(Contains(items[3].error, "s4: segment 1.2-1.6 s of recording a")) << items[3].error;
  EXPECT_TRUE(Contains(items[3].error, "ends more than 0.1 s after")) << items[3].error;
  EXPECT_TRUE(Contains(items[4].error, "s5: recording nowhere is not in")) << items[4].error;
  EXPECT_EQ(items[5].error, "");
  EXPECT_TRUE(items[5].wave.Data() == e.Data().Range(1, 1, 1600, 1600));
  EXPECT_TRUE(Contains(items[6].error, "starts at or after the end")) << items[6].error;
  EXPECT_TRUE(Contains(items[7].error, "holds no samples")) << items[7].error;

  // Segments over an archive (random access through the table layer).
  std::string ark_segments = Write("segments2", "x e_stereo 0 0.25\ny d_short 0.1 -1\n");
  opts.segments = ark_segments;
  opts.channel = -2;
  items = ReadAll("ark:" + wav_dir_ + "/wavs.ark", opts);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].error, "");
  EXPECT_TRUE(items[0].wave.Data() == e.Data().Range(0, 2, 0, 4000));
  WaveData d = ReadWav(Wav("d_short"));
  EXPECT_TRUE(items[1].wave.Data() == d.Data().Range(0, 1, 1600, d.Data().NumCols() - 1600));
}

TEST_F(WaveReaderTest, BadSegmentsFileIsAnError) {
  std::string scp = Write("wav.scp", "a " + Wav("a_speech") + "\n");
  WaveReaderOptions opts;
  for (const std::string bad : {"s1 a 0.5\n", "s1 a 0.5 0.2\n", "s1 a x 1\n", "s1 a -1 1\n",
                                "s1 a 0 1 -1\n", "ok a 0 1\ns1 a 0 1 2 3\n"}) {
    opts.segments = Write("segments", bad);
    try {
      WaveReader reader("scp:" + scp, opts);
      ADD_FAILURE() << "accepted segments '" << bad << "'";
    } catch (const Error &e) {
      EXPECT_TRUE(Contains(e.what(), "segments")) << e.what();
    }
  }
  opts.segments = dir_ + "/no-such-segments";
  EXPECT_THROW(WaveReader("scp:" + scp, opts), Error);
}

TEST_F(WaveReaderTest, ArchiveInOrder) {
  WaveReaderOptions opts;
  opts.channel = -2;
  WaveReader reader("ark:" + wav_dir_ + "/wavs.ark", opts);
  EXPECT_EQ(reader.NumItems(), 0);  // not known for an archive
  std::vector<Item> items = ReadAll("ark:" + wav_dir_ + "/wavs.ark", opts);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].key, "d_short");
  EXPECT_TRUE(items[0].wave.Data() == ReadWav(Wav("d_short")).Data());
  EXPECT_EQ(items[1].key, "e_stereo");
  EXPECT_EQ(items[1].wave.NumChannels(), 2);
  // The fixture's scp points into the archive by offset.
  std::string scp = Write("wavs.scp", "e_stereo " + wav_dir_ + "/wavs.ark:9661\n");
  items = ReadAll("scp:" + scp, opts);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].error, "");
  EXPECT_TRUE(items[0].wave.Data() == ReadWav(Wav("e_stereo")).Data());
}

// h5: input goes through ReadH5Wave: int16 as is, float32 in [-1, 1) (or as full_scale says),
// a dataset that is not audio is an error for its key only.
TEST_F(WaveReaderTest, Hdf5InputWithScalesAndPerKeyErrors) {
  std::string path = dir_ + "/w.h5";
  {
    H5File f(path, H5File::Mode::kTruncate);
    f.SetAttribute("", "sample_rate", 8000.0);
    std::vector<int16_t> pcm = {100, -200, 300, 32767};
    f.Write("int", {4}, pcm.data());
    std::vector<float> unit = {0.5f, -1.0f, 0.25f, 0.0f, 0.125f, 0.0f};
    f.Write("float", {2, 3}, unit.data());
    f.SetAttribute("float", "sample_rate", 16000.0);
    std::vector<float> scaled = {100.0f, -200.0f};
    f.Write("scaled", {2}, scaled.data());
    f.SetAttribute("scaled", "full_scale", 32768.0);
    std::vector<int16_t> cube(8);
    f.Write("cube", {2, 2, 2}, cube.data());
    f.Close();
  }
  WaveReaderOptions opts;
  opts.channel = -2;
  EXPECT_EQ(WaveReader("h5:" + path, opts).NumItems(), 4);
  std::vector<Item> items = ReadAll("h5:" + path, opts);
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].key, "int");
  EXPECT_EQ(items[0].wave.SampFreq(), 8000.0f);  // the root's rate
  EXPECT_EQ(items[0].wave.Data()(0, 3), 32767.0f);
  EXPECT_EQ(items[1].wave.SampFreq(), 16000.0f);
  ASSERT_EQ(items[1].wave.NumChannels(), 2);
  EXPECT_EQ(items[1].wave.Data()(0, 0), 16384.0f);
  EXPECT_EQ(items[1].wave.Data()(0, 1), -32768.0f);
  EXPECT_EQ(items[1].wave.Data()(1, 2), 0.0f);
  EXPECT_EQ(items[2].wave.Data()(0, 1), -200.0f);
  EXPECT_TRUE(Contains(items[3].error, "cube: cannot read audio")) << items[3].error;
  EXPECT_TRUE(Contains(items[3].error, "rank 3")) << items[3].error;
  // Segments over h5 (random access by dataset name).
  opts.segments = Write("segments", "s int 0.00025 -1\nt none 0 1\n");
  items = ReadAll("h5:" + path, opts);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].error, "");
  ASSERT_EQ(items[0].wave.Data().NumCols(), 2);  // samples 2..3 at 8 kHz
  EXPECT_EQ(items[0].wave.Data()(0, 0), 300.0f);
  EXPECT_TRUE(Contains(items[1].error, "recording none is not in")) << items[1].error;
}

}  // namespace
}  // namespace voxtools

// tests/unit/io/wave-test.cc
#include "io/wave.h"

#include <gtest/gtest.h>
#include <sndfile.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "base/log.h"

namespace voxtools {
namespace {

std::string FixtureDir() {
  const char *env = getenv("VOX_FIXTURES");
  return std::string(env ? env : "/work/shared/fixtures") + "/kaldi/features";
}

std::string ReadFile(const std::string &path) {
  std::ifstream is(path, std::ios::binary);
  std::stringstream ss;
  ss << is.rdbuf();
  return ss.str();
}

// An independent little-endian 16-bit PCM parser (chunk walk), to check the library against.
std::vector<int16_t> RawPcm16(const std::string &wav, int *num_channels) {
  size_t pos = 12;
  std::vector<int16_t> out;
  while (pos + 8 <= wav.size()) {
    uint32_t size;
    std::memcpy(&size, wav.data() + pos + 4, 4);
    if (wav.compare(pos, 4, "fmt ") == 0) {
      uint16_t ch;
      std::memcpy(&ch, wav.data() + pos + 10, 2);
      *num_channels = ch;
    }
    if (wav.compare(pos, 4, "data") == 0) {
      out.resize(size / 2);
      std::memcpy(out.data(), wav.data() + pos + 8, out.size() * 2);
      return out;
    }
    pos += 8 + size + (size & 1);
  }
  return out;
}

WaveData ReadWave(const std::string &bytes) {
  std::istringstream is(bytes);
  WaveData w;
  w.Read(is);
  return w;
}

std::string WriteWave(const WaveData &w) {
  std::ostringstream os;
  w.Write(os);
  return os.str();
}

void ExpectError(const std::function<void()> &f, const std::string &part) {
  try {
    f();
    ADD_FAILURE() << "expected an Error containing '" << part << "'";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

class WaveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wavetest.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string Path(const std::string &name) const { return dir_ + "/" + name; }
  bool HaveSox() const { return std::system("command -v sox >/dev/null 2>&1") == 0; }
  // Runs a sox command line with the temp folder as working directory.
  void Sox(const std::string &args) const {
    ASSERT_EQ(std::system(("cd '" + dir_ + "' && sox -D -R " + args).c_str()), 0) << args;
  }
  std::string dir_;
};

// Every fixture wav: 16-bit values exactly as stored, channels, rate, duration from Kaldi.
TEST_F(WaveTest, FixtureWavsMatchTheirSamplesExactly) {
  struct Case { const char *name; int channels; float rate; double duration; };
  // Durations: features/durations.txt and durations_8k.txt (Kaldi's wav-to-duration).
  const Case cases[] = {{"a_speech", 1, 16000, 1.430313}, {"b_tones", 1, 16000, 0.8},
                        {"c_noisy", 1, 16000, 1.1},       {"d_short", 1, 16000, 0.3},
                        {"e_stereo", 2, 16000, 0.5},      {"f_nb8k", 1, 8000, 1.227625}};
  std::string dir = FixtureDir();
  if (access((dir + "/wav/a_speech.wav").c_str(), R_OK) != 0)
    GTEST_SKIP() << "Kaldi fixtures not found under " << dir << " (set VOX_FIXTURES)";
  for (const Case &c : cases) {
    std::string bytes = ReadFile(dir + "/wav/" + c.name + ".wav");
    WaveData w = ReadWave(bytes);
    int raw_channels = 0;
    std::vector<int16_t> raw = RawPcm16(bytes, &raw_channels);
    ASSERT_EQ(w.NumChannels(), c.channels) << c.name;
    ASSERT_EQ(raw_channels, c.channels) << c.name;
    EXPECT_EQ(w.SampFreq(), c.rate) << c.name;
    EXPECT_NEAR(w.Duration(), c.duration, 5e-7) << c.name;  // Kaldi prints 7 digits
    ASSERT_EQ(static_cast<size_t>(w.Data().NumElements()), raw.size()) << c.name;
    int64_t nonzero = 0;
    for (int64_t t = 0; t < w.Data().NumCols(); t++)
      for (int ch = 0; ch < c.channels; ch++) {
        ASSERT_EQ(w.Data()(ch, t), static_cast<float>(raw[t * c.channels + ch]))
            << c.name << " sample " << t << " channel " << ch;
        nonzero += raw[t * c.channels + ch] != 0;
      }
    EXPECT_GT(nonzero, w.Data().NumElements() / 2) << c.name;
  }
}

// Kaldi's wav archive: each entry is "key " then a RIFF; reading must stop exactly at the
// entry's end, and writing it again must give Kaldi's bytes.
TEST_F(WaveTest, KaldiWavArchiveReadsAndRewritesByteForByte) {
  std::string ark_path = FixtureDir() + "/wavs.ark";
  if (access(ark_path.c_str(), R_OK) != 0) GTEST_SKIP() << "fixture " << ark_path << " missing";
  std::string ark = ReadFile(ark_path);
  std::istringstream is(ark);
  std::string rewritten;
  std::vector<std::string> keys;
  std::string key;
  while (is >> key) {
    ASSERT_EQ(is.get(), ' ');
    keys.push_back(key);
    WaveData w;
    w.Read(is);
    rewritten += key + " " + WriteWave(w);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"d_short", "e_stereo"}));
  EXPECT_EQ(rewritten.size(), ark.size());
  EXPECT_TRUE(rewritten == ark) << "rewritten archive differs from Kaldi's";
}

// Formats Kaldi cannot read: 8/24/32-bit PCM, float WAV, FLAC, Ogg; each compared with SoX's
// own decoding of the same file to raw floats (scaled to the int16 range).
TEST_F(WaveTest, ReadsEveryFormatOnTheInt16Scale) {
  if (!HaveSox()) GTEST_SKIP() << "sox not installed (Debian packages sox, libsox-fmt-all)";
  struct Case { const char *file; const char *opts; double tolerance; };
  // Tolerances on the int16 scale: PCM decodes identically (float rounding only); Ogg is
  // lossy and two decoders may round differently by a little.
  const Case cases[] = {{"p8.wav", "-b 8", 1e-3},  {"p16.wav", "-b 16", 0},
                        {"p24.wav", "-b 24", 1e-3}, {"p32.wav", "-b 32", 1e-2},
                        {"f32.wav", "-e floating-point -b 32", 1e-3},
                        {"p16.flac", "-b 16", 0},   {"p24.flac", "-b 24", 1e-3},
                        {"v.ogg", "", 2.0}};
  for (const Case &c : cases) {
    Sox("-n -r 16000 -c 2 " + std::string(c.opts) + " " + c.file +
        " synth 0.5 sine 440 sine 1234 gain -3");
    Sox(std::string(c.file) + " -t f32 -e floating-point " + c.file + ".f32");
    std::string ref_bytes = ReadFile(Path(c.file) + ".f32");
    std::vector<float> ref(ref_bytes.size() / 4);
    std::memcpy(ref.data(), ref_bytes.data(), ref.size() * 4);
    WaveData w = ReadWave(ReadFile(Path(c.file)));
    ASSERT_EQ(w.NumChannels(), 2) << c.file;
    EXPECT_EQ(w.SampFreq(), 16000.0f) << c.file;
    ASSERT_EQ(static_cast<size_t>(w.Data().NumElements()), ref.size()) << c.file;
    double max_diff = 0, max_abs = 0;
    for (int64_t t = 0; t < w.Data().NumCols(); t++)
      for (int ch = 0; ch < 2; ch++) {
        double r = ref[t * 2 + ch] * 32768.0;
        max_diff = std::max(max_diff, std::fabs(w.Data()(ch, t) - r));
        max_abs = std::max(max_abs, std::fabs(r));
      }
    EXPECT_LE(max_diff, c.tolerance) << c.file;
    EXPECT_GT(max_abs, 10000.0) << c.file;  // a real signal near -3 dBFS, not silence
  }
  // 16-bit values are the integers themselves.
  WaveData w = ReadWave(ReadFile(Path("p16.wav")));
  for (int64_t t = 0; t < w.Data().NumCols(); t++)
    ASSERT_EQ(w.Data()(0, t), std::round(w.Data()(0, t)));
}

// A wav that SoX writes to a pipe has placeholder sizes; it is read to the end.
TEST_F(WaveTest, StreamedWavWithUnknownLength) {
  if (!HaveSox()) GTEST_SKIP() << "sox not installed";
  Sox("-n -r 8000 -b 16 -t wav - synth 0.25 sine 300 | cat > piped.wav");
  std::string bytes = ReadFile(Path("piped.wav"));
  uint32_t data_size;
  std::memcpy(&data_size, bytes.data() + 40, 4);
  ASSERT_GE(data_size, 0x7FFFF000u);  // SoX's placeholder, the case under test
  WaveData w = ReadWave(bytes);
  EXPECT_EQ(w.Data().NumCols(), 2000);
  // Kaldi's other convention: both sizes 0.
  std::memset(&bytes[4], 0, 4);
  std::memset(&bytes[40], 0, 4);
  EXPECT_EQ(ReadWave(bytes).Data().NumCols(), 2000);
}

// RF64 and a RIFF with a chunk after the data: the stream is left just past the file.
TEST_F(WaveTest, ConsumesExactlyOneFile) {
  SF_INFO info = {};
  info.samplerate = 22050;
  info.channels = 1;
  info.format = SF_FORMAT_RF64 | SF_FORMAT_PCM_16;
  SNDFILE *f = sf_open(Path("x.rf64").c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << sf_strerror(nullptr);
  std::vector<short> s(1001);
  for (size_t i = 0; i < s.size(); i++) s[i] = static_cast<short>(i * 31 - 9000);
  ASSERT_EQ(sf_write_short(f, s.data(), s.size()), static_cast<sf_count_t>(s.size()));
  sf_close(f);
  std::string rf64 = ReadFile(Path("x.rf64"));
  ASSERT_EQ(rf64.compare(0, 4, "RF64"), 0);

  WaveData mono(16000, Matrix<float>(1, 3));
  mono.Data()(0, 0) = 5;
  std::string riff = WriteWave(mono);
  // Append a LIST chunk after the data and grow the RIFF size to cover it.
  riff += std::string("LIST\x04\0\0\0abcd", 12);
  uint32_t riff_size = static_cast<uint32_t>(riff.size() - 8);
  std::memcpy(&riff[4], &riff_size, 4);

  std::istringstream is(rf64 + riff + "NEXT");
  WaveData a, b;
  a.Read(is);
  EXPECT_EQ(a.SampFreq(), 22050.0f);
  ASSERT_EQ(a.Data().NumCols(), 1001);
  for (size_t i = 0; i < s.size(); i++) ASSERT_EQ(a.Data()(0, i), s[i]);
  b.Read(is);
  EXPECT_EQ(b.Data()(0, 0), 5.0f);
  std::string rest;
  is >> rest;
  EXPECT_EQ(rest, "NEXT");
}

TEST_F(WaveTest, BadInputsAreErrors) {
  ExpectError([] { ReadWave(""); }, "Empty");
  ExpectError([] { ReadWave("hello, this is a text file, not audio\n"); },
              "Not a readable audio file");
  ExpectError([] { ReadWave("RIF"); }, "Not a readable audio file");
  WaveData w(16000, Matrix<float>(1, 1000));
  w.Data()(0, 10) = 100;
  std::string good = WriteWave(w);
  ExpectError([&] { ReadWave(good.substr(0, good.size() - 1)); }, "Truncated");
  ExpectError([&] { ReadWave(good.substr(0, 30)); }, "Truncated");
  ExpectError([&] { ReadWave(good.substr(0, 44)); }, "Truncated");
  // A consistent header over no samples: Kaldi calls this an empty file too.
  WaveData one(16000, Matrix<float>(1, 1));
  std::string empty_data = WriteWave(one).substr(0, 44);
  uint32_t zero = 0, riff = 36;
  std::memcpy(&empty_data[40], &zero, 4);
  std::memcpy(&empty_data[4], &riff, 4);
  ExpectError([&] { ReadWave(empty_data); }, "no samples");
  if (HaveSox()) {
    Sox("-n -r 16000 -b 16 t.flac synth 1 sine 440");
    std::string flac = ReadFile(Path("t.flac"));
    ExpectError([&] { ReadWave(flac.substr(0, flac.size() / 2)); }, "runcated");
  }
}

TEST_F(WaveTest, WriteRoundsClipsAndRefuses) {
  Matrix<float> m(2, 4);
  float left[] = {1.6f, -1.6f, 40000.0f, -40000.0f};
  float right[] = {0.4f, 32767.0f, -32768.0f, 2.5f};
  for (int t = 0; t < 4; t++) {
    m(0, t) = left[t];
    m(1, t) = right[t];
  }
  std::string bytes = WriteWave(WaveData(8000, m));
  ASSERT_EQ(bytes.size(), 44u + 16u);
  int channels = 0;
  std::vector<int16_t> raw = RawPcm16(bytes, &channels);
  EXPECT_EQ(channels, 2);
  // Interleaved; rounding to nearest (ties to even), clipping to the int16 range.
  EXPECT_EQ(raw, (std::vector<int16_t>{2, 0, -2, 32767, 32767, -32768, -32768, 2}));
  WaveData back = ReadWave(bytes);
  EXPECT_EQ(back.SampFreq(), 8000.0f);
  EXPECT_EQ(back.Data()(1, 1), 32767.0f);
  ExpectError([] { WriteWave(WaveData()); }, "empty");
  ExpectError([] { WriteWave(WaveData(16000.5f, Matrix<float>(1, 2))); }, "sample rate");
  Matrix<float> bad(1, 2);
  bad(0, 1) = NAN;
  ExpectError([&] { WriteWave(WaveData(16000, bad)); }, "nan");
}

}  // namespace
}  // namespace voxtools

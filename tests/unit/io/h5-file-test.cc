// tests/unit/io/h5-file-test.cc
#include "io/h5-file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "base/log.h"

namespace voxtools {
namespace {

// A fresh directory per test, removed at the end.
class H5FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") + std::string("/h5test.XXXXXX");
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    ASSERT_NE(mkdtemp(buf.data()), nullptr);
    dir_ = buf.data();
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string Path(const std::string &name) const { return dir_ + "/" + name; }
  std::string dir_;
};

void ExpectError(const std::function<void()> &f, const std::vector<std::string> &parts) {
  try {
    f();
    ADD_FAILURE() << "expected an Error containing '" << parts[0] << "'";
  } catch (const Error &e) {
    for (const auto &p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
          << "message '" << e.what() << "' lacks '" << p << "'";
  }
}

int64_t NumElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// Values that differ per element and exercise sign and fraction where the type has them.
template <typename T>
std::vector<T> Pattern(int64_t n) {
  std::vector<T> v(n);
  for (int64_t i = 0; i < n; i++) {
    double x = (i % 2 ? -1.0 : 1.0) * static_cast<double>((i * 7919) % 30011);
    if (std::is_floating_point<T>::value) x += 0.25;
    v[i] = static_cast<T>(x);
  }
  return v;
}

// Shapes: scalar, 1, odd, one chunk +-1, several chunks with a tail, 2-D to 4-D, empty.
const std::vector<std::vector<int64_t>> kShapes = {
    {}, {1}, {7}, {65535}, {65537}, {3, 5}, {1001, 80}, {2, 3, 4}, {2, 3, 4, 5},
    {0}, {0, 80}, {80, 0}, {2, 0, 3}};

template <typename T>
void RoundTripAllShapes(const std::string &path, int compression) {
  {
    H5File f(path, H5File::Mode::kTruncate);
    f.SetCompression(compression);
    for (size_t s = 0; s < kShapes.size(); s++) {
      std::vector<T> data = Pattern<T>(NumElements(kShapes[s]));
      f.Write("shape" + std::to_string(s), kShapes[s], data.data());
    }
    f.Close();
  }
  H5File f(path, H5File::Mode::kRead);
  for (size_t s = 0; s < kShapes.size(); s++) {
    std::string key = "shape" + std::to_string(s);
    std::vector<int64_t> shape;
    std::vector<T> data;
    f.Read(key, &shape, &data);
    EXPECT_EQ(shape, kShapes[s]) << key;
    EXPECT_EQ(data, Pattern<T>(NumElements(kShapes[s]))) << key;
    EXPECT_EQ(f.Info(key).shape, kShapes[s]) << key;
  }
}

TEST_F(H5FileTest, RoundTripEveryTypeAndShape) {
  RoundTripAllShapes<int16_t>(Path("i16.h5"), 0);
  RoundTripAllShapes<int32_t>(Path("i32.h5"), 0);
  RoundTripAllShapes<float>(Path("f32.h5"), 0);
  RoundTripAllShapes<double>(Path("f64.h5"), 3);
  H5File f(Path("f32.h5"), H5File::Mode::kRead);
  EXPECT_EQ(f.Info("shape1").type, H5Type::kFloat32);
  H5File g(Path("i16.h5"), H5File::Mode::kRead);
  EXPECT_EQ(g.Info("shape1").type, H5Type::kInt16);
}

TEST_F(H5FileTest, ConvertsOnReadAndRefusesOutOfRange) {
  H5File f(Path("c.h5"), H5File::Mode::kTruncate);
  std::vector<int16_t> wav = {0, 1, -1, 32767, -32768};
  f.Write("wav", {5}, wav.data());
  std::vector<float> big = {1.0f, 40000.0f};
  f.Write("big", {2}, big.data());
  std::vector<float> nan = {std::numeric_limits<float>::quiet_NaN()};
  f.Write("nan", {1}, nan.data());
  std::vector<double> huge = {1e300};
  f.Write("huge", {1}, huge.data());

  std::vector<int64_t> shape;
  std::vector<float> as_float;
  f.Read("wav", &shape, &as_float);
  EXPECT_EQ(as_float, (std::vector<float>{0, 1, -1, 32767, -32768}));
  std::vector<double> as_double;
  f.Read("big", &shape, &as_double);
  EXPECT_EQ(as_double, (std::vector<double>{1.0, 40000.0}));
  std::vector<int16_t> as_int16;
  ExpectError([&] { f.Read("big", &shape, &as_int16); }, {"big", "c.h5", "out of range"});
  ExpectError([&] { f.Read("nan", &shape, &as_int16); }, {"nan", "out of range"});
  std::vector<float> frac = {2.75f, -2.75f};
  f.Write("frac", {2}, frac.data());
  f.Read("frac", &shape, &as_int16);
  EXPECT_EQ(as_int16, (std::vector<int16_t>{2, -2}));  // truncated, as HDF5 converts
  ExpectError([&] { f.Read("huge", &shape, &as_float); }, {"huge"});
}

TEST_F(H5FileTest, NestedKeysAndCreationOrder) {
  std::vector<std::string> keys = {"c", "spk2/utt9", "a", "spk1/x/deep", "spk2/utt1", "b", "0"};
  {
    H5File f(Path("n.h5"), H5File::Mode::kTruncate);
    float v = 1.0f;
    for (const auto &k : keys) {
      f.Write(k, {1}, &v);
      v += 1.0f;
    }
    EXPECT_TRUE(f.HasDataset("spk1/x/deep"));
    EXPECT_FALSE(f.HasDataset("spk1"));  // a group, not a dataset
    EXPECT_FALSE(f.HasDataset("spk1/y"));
    EXPECT_FALSE(f.HasDataset("nothing/here"));
    ExpectError([&] { f.Write("spk1", {1}, &v); }, {"spk1", "exists"});
    ExpectError([&] { f.Write("a", {1}, &v); }, {"'a'", "exists"});
    ExpectError([&] { f.Write("a/b", {1}, &v); }, {"a/b", "not a group"});
    for (const std::string bad : {"", "/a", "a//b", "a/", "./a", "a/../b"})
      EXPECT_THROW(f.Write(bad, {1}, &v), Error) << "key '" << bad << "'";
    f.Close();
  }
  // Depth-first: a group's datasets appear where the group was first created.
  std::vector<std::string> expected = {"c", "spk2/utt9", "spk2/utt1", "a", "spk1/x/deep", "b", "0"};
  {
    H5File f(Path("n.h5"), H5File::Mode::kRead);
    EXPECT_EQ(f.ListDatasets(), expected);
    std::vector<int64_t> shape;
    std::vector<float> data;
    f.Read("spk1/x/deep", &shape, &data);
    EXPECT_EQ(data, std::vector<float>{4.0f});
  }
  {
    H5File f(Path("n.h5"), H5File::Mode::kReadWrite);  // appending keeps the order
    float v = 9.0f;
    f.Write("spk2/utt0", {1}, &v);
    f.Write("aa", {1}, &v);
    f.Close();
  }
  H5File f(Path("n.h5"), H5File::Mode::kRead);
  expected = {"c", "spk2/utt9", "spk2/utt1", "spk2/utt0", "a", "spk1/x/deep", "b", "0", "aa"};
  EXPECT_EQ(f.ListDatasets(), expected);
}

TEST_F(H5FileTest, Attributes) {
  {
    H5File f(Path("a.h5"), H5File::Mode::kTruncate);
    std::vector<int16_t> d = {1, 2};
    f.Write("g/utt", {2}, d.data());
    f.SetAttribute("", "sample_rate", 16000.0);
    f.SetAttribute("g/utt", "sample_rate", 8000.0);
    f.SetAttribute("g/utt", "frame_shift", 0.01);
    f.SetAttribute("g/utt", "note", std::string("first"));
    f.SetAttribute("g/utt", "note", std::string("héllo wörld"));  // replaces; UTF-8
    f.SetAttribute("", "empty", std::string());
    ExpectError([&] { f.SetAttribute("missing", "x", 1.0); }, {"missing", "a.h5"});
    f.Close();
  }
  H5File f(Path("a.h5"), H5File::Mode::kRead);
  double x = 0;
  EXPECT_TRUE(f.GetAttribute("", "sample_rate", &x));
  EXPECT_EQ(x, 16000.0);
  EXPECT_TRUE(f.GetAttribute("g/utt", "sample_rate", &x));
  EXPECT_EQ(x, 8000.0);
  EXPECT_TRUE(f.GetAttribute("g/utt", "frame_shift", &x));
  EXPECT_EQ(x, 0.01);
  EXPECT_FALSE(f.GetAttribute("g/utt", "absent", &x));
  std::string s;
  EXPECT_TRUE(f.GetAttribute("g/utt", "note", &s));
  EXPECT_EQ(s, "héllo wörld");
  EXPECT_TRUE(f.GetAttribute("", "empty", &s));
  EXPECT_EQ(s, "");
  ExpectError([&] { f.GetAttribute("g/utt", "note", &x); }, {"note", "not a number"});
  ExpectError([&] { f.GetAttribute("g/utt", "sample_rate", &s); }, {"sample_rate", "not a string"});
  ExpectError([&] { f.SetAttribute("g/utt", "x", 1.0); }, {"read-only"});
  // Attributes are not datasets.
  EXPECT_EQ(f.ListDatasets(), std::vector<std::string>{"g/utt"});
}

TEST_F(H5FileTest, CompressionShrinksAndReadsBack) {
  std::vector<float> zeros(200000, 0.0f);
  zeros[12345] = 3.5f;
  for (int level : {0, 6}) {
    H5File f(Path("z" + std::to_string(level) + ".h5"), H5File::Mode::kTruncate);
    f.SetCompression(level);
    f.Write("m", {2000, 100}, zeros.data());
    f.Close();
  }
  struct stat plain, packed;
  ASSERT_EQ(stat(Path("z0.h5").c_str(), &plain), 0);
  ASSERT_EQ(stat(Path("z6.h5").c_str(), &packed), 0);
  EXPECT_GT(plain.st_size, 800000);  // 200k floats stored as they are
  EXPECT_LT(packed.st_size, 50000);  // zeros deflate to almost nothing
  {
    H5File f(Path("z6.h5"), H5File::Mode::kRead);
    std::vector<int64_t> shape;
    std::vector<float> back;
    f.Read("m", &shape, &back);
    EXPECT_EQ(back, zeros);
  }
  H5File g(Path("z6.h5"), H5File::Mode::kReadWrite);
  EXPECT_THROW(g.SetCompression(10), Error);
  EXPECT_THROW(g.SetCompression(-1), Error);
}

// HDF5 stores edge chunks at full size; chunk shapes must not make a file much larger than
// its data (a [900, 80] matrix cut as 819 + 81 rows would take 1638 rows).
TEST_F(H5FileTest, ChunksDoNotWasteSpace) {
  int64_t payload = 0;
  {
    H5File f(Path("c.h5"), H5File::Mode::kTruncate);
    for (int64_t rows : {900, 1700, 820, 5}) {
      std::vector<float> m(rows * 80, 1.0f);
      f.Write("m" + std::to_string(rows), {rows, 80}, m.data());
      payload += rows * 80 * 4;
    }
    std::vector<int16_t> wav(100001, 7);
    f.Write("wav", {100001}, wav.data());
    payload += 100001 * 2;
    f.Close();
  }
  struct stat st;
  ASSERT_EQ(stat(Path("c.h5").c_str(), &st), 0);
  EXPECT_LT(st.st_size, payload + payload / 50 + 8192) << "payload " << payload;  // 2% + headers
}

TEST_F(H5FileTest, OpenErrors) {
  ExpectError([&] { H5File f(Path("none.h5"), H5File::Mode::kRead); }, {"none.h5", "no such file"});
  std::ofstream(Path("text.h5")) << "this is not hdf5\n";
  ExpectError([&] { H5File f(Path("text.h5"), H5File::Mode::kRead); }, {"text.h5", "not an HDF5 file"});
  ExpectError([&] { H5File f(Path("text.h5"), H5File::Mode::kReadWrite); }, {"not an HDF5 file"});
  ExpectError([&] { H5File f(Path("no/such/dir.h5"), H5File::Mode::kTruncate); },
              {"Cannot create", "dir.h5"});
  {
    H5File f(Path("ok.h5"), H5File::Mode::kTruncate);
    float v = 1;
    f.Write("k", {1}, &v);
  }  // closed by the destructor
  H5File f(Path("ok.h5"), H5File::Mode::kRead);
  std::vector<int64_t> shape;
  std::vector<float> data;
  ExpectError([&] { f.Read("missing/key", &shape, &data); }, {"missing/key", "ok.h5"});
  ExpectError([&] { f.Info("missing"); }, {"missing"});
  float v = 2;
  ExpectError([&] { f.Write("k2", {1}, &v); }, {"read-only"});
  // A file opened for writing can be made empty and still read.
  H5File e(Path("empty.h5"), H5File::Mode::kTruncate);
  e.Close();
  EXPECT_TRUE(H5File(Path("empty.h5"), H5File::Mode::kRead).ListDatasets().empty());
}

// The files must be readable without project code: h5dump and h5py.
TEST_F(H5FileTest, ReadableByH5dumpAndH5py) {
  {
    H5File f(Path("x.h5"), H5File::Mode::kTruncate);
    f.SetCompression(4);
    std::vector<int16_t> wav = {10, -20, 30};
    f.Write("spk1/utt1", {3}, wav.data());
    std::vector<float> m = {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f};
    f.Write("utt2", {2, 3}, m.data());
    f.SetAttribute("spk1/utt1", "sample_rate", 16000.0);
    f.SetAttribute("", "tool", std::string("voxtools"));
    f.Close();
  }
  if (std::system("command -v h5dump >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "h5dump not installed (Debian package hdf5-tools)";
  }
  std::string dump = Path("dump.txt");
  ASSERT_EQ(std::system(("h5dump '" + Path("x.h5") + "' > '" + dump + "' 2>&1").c_str()), 0);
  std::stringstream text;
  text << std::ifstream(dump).rdbuf();
  EXPECT_NE(text.str().find("DATASET \"utt1\""), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("10, -20, 30"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("\"voxtools\""), std::string::npos) << text.str();

  const char *python = getenv("VOX_PYTHON") ? getenv("VOX_PYTHON") : "/usr/bin/python3";
  if (std::system((std::string(python) + " -c 'import h5py' 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "h5py not importable by " << python << " (Debian package python3-h5py)";
  std::string script =
      "import h5py, sys\n"
      "f = h5py.File(sys.argv[1], 'r')\n"
      "names = []\n"
      "f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)\n"
      "u = f['spk1/utt1']\n"
      "print(sorted(names), u.dtype, list(u[()]), u.attrs['sample_rate'],\n"
      "      f['utt2'].shape, float(f['utt2'][1, 2]), f.attrs['tool'])\n";
  std::ofstream(Path("read.py")) << script;
  std::string out = Path("py.txt");
  ASSERT_EQ(std::system((std::string(python) + " '" + Path("read.py") + "' '" + Path("x.h5") +
                         "' > '" + out + "' 2>&1").c_str()),
            0);
  std::stringstream got;
  got << std::ifstream(out).rdbuf();
  EXPECT_EQ(got.str(),
            "['spk1/utt1', 'utt2'] int16 [10, -20, 30] 16000.0 (2, 3) 5.5 voxtools\n");
}

// Files written elsewhere (h5py, no creation-order index) list in name order, and their
// fixed-length string attributes read back.
TEST_F(H5FileTest, ReadsForeignFilesInNameOrder) {
  const char *python = getenv("VOX_PYTHON") ? getenv("VOX_PYTHON") : "/usr/bin/python3";
  if (std::system((std::string(python) + " -c 'import h5py' 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "h5py not importable by " << python << " (Debian package python3-h5py)";
  std::string script =
      "import h5py, numpy, sys\n"
      "f = h5py.File(sys.argv[1], 'w')\n"
      "for k in ['zeta', 'alpha', 'grp/b', 'grp/a', 'mid']:\n"
      "    f[k] = numpy.arange(4, dtype='int16')\n"
      "f['alpha'].attrs['fixed'] = numpy.bytes_(b'abc')\n"
      "f['alpha'].attrs['rate'] = numpy.int32(8000)\n"
      "f.close()\n";
  std::ofstream(Path("make.py")) << script;
  ASSERT_EQ(std::system((std::string(python) + " '" + Path("make.py") + "' '" + Path("py.h5") + "'").c_str()), 0);
  H5File f(Path("py.h5"), H5File::Mode::kRead);
  EXPECT_EQ(f.ListDatasets(), (std::vector<std::string>{"alpha", "grp/a", "grp/b", "mid", "zeta"}));
  std::string s;
  ASSERT_TRUE(f.GetAttribute("alpha", "fixed", &s));
  EXPECT_EQ(s, "abc");
  double rate = 0;
  ASSERT_TRUE(f.GetAttribute("alpha", "rate", &rate));
  EXPECT_EQ(rate, 8000.0);
  std::vector<int64_t> shape;
  std::vector<double> data;
  f.Read("grp/b", &shape, &data);
  EXPECT_EQ(data, (std::vector<double>{0, 1, 2, 3}));
}

}  // namespace
}  // namespace voxtools

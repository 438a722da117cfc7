// tests/unit/io/kaldi-object-test.cc
// Matrix and vector objects against the archives real Kaldi wrote (fixtures/kaldi/tables):
// byte-identical writing in both modes, bit-exact reading of every text layout, Kaldi's
// double->float conversion, and clear Errors on damaged input.
#include "io/kaldi-object.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "base/log.h"
#include "io/io-funcs.h"
#include "test-util.h"

namespace voxtools {
namespace {

using test::ArchiveEntry;
using test::ErrorOf;
using test::Fixture;
using test::SplitArchive;

template <typename Real>
struct KeyedMatrices {
  std::vector<ArchiveEntry> entries;
  std::vector<Matrix<Real>> mats;
};

template <typename Real>
KeyedMatrices<Real> ReadMatrixArchive(const std::string &data) {
  KeyedMatrices<Real> out;
  out.entries = SplitArchive(data, [&](std::istream &is, bool binary) {
    Matrix<Real> m;
    ReadMatrix(is, binary, &m);
    out.mats.push_back(m);
  });
  return out;
}

template <typename Real>
struct KeyedVectors {
  std::vector<ArchiveEntry> entries;
  std::vector<Vector<Real>> vecs;
};

template <typename Real>
KeyedVectors<Real> ReadVectorArchive(const std::string &data) {
  KeyedVectors<Real> out;
  out.entries = SplitArchive(data, [&](std::istream &is, bool binary) {
    Vector<Real> v;
    ReadVector(is, binary, &v);
    out.vecs.push_back(v);
  });
  return out;
}

template <typename Real>
std::string WriteMatrixArchive(const std::vector<ArchiveEntry> &entries,
                               const std::vector<Matrix<Real>> &mats, bool binary) {
  std::ostringstream os;
  for (size_t i = 0; i < mats.size(); i++) {
    os << entries[i].key << ' ';
    WriteBinaryMarker(os, binary);
    WriteMatrix(os, binary, mats[i]);
  }
  return os.str();
}

template <typename Real>
std::string WriteVectorArchive(const std::vector<ArchiveEntry> &entries,
                               const std::vector<Vector<Real>> &vecs, bool binary) {
  std::ostringstream os;
  for (size_t i = 0; i < vecs.size(); i++) {
    os << entries[i].key << ' ';
    WriteBinaryMarker(os, binary);
    WriteVector(os, binary, vecs[i]);
  }
  return os.str();
}

// Bit-for-bit equality (so -0 vs 0 and denormals count).
template <typename Real>
bool SameBits(const Matrix<Real> &a, const Matrix<Real> &b) {
  return a.NumRows() == b.NumRows() && a.NumCols() == b.NumCols() &&
         (a.NumElements() == 0 ||
          std::memcmp(a.Data(), b.Data(), a.NumElements() * sizeof(Real)) == 0);
}
template <typename Real>
bool SameBits(const Vector<Real> &a, const Vector<Real> &b) {
  return a.Dim() == b.Dim() &&
         (a.Dim() == 0 || std::memcmp(a.Data(), b.Data(), a.Dim() * sizeof(Real)) == 0);
}

template <typename Real, typename Object>
Object ReadSingle(const std::string &bytes, void (*read)(std::istream &, bool, Object *),
                  bool expect_binary) {
  std::istringstream is(bytes);
  bool binary;
  ReadBinaryMarker(is, &binary);
  EXPECT_EQ(binary, expect_binary);
  Object obj;
  read(is, binary, &obj);
  EXPECT_EQ(is.peek(), EOF) << "the reader must consume the whole object";
  return obj;
}

template <typename Object>
std::string WriteSingle(const Object &obj, bool binary,
                        void (*write)(std::ostream &, bool, const Object &)) {
  std::ostringstream os;
  WriteBinaryMarker(os, binary);
  write(os, binary, obj);
  return os.str();
}

TEST(KaldiObject, SingleMatrixFiles) {
  VOX_REQUIRE_KALDI_FIXTURES();
  const float expected[] = {1.5f, -2.0f, 3.0f, 4.0f, 5.25f, -6e-05f};
  std::string bin = Fixture("tables/single_mat.bin"), txt = Fixture("tables/single_mat.txt");
  for (const std::string *file : std::vector<const std::string *>{&bin, &txt, nullptr}) {
    std::string bytes = file ? *file : Fixture("tables/single_mat.in.txt");  // "; " rows
    Matrix<float> m = ReadSingle<float>(bytes, &ReadMatrix<float>, file == &bin);
    ASSERT_EQ(m.NumRows(), 2);
    ASSERT_EQ(m.NumCols(), 3);
    EXPECT_EQ(std::memcmp(m.Data(), expected, sizeof(expected)), 0);
  }
  Matrix<float> m = ReadSingle<float>(bin, &ReadMatrix<float>, true);
  EXPECT_EQ(WriteSingle(m, true, &WriteMatrix<float>), bin);
  EXPECT_EQ(WriteSingle(m, false, &WriteMatrix<float>), txt);
}

TEST(KaldiObject, SingleVectorFiles) {
  VOX_REQUIRE_KALDI_FIXTURES();
  const float expected[] = {0.5f, -0.25f, 1e-08f, 42.0f};
  std::string bin = Fixture("tables/single_vec.bin"), txt = Fixture("tables/single_vec.txt");
  for (const std::string *file : {&bin, &txt}) {
    Vector<float> v = ReadSingle<float>(*file, &ReadVector<float>, file == &bin);
    ASSERT_EQ(v.Dim(), 4);
    EXPECT_EQ(std::memcmp(v.Data(), expected, sizeof(expected)), 0);
  }
  Vector<float> v = ReadSingle<float>(bin, &ReadVector<float>, true);
  EXPECT_EQ(WriteSingle(v, true, &WriteVector<float>), bin);
  EXPECT_EQ(WriteSingle(v, false, &WriteVector<float>), txt);
}

TEST(KaldiObject, FloatMatrixArchivesAreByteIdentical) {
  VOX_REQUIRE_KALDI_FIXTURES();
  std::string ark = Fixture("tables/float_mats.ark"), txt = Fixture("tables/float_mats.txt");
  auto bin = ReadMatrixArchive<float>(ark);
  auto text = ReadMatrixArchive<float>(txt);
  auto hand = ReadMatrixArchive<float>(Fixture("tables/float_mats.in.txt"));
  ASSERT_EQ(bin.mats.size(), 7u);
  ASSERT_EQ(text.mats.size(), 7u);
  ASSERT_EQ(hand.mats.size(), 7u);
  EXPECT_EQ(bin.entries[6].key, "fbank_123x80");
  EXPECT_EQ(bin.mats[6].NumRows(), 123);
  EXPECT_EQ(bin.mats[6].NumCols(), 80);
  EXPECT_EQ(bin.mats[0].NumRows(), 0);           // empty_0x0
  EXPECT_EQ(bin.mats[5](0, 2), 1e-45f);          // the denormal survives
  EXPECT_TRUE(std::signbit(bin.mats[5](0, 1)));  // and so does -0

  EXPECT_EQ(WriteMatrixArchive(bin.entries, bin.mats, true), ark);
  EXPECT_EQ(WriteMatrixArchive(bin.entries, bin.mats, false), txt);
  for (size_t i = 0; i < 7; i++) {
    EXPECT_EQ(text.entries[i].key, bin.entries[i].key);
    EXPECT_EQ(hand.entries[i].key, bin.entries[i].key);
    EXPECT_TRUE(SameBits(hand.mats[i], bin.mats[i]))
        << "hand-written layout of " << bin.entries[i].key;
  }
  // The text archive holds 7 significant digits: reading it back and writing it again gives
  // the same text (the text form is a fixed point).
  EXPECT_EQ(WriteMatrixArchive(text.entries, text.mats, false), txt);

  // The scp offsets Kaldi wrote point where the reader started each object.
  auto offsets = test::ScpOffsets(Fixture("tables/float_mats.scp"));
  ASSERT_EQ(offsets.size(), 7u);
  for (size_t i = 0; i < 7; i++) {
    EXPECT_EQ(offsets[i].first, bin.entries[i].key);
    EXPECT_EQ(offsets[i].second, bin.entries[i].offset);
  }
  auto text_offsets = test::ScpOffsets(Fixture("tables/float_mats.t.scp"));
  ASSERT_EQ(text_offsets.size(), 7u);
  for (size_t i = 0; i < 7; i++) EXPECT_EQ(text_offsets[i].second, text.entries[i].offset);
}

TEST(KaldiObject, FloatVectorArchivesAreByteIdentical) {
  VOX_REQUIRE_KALDI_FIXTURES();
  std::string ark = Fixture("tables/float_vecs.ark"), txt = Fixture("tables/float_vecs.txt");
  auto bin = ReadVectorArchive<float>(ark);
  auto text = ReadVectorArchive<float>(txt);
  auto hand = ReadVectorArchive<float>(Fixture("tables/float_vecs.in.txt"));
  ASSERT_EQ(bin.vecs.size(), 5u);
  EXPECT_EQ(bin.vecs[0].Dim(), 0);
  EXPECT_EQ(bin.vecs[4].Dim(), 512);
  EXPECT_EQ(WriteVectorArchive(bin.entries, bin.vecs, true), ark);
  EXPECT_EQ(WriteVectorArchive(bin.entries, bin.vecs, false), txt);
  EXPECT_EQ(WriteVectorArchive(text.entries, text.vecs, false), txt);
  ASSERT_EQ(hand.vecs.size(), 5u);
  for (size_t i = 0; i < 5; i++) EXPECT_TRUE(SameBits(hand.vecs[i], bin.vecs[i])) << i;
  auto offsets = test::ScpOffsets(Fixture("tables/float_vecs.scp"));
  ASSERT_EQ(offsets.size(), 5u);
  for (size_t i = 0; i < 5; i++) EXPECT_EQ(offsets[i].second, bin.entries[i].offset);
}

TEST(KaldiObject, DoubleVectorsWrittenByKaldi) {
  VOX_REQUIRE_KALDI_FIXTURES();
  std::string bin = Fixture("tables/double_mean.bin");
  Vector<double> d = ReadSingle<double>(bin, &ReadVector<double>, true);
  ASSERT_EQ(d.Dim(), 7);
  EXPECT_EQ(WriteSingle(d, true, &WriteVector<double>), bin);
  EXPECT_EQ(WriteSingle(d, false, &WriteVector<double>), Fixture("tables/double_mean.txt"));
  Vector<float> f = ReadSingle<float>(bin, &ReadVector<float>, true);
  EXPECT_EQ(WriteSingle(f, false, &WriteVector<float>), Fixture("tables/double_mean.asfloat.txt"));

  std::string empty = Fixture("tables/double_mean_empty.bin");
  Vector<double> e = ReadSingle<double>(empty, &ReadVector<double>, true);
  EXPECT_EQ(e.Dim(), 0);
  EXPECT_EQ(WriteSingle(e, true, &WriteVector<double>), empty);
}

TEST(KaldiObject, DoubleTablesConvertToFloatAsKaldi) {
  VOX_REQUIRE_KALDI_FIXTURES();
  std::string dm = Fixture("tables/double_mats.hand.ark");
  auto as_float = ReadMatrixArchive<float>(dm);
  ASSERT_EQ(as_float.mats.size(), 3u);
  EXPECT_EQ(WriteMatrixArchive(as_float.entries, as_float.mats, true),
            Fixture("tables/double_mats.hand.asfloat.ark"));
  EXPECT_EQ(WriteMatrixArchive(as_float.entries, as_float.mats, false),
            Fixture("tables/double_mats.hand.kaldi.txt"));
  auto as_double = ReadMatrixArchive<double>(dm);
  EXPECT_EQ(WriteMatrixArchive(as_double.entries, as_double.mats, true), dm);

  std::string dv = Fixture("tables/double_vecs.hand.ark");
  auto vf = ReadVectorArchive<float>(dv);
  ASSERT_EQ(vf.vecs.size(), 2u);
  EXPECT_EQ(vf.vecs[1](2), 0.0f);  // 1e-300 underflows to 0, as in Kaldi
  EXPECT_EQ(WriteVectorArchive(vf.entries, vf.vecs, true),
            Fixture("tables/double_vecs.hand.asfloat.ark"));
  EXPECT_EQ(WriteVectorArchive(vf.entries, vf.vecs, false),
            Fixture("tables/double_vecs.hand.kaldi.txt"));
  auto vd = ReadVectorArchive<double>(dv);
  EXPECT_EQ(vd.vecs[1](2), 1e-300);
  EXPECT_EQ(WriteVectorArchive(vd.entries, vd.vecs, true), dv);

  // And a float object read as double converts exactly.
  auto fd = ReadMatrixArchive<double>(Fixture("tables/float_mats.ark"));
  auto ff = ReadMatrixArchive<float>(Fixture("tables/float_mats.ark"));
  ASSERT_EQ(fd.mats.size(), ff.mats.size());
  EXPECT_TRUE(SameBits(Matrix<float>(fd.mats[6]), ff.mats[6]));
}

// Round trips at awkward sizes: binary is exact, text is a fixed point after one pass and
// within the 7-digit rounding of the original.
template <typename Real>
void CheckRoundTrips(std::mt19937 *rng) {
  std::normal_distribution<double> gauss(0.0, 1.0);
  const int sizes[][2] = {{1, 1}, {1, 7}, {7, 1}, {3, 17}, {17, 3}, {0, 0}, {33, 65}};
  for (const auto &size : sizes) {
    Matrix<Real> m(size[0], size[1]);
    for (int64_t i = 0; i < m.NumElements(); i++)
      m.Data()[i] = static_cast<Real>(gauss(*rng) * std::pow(10.0, (i % 9) - 4));
    SCOPED_TRACE(testing::Message() << size[0] << " x " << size[1]);
    std::stringstream ss;
    WriteMatrix(ss, true, m);
    WriteMatrix(ss, false, m);
    Matrix<Real> back_bin, back_text;
    ReadMatrix(ss, true, &back_bin);
    ReadMatrix(ss, false, &back_text);
    EXPECT_EQ(ss.peek(), EOF);
    EXPECT_TRUE(SameBits(back_bin, m));
    ASSERT_EQ(back_text.NumRows(), m.NumRows());
    ASSERT_EQ(back_text.NumCols(), m.NumCols());
    for (int64_t i = 0; i < m.NumElements(); i++) {
      // 7 significant digits: relative error at most 5e-7 (plus the float rounding).
      EXPECT_NEAR(back_text.Data()[i], m.Data()[i], 6e-7 * std::fabs(m.Data()[i]));
    }
    std::ostringstream t1, t2;
    WriteMatrix(t1, false, m);
    WriteMatrix(t2, false, back_text);
    EXPECT_EQ(t1.str(), t2.str());

    Vector<Real> v(size[1]);
    for (int64_t i = 0; i < v.Dim(); i++) v(i) = static_cast<Real>(gauss(*rng));
    std::stringstream vs;
    WriteVector(vs, true, v);
    WriteVector(vs, false, v);
    Vector<Real> vb, vt;
    ReadVector(vs, true, &vb);
    ReadVector(vs, false, &vt);
    EXPECT_TRUE(SameBits(vb, v));
    ASSERT_EQ(vt.Dim(), v.Dim());
  }
}

TEST(KaldiObject, RoundTripsAtAwkwardSizes) {
  const unsigned seed = 20240611;
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  CheckRoundTrips<float>(&rng);
  CheckRoundTrips<double>(&rng);
}

TEST(KaldiObject, TextLayoutsKaldiAccepts) {
  Matrix<float> m;
  std::istringstream a("[1 2\n3 4]");
  ReadMatrix(a, false, &m);
  EXPECT_EQ(m.NumRows(), 2);
  EXPECT_EQ(m(1, 1), 4.0f);
  std::istringstream b(" [\n  1 2 \n\n  3 4 \n ]\n");  // blank line, ']' on its own line
  ReadMatrix(b, false, &m);
  EXPECT_EQ(m.NumRows(), 2);
  EXPECT_EQ(m(1, 0), 3.0f);
  std::istringstream c(" []\nnext");
  ReadMatrix(c, false, &m);
  EXPECT_EQ(m.NumRows(), 0);
  EXPECT_EQ(c.get(), 'n');  // the newline after the object is consumed, no more
  std::istringstream d("[ 1e-45 -0 1E-7 +2.5 ]\r\nx");
  Vector<float> v;
  ReadVector(d, false, &v);
  ASSERT_EQ(v.Dim(), 4);
  EXPECT_EQ(v(0), 1e-45f);
  EXPECT_TRUE(std::signbit(v(1)));
  EXPECT_EQ(v(3), 2.5f);
  EXPECT_EQ(d.get(), 'x');
}

TEST(KaldiObject, TextErrorsNameWhatAndWhere) {
  Matrix<float> m;
  Vector<float> v;
  auto matrix_error = [&](const std::string &text) {
    std::istringstream is(text);
    return ErrorOf([&] { ReadMatrix(is, false, &m); });
  };
  auto vector_error = [&](const std::string &text) {
    std::istringstream is(text);
    return ErrorOf([&] { ReadVector(is, false, &v); });
  };
  EXPECT_NE(
      matrix_error(" [\n  1 2 \n  3 nan ]\n").find("non-finite value 'nan' at row 1, column 1"),
      std::string::npos);
  EXPECT_NE(matrix_error("[ 1 2 ; inf 4 ]").find("non-finite value 'inf' at row 1, column 0"),
            std::string::npos);
  EXPECT_NE(matrix_error("[ 1 2 \n 3 ]").find("row 0 has 2 values, row 1 has 1"),
            std::string::npos);
  EXPECT_NE(
      matrix_error(" [\n 1 2 \n 3 4").find("truncated text matrix: stream ended after 4 values"),
      std::string::npos);
  EXPECT_NE(matrix_error("[ 1 abc ]")
                .find("expected a number in text matrix at row 0, column 1, got 'abc'"),
            std::string::npos);
  EXPECT_NE(matrix_error("FM 1 2").find("expected '[' at the start of a text matrix, got 'FM'"),
            std::string::npos);
  EXPECT_NE(matrix_error("(1 2)").find("expected '[' at the start of a text matrix, got '(1'"),
            std::string::npos);
  EXPECT_NE(matrix_error("").find("got end of stream"), std::string::npos);
  EXPECT_NE(matrix_error("[ 1e999 ]").find("non-finite"), std::string::npos);
  EXPECT_NE(vector_error("[ 1 2\n 3 ]").find("newline inside a text vector"), std::string::npos);
  EXPECT_NE(vector_error("[ 1 -inf ]").find("non-finite value '-inf' at index 1"),
            std::string::npos);
  EXPECT_NE(vector_error("[ 1 2").find("truncated text vector"), std::string::npos);
}

std::string BinaryHeader(const std::string &token, std::initializer_list<int32_t> dims) {
  std::ostringstream os;
  os << token << ' ';
  for (int32_t d : dims) WriteBasicType<int32_t>(os, true, d);
  return os.str();
}

TEST(KaldiObject, BinaryErrorsNameWhatAndWhere) {
  Matrix<float> m;
  Vector<float> v;
  auto matrix_error = [&](const std::string &bytes) {
    std::istringstream is(bytes);
    return ErrorOf([&] { ReadMatrix(is, true, &m); });
  };
  auto vector_error = [&](const std::string &bytes) {
    std::istringstream is(bytes);
    return ErrorOf([&] { ReadVector(is, true, &v); });
  };
  std::string fm = BinaryHeader("FM", {80, 23}) + std::string(123 * 4 + 2, '\0');
  EXPECT_NE(matrix_error(fm).find(
                "truncated float matrix: expected 80 x 23 values, stream ended after 123"),
            std::string::npos);
  EXPECT_NE(matrix_error(BinaryHeader("XY", {1, 1}))
                .find("expected token FM (or DM, CM, CM2, CM3), got 'XY'"),
            std::string::npos);
  EXPECT_NE(matrix_error(BinaryHeader("FM", {-1, 3})).find("bad float matrix dimensions -1 x 3"),
            std::string::npos);
  // 2^31-1 squared: the byte count overflows int32 many times over; refused before allocating.
  EXPECT_NE(matrix_error(BinaryHeader("FM", {2147483647, 2147483647})).find("too large"),
            std::string::npos);
  // Under the size cap but far larger than the stream: fails as truncated without allocating
  // the 4 GB the header claims.
  EXPECT_NE(
      matrix_error(BinaryHeader("DM", {1000000, 500}) + "12345678")
          .find("truncated double matrix: expected 1000000 x 500 values, stream ended after 1"),
      std::string::npos);
  EXPECT_NE(matrix_error("FM ").find("expected int32, got end of stream"), std::string::npos);
  EXPECT_NE(matrix_error("FM \x02\x01\x00").find("expected int32 (size byte 4)"),
            std::string::npos);
  EXPECT_NE(matrix_error("").find("end of stream"), std::string::npos);
  EXPECT_NE(vector_error(BinaryHeader("FV", {5}) + std::string(8, '\0'))
                .find("truncated float vector: expected 5 values, stream ended after 2"),
            std::string::npos);
  EXPECT_NE(vector_error(BinaryHeader("FV", {-5})).find("bad float vector dimension -5"),
            std::string::npos);
  EXPECT_NE(vector_error(BinaryHeader("FM", {5})).find("expected token FV (or DV), got 'FM'"),
            std::string::npos);
}

TEST(KaldiObject, ObjectFilesThroughStreams) {
  char dir_template[] = "/tmp/vox-kaldi-object-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  Matrix<float> m(2, 3);
  for (int64_t i = 0; i < 6; i++) m.Data()[i] = 0.5f * i - 1.0f;
  Vector<double> v(4);
  for (int64_t i = 0; i < 4; i++) v(i) = 1.0 / (i + 1);
  for (bool binary : {true, false}) {
    std::string mat_file = dir + "/m" + (binary ? ".bin" : ".txt");
    std::string vec_file = dir + "/v" + (binary ? ".bin" : ".txt");
    WriteKaldiObject(mat_file, binary, m);
    WriteKaldiObject(vec_file, binary, v);
    Matrix<float> m2;
    Vector<double> v2;
    ReadKaldiObject(mat_file, &m2);
    ReadKaldiObject(vec_file, &v2);
    EXPECT_TRUE(SameBits(m2, m));
    if (binary) {
      EXPECT_TRUE(SameBits(v2, v));
    }
    EXPECT_EQ(v2.Dim(), 4);
    std::remove(mat_file.c_str());
    std::remove(vec_file.c_str());
  }
  if (test::KaldiFixturesPresent()) {
    Matrix<float> single;
    ReadKaldiObject(test::KaldiFixtureDir() + "/tables/single_mat.bin", &single);
    EXPECT_EQ(single.NumCols(), 3);
  }
  std::string missing = dir + "/no-such-file";
  EXPECT_NE(ErrorOf([&] { ReadKaldiObject(missing, &m); }).find("no-such-file"), std::string::npos);
  std::string bad = dir + "/bad.txt";
  { std::ofstream(bad) << " [ 1 2 \n 3 ]\n"; }
  std::string msg = ErrorOf([&] { ReadKaldiObject(bad, &m); });
  EXPECT_NE(msg.find("reading matrix from " + bad + ": text matrix has rows of different lengths"),
            std::string::npos)
      << msg;
  std::remove(bad.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace voxtools

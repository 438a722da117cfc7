// tests/unit/io/holders-test.cc
// The exact bytes each holder writes (Kaldi's, from the fixtures README) and what each reads.
#include "io/holders.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "base/log.h"
#include "io/compressed-matrix.h"
#include "test-util.h"

namespace voxtools {
namespace {

using test::ErrorOf;

template <class Holder>
std::string Bytes(const typename Holder::T &t, bool binary) {
  std::ostringstream os;
  Holder::Write(os, binary, t);
  return os.str();
}

template <class Holder>
typename Holder::T ReadBack(const std::string &bytes) {
  std::istringstream is(bytes);
  Holder h;
  h.Read(is);
  return h.Value();
}

TEST(HoldersTest, BasicTypesAsKaldi) {
  EXPECT_EQ(Bytes<Int32Holder>(123, true), std::string("\0B\4\x7b\0\0\0", 7));
  EXPECT_EQ(Bytes<Int32Holder>(123, false), "123 \n");
  EXPECT_EQ(Bytes<DoubleHolder>(0.3, true).substr(0, 3), std::string("\0B\b", 3));
  EXPECT_EQ(Bytes<DoubleHolder>(0.3, true).size(), 11u);
  EXPECT_EQ(Bytes<DoubleHolder>(1.430313, false), "1.430313 \n");
  EXPECT_EQ(Bytes<FloatHolder>(0.5f, true).substr(0, 3), std::string("\0B\4", 3));
  EXPECT_EQ(ReadBack<Int32Holder>("-7 \n"), -7);
  EXPECT_EQ(ReadBack<Int32Holder>(std::string("\0B\4\xff\xff\xff\xff", 7)), -1);
  EXPECT_EQ(ReadBack<DoubleHolder>(Bytes<DoubleHolder>(0.1, true)), 0.1);
  EXPECT_EQ(ReadBack<FloatHolder>("2.5\n"), 2.5f);
  std::string msg = ErrorOf([] { ReadBack<Int32Holder>("5 6\n"); });
  EXPECT_NE(msg.find("unexpected text"), std::string::npos) << msg;
  EXPECT_THROW(ReadBack<Int32Holder>(std::string("\0B\4\1\0", 5)), Error);
}

TEST(HoldersTest, Int32VectorsAsKaldi) {
  std::vector<int32_t> v{1, -2, 300};
  EXPECT_EQ(Bytes<Int32VectorHolder>(v, false), "1 -2 300 \n");
  EXPECT_EQ(Bytes<Int32VectorHolder>({}, false), "\n");
  EXPECT_EQ(Bytes<Int32VectorHolder>(v, true),
            std::string("\0B\4\3\0\0\0\4\1\0\0\0\4\xfe\xff\xff\xff\4\x2c\1\0\0", 22));
  EXPECT_EQ(ReadBack<Int32VectorHolder>(Bytes<Int32VectorHolder>(v, true)), v);
  EXPECT_EQ(ReadBack<Int32VectorHolder>("1 -2 300 \n"), v);
  EXPECT_TRUE(ReadBack<Int32VectorHolder>("\n").empty());
  EXPECT_THROW(ReadBack<Int32VectorHolder>("1 x\n"), Error);
  EXPECT_THROW(ReadBack<Int32VectorHolder>(std::string("\0B\4\3\0\0\0\4\1\0\0\0", 12)), Error);
}

TEST(HoldersTest, TokensAsKaldi) {
  EXPECT_EQ(Bytes<TokenHolder>("spk1", true), "spk1\n");
  EXPECT_EQ(Bytes<TokenHolder>("spk1", false), "spk1\n");
  EXPECT_EQ(ReadBack<TokenHolder>("spk1\n"), "spk1");
  EXPECT_THROW(Bytes<TokenHolder>("two words", false), Error);
  EXPECT_THROW(ReadBack<TokenHolder>("a b\n"), Error);
}

TEST(HoldersTest, MatrixHolderReadsDoubleAndCompressed) {
  Matrix<double> d(2, 2);
  d(0, 0) = 0.1;
  d(1, 1) = 1e-300;
  Matrix<float> f = ReadBack<FloatMatrixHolder>(Bytes<DoubleMatrixHolder>(d, true));
  EXPECT_EQ(f(0, 0), 0.1f);
  EXPECT_EQ(f(1, 1), 0.0f);  // as a C++ cast, as Kaldi

  Matrix<float> m(20, 6);
  for (int i = 0; i < 120; i++) m.Data()[i] = 0.25f * i - 3;
  CompressedMatrix cm(m, CompressionMethod::kTwoByteAuto);
  std::string bytes = Bytes<CompressedMatrixHolder>(cm, true);
  EXPECT_EQ(bytes.substr(0, 6), std::string("\0BCM2 ", 6));
  Matrix<float> full;
  cm.CopyToMatrix(&full);
  EXPECT_EQ(ReadBack<FloatMatrixHolder>(bytes), full);

  // A range on a compressed matrix equals the range of the decompressed one.
  std::istringstream is(bytes);
  FloatMatrixHolder h;
  h.ReadRange(is, "3:7,1:4");
  EXPECT_EQ(h.Value(), full.Range(3, 5, 1, 4));
  std::istringstream is2(Bytes<FloatMatrixHolder>(m, true));
  h.ReadRange(is2, ":,5:5");
  EXPECT_EQ(h.Value(), m.Range(0, 20, 5, 1));
  std::istringstream is3(bytes);
  std::string msg = ErrorOf([&] { h.ReadRange(is3, "0:20"); });
  EXPECT_NE(msg.find("20 x 6"), std::string::npos) << msg;
}

TEST(HoldersTest, CompressedHolderCompressesAPlainMatrix) {
  Matrix<float> m(3, 2);
  m(2, 1) = 4;
  CompressedMatrix cm = ReadBack<CompressedMatrixHolder>(Bytes<FloatMatrixHolder>(m, true));
  EXPECT_EQ(cm.NumRows(), 3);
  EXPECT_EQ(cm.Format(), 2);  // kAutomatic with <= 8 rows gives CM2, as Kaldi
}

TEST(HoldersTest, VectorsAndRangesOnNonMatrices) {
  Vector<float> v(3);
  v(1) = -0.25f;
  EXPECT_EQ(Bytes<FloatVectorHolder>(v, false), " [ 0 -0.25 0 ]\n");
  EXPECT_EQ(ReadBack<FloatVectorHolder>(Bytes<DoubleVectorHolder>(Vector<double>(v), true)), v);
  std::istringstream is(Bytes<FloatVectorHolder>(v, true));
  FloatVectorHolder h;
  std::string msg = ErrorOf([&] { h.ReadRange(is, "0:1"); });
  EXPECT_NE(msg.find("matrices only"), std::string::npos) << msg;
}

TEST(HoldersTest, WaveHolderIsBinaryOnly) {
  Matrix<float> samples(1, 8);
  for (int i = 0; i < 8; i++) samples(0, i) = 100 * i;
  WaveData w(16000, samples);
  std::string bytes = Bytes<WaveHolder>(w, true);
  EXPECT_EQ(bytes.substr(0, 4), "RIFF");  // no binary marker: scp offsets point at RIFF
  EXPECT_EQ(ReadBack<WaveHolder>(bytes).Data(), samples);
  std::string msg = ErrorOf([&] { Bytes<WaveHolder>(w, false); });
  EXPECT_NE(msg.find("text"), std::string::npos) << msg;
}

}  // namespace
}  // namespace voxtools

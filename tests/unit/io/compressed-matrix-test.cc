// tests/unit/io/compressed-matrix-test.cc
// Compressed matrices against what Kaldi's copy-feats --compress wrote (fixtures/kaldi/
// compress): compression byte-identical for all 7 methods, decompression bit-exact, ranges,
// and damaged input.
#include "io/compressed-matrix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "base/log.h"
#include "io/io-funcs.h"
#include "io/kaldi-object.h"
#include "test-util.h"

namespace voxtools {
namespace {

using test::ArchiveEntry;
using test::ErrorOf;
using test::Fixture;
using test::SplitArchive;

struct Archive {
  std::vector<ArchiveEntry> entries;
  std::vector<Matrix<float>> mats;
};

Archive ReadMatrices(const std::string &data) {
  Archive a;
  a.entries = SplitArchive(data, [&](std::istream &is, bool binary) {
    Matrix<float> m;
    ReadMatrix(is, binary, &m);
    a.mats.push_back(m);
  });
  return a;
}

bool SameBits(const Matrix<float> &a, const Matrix<float> &b) {
  return a.NumRows() == b.NumRows() && a.NumCols() == b.NumCols() &&
         (a.NumElements() == 0 ||
          std::memcmp(a.Data(), b.Data(), a.NumElements() * sizeof(float)) == 0);
}

class KaldiCompressedFixtures : public testing::TestWithParam<std::tuple<std::string, int>> {};

TEST_P(KaldiCompressedFixtures, CompressionIsByteIdentical) {
  VOX_REQUIRE_KALDI_FIXTURES();
  const std::string name = std::get<0>(GetParam());
  const int method = std::get<1>(GetParam());
  const std::string prefix = "compress/" + name + ".cm" + std::to_string(method);
  Archive in = ReadMatrices(Fixture("compress/" + name + ".in.ark"));
  ASSERT_GE(in.mats.size(), 2u);
  std::string expected = Fixture(prefix + ".ark");
  std::ostringstream os;
  for (size_t i = 0; i < in.mats.size(); i++) {
    os << in.entries[i].key << ' ';
    WriteBinaryMarker(os, true);
    CompressedMatrix(in.mats[i], static_cast<CompressionMethod>(method)).Write(os, true);
  }
  ASSERT_EQ(os.str().size(), expected.size());
  // Per entry, so a failure names the matrix.
  std::vector<CompressedMatrix> read_back;
  auto kaldi = SplitArchive(expected, [&](std::istream &is, bool binary) {
    read_back.emplace_back();
    read_back.back().Read(is, binary);
  });
  size_t pos = 0;
  for (size_t i = 0; i < kaldi.size(); i++) {
    size_t len = in.entries[i].key.size() + 1 + kaldi[i].bytes.size();
    EXPECT_EQ(os.str().substr(pos, len), expected.substr(pos, len)) << kaldi[i].key;
    pos += len;
  }
  EXPECT_EQ(os.str(), expected);

  // Reading Kaldi's bytes and writing them again changes nothing, and scp offsets agree.
  std::ostringstream again;
  for (size_t i = 0; i < kaldi.size(); i++) {
    again << kaldi[i].key << ' ';
    WriteBinaryMarker(again, true);
    read_back[i].Write(again, true);
  }
  EXPECT_EQ(again.str(), expected);
  auto offsets = test::ScpOffsets(Fixture(prefix + ".scp"));
  ASSERT_EQ(offsets.size(), kaldi.size());
  for (size_t i = 0; i < kaldi.size(); i++) EXPECT_EQ(offsets[i].second, kaldi[i].offset);
}

TEST_P(KaldiCompressedFixtures, DecompressionIsBitExact) {
  VOX_REQUIRE_KALDI_FIXTURES();
  const std::string name = std::get<0>(GetParam());
  const int method = std::get<1>(GetParam());
  const std::string prefix = "compress/" + name + ".cm" + std::to_string(method);
  // ReadMatrix accepts CM/CM2/CM3 where a matrix is expected, as Kaldi's Matrix::Read.
  Archive dec = ReadMatrices(Fixture(prefix + ".ark"));
  Archive expected = ReadMatrices(Fixture(prefix + ".decompressed.ark"));
  ASSERT_EQ(dec.mats.size(), expected.mats.size());
  std::ostringstream bin, txt;
  for (size_t i = 0; i < dec.mats.size(); i++) {
    EXPECT_TRUE(SameBits(dec.mats[i], expected.mats[i])) << dec.entries[i].key;
    bin << dec.entries[i].key << ' ';
    WriteBinaryMarker(bin, true);
    WriteMatrix(bin, true, dec.mats[i]);
    txt << dec.entries[i].key << ' ';
    WriteMatrix(txt, false, dec.mats[i]);
  }
  EXPECT_EQ(bin.str(), Fixture(prefix + ".decompressed.ark"));
  EXPECT_EQ(txt.str(), Fixture(prefix + ".decompressed.txt"));

  // Text mode of CompressedMatrix::Write is the decompressed matrix.
  std::vector<CompressedMatrix> cms;
  SplitArchive(Fixture(prefix + ".ark"), [&](std::istream &is, bool binary) {
    cms.emplace_back();
    cms.back().Read(is, binary);
  });
  std::ostringstream cm_txt;
  for (size_t i = 0; i < cms.size(); i++) {
    cm_txt << dec.entries[i].key << ' ';
    cms[i].Write(cm_txt, false);
  }
  EXPECT_EQ(cm_txt.str(), Fixture(prefix + ".decompressed.txt"));
  // Double readers get the same values.
  std::vector<Matrix<double>> doubles;
  SplitArchive(Fixture(prefix + ".ark"), [&](std::istream &is, bool binary) {
    doubles.emplace_back();
    ReadMatrix(is, binary, &doubles.back());
  });
  for (size_t i = 0; i < doubles.size(); i++)
    EXPECT_TRUE(SameBits(Matrix<float>(doubles[i]), expected.mats[i]));
}

INSTANTIATE_TEST_SUITE_P(AllMethods, KaldiCompressedFixtures,
                         testing::Combine(testing::Values("fbank", "edge"), testing::Range(1, 8)),
                         [](const testing::TestParamInfo<std::tuple<std::string, int>> &info) {
                           return std::get<0>(info.param) + "_cm" +
                                  std::to_string(std::get<1>(info.param));
                         });

TEST(CompressedMatrix, RangeOfKaldiEntry) {
  VOX_REQUIRE_KALDI_FIXTURES();
  // fbank.cm1.ranges.scp: a_speech_part fbank.cm1.ark:2918[40:49,3:10] (inclusive bounds).
  std::string ark = Fixture("compress/fbank.cm1.ark");
  std::istringstream is(ark);
  is.seekg(2918);
  bool binary;
  ReadBinaryMarker(is, &binary);
  ASSERT_TRUE(binary);
  CompressedMatrix cm;
  cm.Read(is, binary);
  EXPECT_EQ(cm.Format(), 1);
  Matrix<float> part;
  cm.CopyToMatrix(40, 10, 3, 8, &part);
  std::ostringstream os;
  os << "a_speech_part ";
  WriteMatrix(os, false, part);
  EXPECT_EQ(os.str(), Fixture("compress/fbank.cm1.ranges.txt"));
}

TEST(CompressedMatrix, SubRangesEqualSlicesOfTheWhole) {
  const unsigned seed = 7;
  std::mt19937 rng(seed);
  std::normal_distribution<float> gauss(0.0f, 3.0f);
  for (int method = 1; method <= 7; method++) {
    for (int rows : {1, 4, 9, 40}) {
      Matrix<float> m(rows, 13);
      for (int64_t i = 0; i < m.NumElements(); i++)
        m.Data()[i] = method == 7 ? std::fabs(gauss(rng)) / 10 : gauss(rng) * 10;
      CompressedMatrix cm(m, static_cast<CompressionMethod>(method));
      Matrix<float> whole;
      cm.CopyToMatrix(&whole);
      ASSERT_EQ(whole.NumRows(), rows);
      for (int trial = 0; trial < 10; trial++) {
        int r0 = rng() % rows, c0 = rng() % 13;
        int nr = 1 + rng() % (rows - r0), nc = 1 + rng() % (13 - c0);
        Matrix<float> part;
        cm.CopyToMatrix(r0, nr, c0, nc, &part);
        EXPECT_TRUE(SameBits(part, whole.Range(r0, nr, c0, nc)))
            << "seed " << seed << " method " << method << " rows " << rows;
      }
    }
  }
}

TEST(CompressedMatrix, AccuracyOfAutomaticMethods) {
  // Not a Kaldi comparison: a sanity bound so a broken quantiser cannot pass by accident.
  // 8-bit CM on a smooth 100 x 20 matrix: error at most a few % of the column range; 16-bit
  // CM2: within 1/65535 of the global range.
  Matrix<float> m(100, 20);
  for (int r = 0; r < 100; r++)
    for (int c = 0; c < 20; c++) m(r, c) = std::sin(0.1f * r + c) * (c + 1);
  Matrix<float> out;
  CompressedMatrix(m, CompressionMethod::kSpeechFeature).CopyToMatrix(&out);
  double max_err = 0;
  for (int64_t i = 0; i < m.NumElements(); i++)
    max_err = std::max(max_err, double(std::fabs(out.Data()[i] - m.Data()[i])));
  EXPECT_GT(max_err, 0.0);
  EXPECT_LT(max_err, 0.05 * 20);
  CompressedMatrix(m, CompressionMethod::kTwoByteAuto).CopyToMatrix(&out);
  for (int64_t i = 0; i < m.NumElements(); i++)
    EXPECT_NEAR(out.Data()[i], m.Data()[i], 40.0 / 65535);
}

TEST(CompressedMatrix, AutomaticChoosesByRows) {
  EXPECT_EQ(CompressedMatrix(Matrix<float>(8, 3), CompressionMethod::kAutomatic).Format(), 2);
  EXPECT_EQ(CompressedMatrix(Matrix<float>(9, 3), CompressionMethod::kAutomatic).Format(), 1);
  EXPECT_EQ(CompressedMatrix(Matrix<float>(9, 3), CompressionMethod::kOneByteAuto).Format(), 3);
}

TEST(CompressedMatrix, EmptyMatrixIsWellDefined) {
  CompressedMatrix cm(Matrix<float>(), CompressionMethod::kAutomatic);
  EXPECT_EQ(cm.NumRows(), 0);
  std::ostringstream os;
  cm.Write(os, true);
  EXPECT_EQ(os.str(), std::string("CM ") + std::string(16, '\0'));
  std::istringstream is(os.str() + "next");
  CompressedMatrix back;
  back.Read(is, true);
  EXPECT_EQ(back.NumRows(), 0);
  EXPECT_EQ(back.NumCols(), 0);
  EXPECT_EQ(is.get(), 'n');
  std::istringstream is2(os.str());
  Matrix<float> m(3, 3);
  ReadMatrix(is2, true, &m);
  EXPECT_EQ(m.NumRows(), 0);
  std::ostringstream txt;
  cm.Write(txt, false);
  EXPECT_EQ(txt.str(), " [ ]\n");
}

TEST(CompressedMatrix, ReadsPlainMatricesAndTextByCompressing) {
  Matrix<float> m(3, 2);
  for (int64_t i = 0; i < 6; i++) m.Data()[i] = i * 1.5f;
  std::ostringstream os;
  WriteMatrix(os, true, m);
  WriteMatrix(os, false, m);
  std::istringstream is(os.str());
  CompressedMatrix a, b;
  a.Read(is, true);
  b.Read(is, false);
  EXPECT_EQ(a.Format(), 2);  // kAutomatic on 3 rows
  EXPECT_EQ(b.NumRows(), 3);
  std::ostringstream wa, wb;
  a.Write(wa, true);
  b.Write(wb, true);
  EXPECT_EQ(wa.str(), wb.str());
}

TEST(CompressedMatrix, NonFiniteInputIsAnError) {
  Matrix<float> m(10, 2);
  m(3, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_NE(ErrorOf([&] {
              CompressedMatrix(m, CompressionMethod::kSpeechFeature);
            }).find("NaN or Inf (at row 3, column 1)"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { CompressedMatrix(m, CompressionMethod::kOneByteZeroOne); }).find("NaN"),
            std::string::npos);
  m(3, 1) = std::numeric_limits<float>::infinity();
  EXPECT_NE(ErrorOf([&] { CompressedMatrix(m, CompressionMethod::kTwoByteAuto); }).find("Inf"),
            std::string::npos);
  // The fixed scales clamp infinities (Kaldi does the same).
  Matrix<float> out;
  CompressedMatrix(m, CompressionMethod::kOneByteUnsignedInteger).CopyToMatrix(&out);
  EXPECT_EQ(out(3, 1), 255.0f);
  // A range too wide for a float.
  Matrix<float> wide(2, 1);
  wide(0, 0) = -3e38f;
  wide(1, 0) = 3e38f;
  EXPECT_NE(ErrorOf([&] { CompressedMatrix(wide, CompressionMethod::kTwoByteAuto); }).find("range"),
            std::string::npos);
}

std::string Header(const std::string &token, float min, float range, int32_t rows, int32_t cols) {
  std::string s = token + " ";
  s.append(reinterpret_cast<const char *>(&min), 4);
  s.append(reinterpret_cast<const char *>(&range), 4);
  s.append(reinterpret_cast<const char *>(&rows), 4);
  s.append(reinterpret_cast<const char *>(&cols), 4);
  return s;
}

TEST(CompressedMatrix, DamagedInputIsAnError) {
  auto error = [](const std::string &bytes) {
    std::istringstream is(bytes);
    CompressedMatrix cm;
    return ErrorOf([&] { cm.Read(is, true); });
  };
  EXPECT_NE(error("CMX " + std::string(16, '\0')).find("expected token CM, CM2 or CM3, got 'CMX'"),
            std::string::npos);
  EXPECT_NE(error("CM2 " + std::string(10, '\0'))
                .find("truncated compressed matrix header: stream ended after 10 of 16"),
            std::string::npos);
  EXPECT_NE(error(Header("CM", 0, 1, -4, 2)).find("bad compressed matrix dimensions -4 x 2"),
            std::string::npos);
  EXPECT_NE(error(Header("CM2", 0, 1, 2147483647, 2147483647)).find("too large"),
            std::string::npos);
  EXPECT_NE(error(Header("CM", 0, 1, 10, 3) + std::string(30, 'x'))
                .find("truncated compressed matrix (CM, 10 x 3): expected 54 bytes of data, stream "
                      "ended after 30"),
            std::string::npos);
  // Under the cap but far beyond the stream: a truncation error, not a 4 GB allocation.
  EXPECT_NE(error(Header("CM3", 0, 1, 100000, 40000)).find("stream ended after 0"),
            std::string::npos);
  Matrix<float> m;
  std::istringstream is(Header("CM3", 0, 1, 2, 2) + "ab");
  std::string msg = ErrorOf([&] { ReadMatrix(is, true, &m); });
  EXPECT_NE(msg.find("expected 4 bytes of data, stream ended after 2"), std::string::npos) << msg;
  CompressedMatrix cm(Matrix<float>(4, 4), CompressionMethod::kTwoByteAuto);
  EXPECT_NE(ErrorOf([&] { cm.CopyToMatrix(2, 3, 0, 4, &m); }).find("outside the 4 x 4"),
            std::string::npos);
}

}  // namespace
}  // namespace voxtools

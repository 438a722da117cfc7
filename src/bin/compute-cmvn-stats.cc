// src/bin/compute-cmvn-stats.cc
// Cepstral mean/variance statistics per utterance, per speaker (--spk2utt) or global:
// Kaldi's compute-cmvn-stats (2 x (dim+1) double matrices, src/feat/cmvn.h).
#include <sstream>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/text-utils.h"
#include "base/tool-main.h"
#include "feat/cmvn.h"
#include "io/kaldi-object.h"
#include "io/kaldi-stream.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Compute cepstral mean and variance normalization statistics: per utterance by\n"
    "default, per speaker with --spk2utt, or global if the output is a plain file.\n"
    "Stats are a 2 x (dim+1) double matrix: sums of x, then the count; sums of x^2, then 0.\n"
    "\n"
    "Usage: compute-cmvn-stats [options] <feats-rspecifier> (<stats-wspecifier>|<stats-wxfilename>)\n"
    "e.g.: compute-cmvn-stats --spk2utt=ark:data/train/spk2utt scp:feats.scp ark,scp:cmvn.ark,cmvn.scp\n"
    "      compute-cmvn-stats scp:feats.scp global_cmvn.stats\n"
    "See also: apply-cmvn, apply-cmvn-sliding\n";

// spk2utt as "spk utt1 utt2 ...": an rspecifier "ark[,t]:file" or a plain file.
std::vector<std::vector<std::string>> ReadSpk2Utt(const std::string &spec) {
  std::string file = spec;
  if (ClassifyRspecifier(spec) == TableType::kArchive) file = ParseRspecifier(spec).filename;
  Input input(file);
  std::vector<std::vector<std::string>> out;
  std::string line;
  int64_t n = 0;
  while (std::getline(input.Stream(), line)) {
    n++;
    std::vector<std::string> fields = SplitString(line, " \t\r", true);
    if (fields.empty()) continue;
    if (fields.size() < 2) VOX_ERR << "line " << n << " of " << file << " has a speaker but no utterances";
    out.push_back(fields);
  }
  input.Close();
  return out;
}

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  std::string spk2utt_rspecifier;
  bool binary = true;
  int64_t max_errors = 0;
  po.Register("spk2utt", &spk2utt_rspecifier, "rspecifier for speaker to utterance-list map");
  po.Register("binary", &binary, "write in binary mode (applies only to global CMN/CVN)");
  po.Register("max-errors", &max_errors,
              "Fail (and write nothing) if more than this many utterances fail; 0: fail if any");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  const std::string rspecifier = po.GetArg(1), out_spec = po.GetArg(2);
  const bool to_table = ClassifyWspecifier(out_spec) != TableType::kNone;
  int64_t num_done = 0, num_errors = 0;
  Matrix<double> stats;

  if (!to_table) {  // global statistics
    if (!spk2utt_rspecifier.empty()) VOX_ERR << "--spk2utt needs a table (wspecifier) output";
    SequentialTableReader<FloatMatrixHolder> reader(rspecifier);
    for (; !reader.Done(); reader.Next()) {
      const Matrix<float> &feats = reader.Value();
      if (feats.NumRows() == 0) {
        VOX_WARN << "utterance " << reader.Key() << ": empty features";
        num_errors++;
        continue;
      }
      if (stats.NumRows() == 0) InitCmvnStats(feats.NumCols(), &stats);
      AccCmvnStats(feats, nullptr, &stats);  // a dimension change is structural: ERROR
      num_done++;
    }
    VOX_LOG << "Done " << num_done << ", errors " << num_errors;
    CheckItemErrors(num_done, num_errors, max_errors);
    WriteKaldiObject(out_spec, binary, stats);
    return 0;
  }

  TableWriter<DoubleMatrixHolder> writer(out_spec);
  if (spk2utt_rspecifier.empty()) {
    SequentialTableReader<FloatMatrixHolder> reader(rspecifier);
    for (; !reader.Done(); reader.Next()) {
      const Matrix<float> &feats = reader.Value();
      if (feats.NumRows() == 0) {
        VOX_WARN << "utterance " << reader.Key() << ": empty features";
        num_errors++;
        continue;
      }
      InitCmvnStats(feats.NumCols(), &stats);
      AccCmvnStats(feats, nullptr, &stats);
      writer.Write(reader.Key(), stats);
      num_done++;
    }
  } else {
    RandomAccessTableReader<FloatMatrixHolder> reader(rspecifier);
    for (const std::vector<std::string> &spk : ReadSpk2Utt(spk2utt_rspecifier)) {
      stats.Resize(0, 0);
      int64_t num_utts = 0;
      for (size_t i = 1; i < spk.size(); i++) {
        if (!reader.HasKey(spk[i])) {
          VOX_WARN << "speaker " << spk[0] << ": no features for utterance " << spk[i];
          num_errors++;
          continue;
        }
        const Matrix<float> &feats = reader.Value(spk[i]);
        if (feats.NumRows() == 0) {
          VOX_WARN << "speaker " << spk[0] << ": empty features for utterance " << spk[i];
          num_errors++;
          continue;
        }
        if (stats.NumRows() == 0) InitCmvnStats(feats.NumCols(), &stats);
        AccCmvnStats(feats, nullptr, &stats);
        num_utts++;
      }
      if (num_utts == 0) {
        VOX_WARN << "speaker " << spk[0] << ": no utterances with features; no stats written";
        continue;
      }
      writer.Write(spk[0], stats);
      num_done++;
    }
  }
  VOX_LOG << "Done " << num_done << ", errors " << num_errors;
  CheckItemErrors(num_done, num_errors, max_errors, "item");
  writer.Close();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

// src/bin/apply-cmvn.cc
// Applies CMVN statistics (per utterance, per speaker with --utt2spk, or one global file):
// Kaldi's apply-cmvn (src/feat/cmvn.h).
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/feat-tool-util.h"
#include "feat/cmvn.h"
#include "io/kaldi-object.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Apply cepstral mean and (optionally) variance normalization.  Per-utterance by default,\n"
    "or per-speaker if --utt2spk is given; global if the first argument is a plain file.\n"
    "\n"
    "Usage: apply-cmvn [options] (<cmvn-stats-rspecifier>|<cmvn-stats-rxfilename>) "
    "<feats-rspecifier> <feats-wspecifier>\n"
    "e.g.: apply-cmvn --utt2spk=ark:data/train/utt2spk scp:cmvn.scp scp:feats.scp ark:-\n"
    "      apply-cmvn --norm-vars=true global_cmvn.stats scp:feats.scp ark:-\n"
    "See also: compute-cmvn-stats, apply-cmvn-sliding\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  std::string utt2spk_rspecifier;
  bool norm_means = true, norm_vars = false;
  int64_t max_errors = 0;
  po.Register("utt2spk", &utt2spk_rspecifier, "rspecifier for utterance to speaker map");
  po.Register("norm-means", &norm_means, "If true, do mean normalization (note: you cannot normalize variance but not means)");
  po.Register("norm-vars", &norm_vars, "If true, normalize variances.");
  po.Register("max-errors", &max_errors,
              "Fail (and write nothing) if more than this many utterances fail; 0: fail if any");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 3) {
    po.PrintUsage();
    return 1;
  }
  const std::string stats_spec = po.GetArg(1), feats_rspecifier = po.GetArg(2),
                    feats_wspecifier = po.GetArg(3);
  if (norm_vars && !norm_means) VOX_ERR << "you cannot normalize the variance but not the mean";
  const bool stats_is_table = ClassifyRspecifier(stats_spec) != TableType::kNone;
  if (!stats_is_table && !utt2spk_rspecifier.empty())
    VOX_ERR << "--utt2spk needs per-speaker stats (an rspecifier), not the file " << stats_spec;

  Matrix<double> global_stats;
  RandomAccessTableReader<DoubleMatrixHolder> stats_reader;
  RandomAccessTableReader<TokenHolder> utt2spk;
  if (stats_is_table) {
    stats_reader.Open(stats_spec);
    if (!utt2spk_rspecifier.empty()) utt2spk.Open(utt2spk_rspecifier);
  } else {
    ReadKaldiObject(stats_spec, &global_stats);
  }
  SequentialTableReader<FloatMatrixHolder> reader(feats_rspecifier);
  TableWriter<FloatMatrixHolder> writer(feats_wspecifier);
  int64_t num_done = 0, num_errors = 0;
  for (; !reader.Done(); reader.Next()) {
    const std::string &utt = reader.Key();
    Matrix<float> &feats = reader.Value();
    try {
      const Matrix<double> *stats = &global_stats;
      if (stats_is_table) {
        std::string key = utt;
        if (utt2spk.IsOpen()) {
          if (!utt2spk.HasKey(utt)) VOX_ERR << "not in --utt2spk";
          key = utt2spk.Value(utt);
        }
        if (!stats_reader.HasKey(key)) VOX_ERR << "no CMVN stats for " << key;
        stats = &stats_reader.Value(key);
      }
      int32_t floored = ApplyCmvn(*stats, norm_means, norm_vars, &feats);
      if (floored > 0)
        VOX_WARN << "utterance " << utt << ": flooring the variance (1e-20) of " << floored
                 << " dimension(s)";
    } catch (const Error &e) {
      VOX_WARN << "utterance " << utt << ": " << e.reason();
      num_errors++;
      continue;
    }
    writer.Write(utt, feats);
    num_done++;
  }
  VOX_LOG << "Done " << num_done << ", errors " << num_errors;
  CheckItemErrors(num_done, num_errors, max_errors);
  writer.Close();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

// src/bin/train-lda.cc
// Trains an LDA transform on embeddings with speaker labels (Kaldi's ivector-compute-lda).
#include <map>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "backend/lda.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"
#include "io/kaldi-object.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Compute an LDA transform for embeddings (x-vectors, i-vectors) from their speaker\n"
    "labels: normalise the within-class covariance (or, with --total-covariance-factor, an\n"
    "interpolation with the total covariance) to unit, then keep the --dim directions of\n"
    "largest between-class variance. The output is an affine transform (the last column\n"
    "also removes the mean), a float matrix in Kaldi's format, for transform-vec.\n"
    "Speakers with one utterance only add to the total covariance (a warning).\n"
    "\n"
    "Usage: train-lda [options] <vector-rspecifier> <utt2spk-rspecifier> <lda-matrix-out>\n"
    "e.g.: train-lda --dim=200 \"ark:subtract-vector-mean scp:xvector.scp ark:- |\" ark:utt2spk transform.mat\n"
    "See also: transform-vec, train-plda, train-whitening, ivector-compute-lda (Kaldi)\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  LdaOptions lda_opts;
  bool binary = true;
  int64_t max_errors = 0;
  lda_opts.Register(&po);
  po.Register("binary", &binary, "Write output in binary mode");
  po.Register("max-errors", &max_errors,
              "Fail if more than this many vectors have no utt2spk entry (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 3) {
    po.PrintUsage();
    return 1;
  }
  lda_opts.Validate();
  VOX_VLOG(1) << lda_opts.ToString();
  const std::string rspecifier = po.GetArg(1), utt2spk_spec = po.GetArg(2), out = po.GetArg(3);
  std::unordered_map<std::string, std::string> utt2spk;
  for (const auto &f : backend_tool::ReadKeyedLines(utt2spk_spec, 1, 1)) utt2spk[f[0]] = f[1];

  const backend_tool::KeyedVectors kv = backend_tool::LoadVectors(rspecifier, "vector");
  std::map<std::string, int32_t> spk_index;
  std::vector<int32_t> speaker_of_row;
  std::vector<int64_t> rows;
  int64_t num_errors = 0;
  for (size_t i = 0; i < kv.keys.size(); i++) {
    auto it = utt2spk.find(kv.keys[i]);
    if (it == utt2spk.end()) {
      VOX_WARN << "utt2spk has no entry for utterance " << kv.keys[i] << ", skipping it";
      num_errors++;
      continue;
    }
    auto ins = spk_index.emplace(it->second, static_cast<int32_t>(spk_index.size()));
    speaker_of_row.push_back(ins.first->second);
    rows.push_back(static_cast<int64_t>(i));
  }
  if (num_errors > max_errors)
    VOX_ERR << num_errors << " vectors have no speaker (--max-errors=" << max_errors << ")";
  if (rows.empty()) VOX_ERR << "no vectors with a speaker";
  const int64_t dim = kv.Dim();
  Matrix<double> data(static_cast<int64_t>(rows.size()), dim);
  for (size_t r = 0; r < rows.size(); r++)
    for (int64_t c = 0; c < dim; c++) data(r, c) = kv.vectors[rows[r]](c);
  std::vector<int64_t> count(spk_index.size(), 0);
  for (int32_t s : speaker_of_row) count[s]++;
  for (const auto &kv_spk : spk_index)
    if (count[kv_spk.second] == 1)
      VOX_WARN << "speaker " << kv_spk.first << " has only one utterance: it adds nothing to "
               << "the within-class covariance";
  VOX_LOG << "Read " << rows.size() << " utterances of " << spk_index.size() << " speakers, "
          << num_errors << " with errors";
  Vector<double> eig;
  const Matrix<double> lda = ComputeLdaTransform(data, speaker_of_row,
                                                 static_cast<int32_t>(spk_index.size()), lda_opts, &eig);
  std::ostringstream os;
  for (int64_t i = 0; i < eig.Dim(); i++) os << (i ? " " : "") << eig(i);
  VOX_LOG << "Between-class variances after normalising (largest first): " << os.str();
  WriteKaldiObject(out, binary, Matrix<float>(lda));
  VOX_LOG << "Wrote LDA transform (" << lda.NumRows() << " x " << lda.NumCols() << ") to " << out;
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

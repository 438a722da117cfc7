// src/bin/train-plda.cc
// Trains a two-covariance PLDA model (Kaldi's ivector-compute-plda), optionally with the
// preprocessing chain (mean, LDA, length norm) estimated on the same data and stored with it.
#include <string>
#include <vector>

#include "backend/lda.h"
#include "backend/plda-front-end.h"
#include "backend/plda.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"
#include "io/io-funcs.h"
#include "io/kaldi-stream.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Train a PLDA model (two-covariance model, EM) from embeddings and a spk2utt map. The\n"
    "model is written in Kaldi's format (<Plda> mean transform psi </Plda>), readable by\n"
    "Kaldi's ivector-plda-scoring. With --subtract-mean, --lda-dim or --length-norm the\n"
    "preprocessing is estimated here too (in that order: training mean, LDA, length norm to\n"
    "sqrt(dim)), applied before PLDA training, and stored in the model file ahead of the\n"
    "<Plda> object, so score-plda applies the same chain to raw embeddings (such a file is\n"
    "voxtools-only). Speakers with one utterance inform only the between-class covariance.\n"
    "\n"
    "Usage: train-plda [options] <spk2utt-rspecifier> <vector-rspecifier> <plda-out>\n"
    "e.g.: train-plda ark:data/train/spk2utt ark:xvector_norm.ark plda\n"
    "      train-plda --subtract-mean --lda-dim=200 --length-norm ark:spk2utt scp:xvector.scp plda\n"
    "See also: score-plda, adapt-plda, train-lda, ivector-compute-plda (Kaldi)\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  PldaEstimationConfig plda_opts;
  bool binary = true, subtract_mean = false, length_norm = false;
  int32_t lda_dim = 0;
  double lda_tcf = 0.0;
  int64_t max_errors = 0;
  plda_opts.Register(&po);
  po.Register("binary", &binary, "Write output in binary mode");
  po.Register("subtract-mean", &subtract_mean, "Front-end: subtract the training mean first");
  po.Register("lda-dim", &lda_dim, "Front-end: reduce to this dimension with LDA (0: no LDA)");
  po.Register("lda-total-covariance-factor", &lda_tcf,
              "Front-end LDA's --total-covariance-factor (see train-lda)");
  po.Register("length-norm", &length_norm,
              "Front-end: normalize lengths to sqrt(dim) after mean and LDA");
  po.Register("max-errors", &max_errors,
              "Fail if more than this many utterances of spk2utt have no vector (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 3) {
    po.PrintUsage();
    return 1;
  }
  plda_opts.Validate();
  if (lda_dim < 0) VOX_ERR << "--lda-dim must be >= 0, got " << lda_dim;
  const std::string spk2utt = po.GetArg(1), rspecifier = po.GetArg(2), out = po.GetArg(3);
  const auto speakers = backend_tool::ReadKeyedLines(spk2utt, 1, 0);
  backend_tool::KeyedVectors kv = backend_tool::LoadVectors(rspecifier, "vector");
  const int64_t dim = kv.Dim();

  // Rows in speaker order, and each row's speaker.
  std::vector<int64_t> rows;
  std::vector<int32_t> speaker_of_row;
  std::vector<std::string> speaker_names;
  int64_t num_errors = 0, num_single = 0;
  for (const auto &spk : speakers) {
    int64_t found = 0;
    for (size_t i = 1; i < spk.size(); i++) {
      auto it = kv.index.find(spk[i]);
      if (it == kv.index.end()) {
        VOX_WARN << "speaker " << spk[0] << ": no vector for utterance " << spk[i];
        num_errors++;
        continue;
      }
      rows.push_back(it->second);
      speaker_of_row.push_back(static_cast<int32_t>(speaker_names.size()));
      found++;
    }
    if (found == 0) {
      VOX_WARN << "speaker " << spk[0] << " has no vectors; skipped";
      continue;
    }
    if (found == 1) num_single++;
    speaker_names.push_back(spk[0]);
  }
  if (num_errors > max_errors)
    VOX_ERR << num_errors << " utterances have no vector (--max-errors=" << max_errors << ")";
  if (speaker_names.empty()) VOX_ERR << "no speaker has any vector";
  if (num_single > 0)
    VOX_WARN << num_single << " of " << speaker_names.size() << " speakers have only one "
             << "utterance (they inform only the between-class covariance)";
  if (num_single == static_cast<int64_t>(speaker_names.size()))
    VOX_ERR << "no speaker has more than one utterance: the within-class covariance cannot "
            << "be estimated, unable to train PLDA";

  PldaModel model;
  if (subtract_mean) {
    MeanAccumulator acc;
    for (int64_t r : rows) acc.Add(kv.vectors[r]);
    model.front_end.mean = acc.Mean();
    for (int64_t r : rows) SubtractMean(model.front_end.mean, &kv.vectors[r]);
  }
  if (lda_dim > 0) {
    LdaOptions lda_opts;
    lda_opts.dim = lda_dim;
    lda_opts.total_covariance_factor = lda_tcf;
    Matrix<double> data(static_cast<int64_t>(rows.size()), dim);
    for (size_t i = 0; i < rows.size(); i++)
      for (int64_t c = 0; c < dim; c++) data(i, c) = kv.vectors[rows[i]](c);
    model.front_end.transform = ComputeLdaTransform(
        data, speaker_of_row, static_cast<int32_t>(speaker_names.size()), lda_opts);
  }
  model.front_end.length_norm = length_norm;
  // The mean was subtracted above; apply the rest of the chain.
  PldaFrontEnd rest = model.front_end;
  rest.mean = Vector<double>();
  PldaStats stats;
  for (size_t i = 0; i < rows.size();) {
    size_t j = i;
    while (j < rows.size() && speaker_of_row[j] == speaker_of_row[i]) j++;
    Matrix<double> group;
    for (size_t k = i; k < j; k++) {
      Vector<float> v;
      rest.Apply(kv.vectors[rows[k]], &v);
      if (k == i) group.Resize(static_cast<int64_t>(j - i), v.Dim());
      for (int64_t c = 0; c < v.Dim(); c++) group(static_cast<int64_t>(k - i), c) = v(c);
    }
    stats.AddSamples(1.0, group);
    i = j;
  }
  VOX_LOG << "Accumulated stats from " << stats.NumClasses() << " speakers, "
          << stats.NumExamples() << " utterances (" << num_errors << " absent from input), "
          << "dimension " << stats.Dim();
  stats.Sort();
  PldaEstimator estimator(stats);
  estimator.Estimate(plda_opts, &model.plda);
  VOX_LOG << "Log-likelihood per utterance after " << plda_opts.num_em_iters
          << " EM iterations: " << estimator.ComputeObjf();
  Output output(out, binary);
  model.Write(output.Stream(), binary);
  output.Close();
  VOX_LOG << "Wrote PLDA model (dimension " << model.plda.Dim()
          << (model.front_end.Empty() ? "" : ", with front-end") << ") to " << out;
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

// src/bin/score-plda.cc
// PLDA log-likelihood ratios for a trial list (Kaldi's ivector-plda-scoring).
#include <string>
#include <unordered_map>

#include "backend/plda-front-end.h"
#include "backend/plda-scorer.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"
#include "io/kaldi-stream.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Compute PLDA log-likelihood ratios for trials. The trials file has lines\n"
    "'<enroll-key> <test-key> [target|nontarget]'; the output has lines\n"
    "'<enroll-key> <test-key> <score>'. Enrolment vectors are per speaker (averaged with\n"
    "average-vectors); --num-utts gives how many utterances each averages (default 1), which\n"
    "enters the likelihood ratio (multi-session enrolment). A model with a stored front-end\n"
    "(train-plda --lda-dim etc.) applies it to both sides first; a Kaldi model does not.\n"
    "A trial with an unknown key is a warning, and counts towards --max-errors.\n"
    "\n"
    "Usage: score-plda [options] <plda> <enroll-rspecifier> <test-rspecifier> <trials-rxfilename> <scores-wxfilename>\n"
    "e.g.: score-plda --num-utts=ark:num_utts.ark plda ark:spk_xvector.ark ark:test_xvector.ark trials scores\n"
    "See also: train-plda, average-vectors, score-cosine, compute-eer, ivector-plda-scoring (Kaldi)\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  PldaConfig plda_config;
  std::string num_utts_rspecifier;
  int64_t max_errors = 0;
  plda_config.Register(&po);
  po.Register("num-utts", &num_utts_rspecifier,
              "Table of the number of utterances per enrolment speaker, e.g. ark:num_utts.ark");
  po.Register("max-errors", &max_errors,
              "Fail (writing nothing) if more than this many trials cannot be scored (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 5) {
    po.PrintUsage();
    return 1;
  }
  VOX_VLOG(1) << plda_config.ToString();
  const std::string plda_rxfilename = po.GetArg(1), enroll_rspecifier = po.GetArg(2),
                    test_rspecifier = po.GetArg(3), trials = po.GetArg(4), scores = po.GetArg(5);
  PldaModel model;
  {
    bool binary = false;
    Input input(plda_rxfilename, &binary);
    try {
      model.Read(input.Stream(), binary);
    } catch (const Error &e) {
      VOX_ERR << "reading PLDA model " << plda_rxfilename << ": " << e.reason();
    }
    input.Close();
  }
  std::unordered_map<std::string, int32_t> num_utts;
  if (!num_utts_rspecifier.empty()) {
    SequentialTableReader<Int32Holder> reader(num_utts_rspecifier);
    for (; !reader.Done(); reader.Next()) {
      if (reader.Value() <= 0)
        VOX_ERR << "num-utts for " << reader.Key() << " is " << reader.Value() << ", must be > 0";
      num_utts[reader.Key()] = reader.Value();
    }
  }

  PldaScorer scorer(model.plda, plda_config);
  const backend_tool::KeyedVectors enroll = backend_tool::LoadVectors(enroll_rspecifier, "enrollment vector");
  const backend_tool::KeyedVectors test = backend_tool::LoadVectors(test_rspecifier, "test vector");
  const int64_t in_dim = model.front_end.InputDim();
  for (const auto *kv : {&enroll, &test}) {
    const int64_t expected = in_dim > 0 ? in_dim : model.plda.Dim();
    if (model.front_end.transform.NumRows() == 0 && kv->Dim() != expected)
      VOX_ERR << "vectors have dimension " << kv->Dim() << " but the PLDA model "
              << plda_rxfilename << " expects " << expected;
  }
  double enroll_scale = 0.0, test_scale = 0.0, factor = 0.0;
  Vector<float> pre;
  for (size_t i = 0; i < enroll.keys.size(); i++) {
    int32_t n = 1;
    if (!num_utts_rspecifier.empty()) {
      auto it = num_utts.find(enroll.keys[i]);
      if (it == num_utts.end())
        VOX_ERR << "no num-utts entry for enrollment speaker " << enroll.keys[i] << " in "
                << num_utts_rspecifier;
      n = it->second;
    }
    try {
      model.front_end.Apply(enroll.vectors[i], &pre);
      scorer.AddEnrollment(Vector<double>(pre), n, &factor);
    } catch (const Error &e) {
      VOX_ERR << "enrollment vector " << enroll.keys[i] << ": " << e.reason();
    }
    enroll_scale += factor;
  }
  for (size_t i = 0; i < test.keys.size(); i++) {
    try {
      model.front_end.Apply(test.vectors[i], &pre);
      scorer.AddTest(Vector<double>(pre), &factor);
    } catch (const Error &e) {
      VOX_ERR << "test vector " << test.keys[i] << ": " << e.reason();
    }
    test_scale += factor;
  }
  VOX_LOG << "Read " << enroll.keys.size() << " enrollment and " << test.keys.size()
          << " test vectors; average length-normalization scale " << enroll_scale / enroll.keys.size()
          << " and " << test_scale / test.keys.size();
  backend_tool::ScoreTrials(trials, enroll.index, test.index, scores, max_errors,
                            [&scorer](int64_t e, int64_t t) { return scorer.Score(e, t); });
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

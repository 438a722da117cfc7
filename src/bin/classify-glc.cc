// src/bin/classify-glc.cc
// Scores embeddings with a Gaussian linear classifier: per-class log-likelihoods or
// posteriors, and the top-1 class.
#include <string>

#include "backend/glc.h"
#include "backend/transforms.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "io/kaldi-stream.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Classify embeddings with a Gaussian linear classifier from train-glc. Writes one vector\n"
    "per utterance with one value per class, in the model's class order (train-glc\n"
    "--write-classes): log-likelihoods log N(x; mu_k, W) (--output=loglikes, the input of\n"
    "compute-lid-metrics), posteriors or log-posteriors under flat priors. The optional\n"
    "last argument gets the top-1 decision, '<utt> <class>' per line (plot-confusion).\n"
    "A vector with a NaN or Inf is a warning, counted towards --max-errors.\n"
    "\n"
    "Usage: classify-glc [options] <glc-rxfilename> <vector-rspecifier> <scores-wspecifier> [<decisions-wxfilename>]\n"
    "e.g.: classify-glc exp/glc/glc.mdl ark:test_emb.ark ark:exp/glc/loglikes.ark exp/glc/decisions\n"
    "See also: train-glc, compute-lid-metrics, plot-confusion\n";

enum class GlcOutput { kLoglikes, kPosteriors, kLogPosteriors };

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  std::string output_type = "loglikes";
  int64_t max_errors = 0;
  po.Register("output", &output_type, "loglikes, posteriors or log-posteriors");
  po.Register("max-errors", &max_errors,
              "Fail (writing nothing) if more than this many vectors cannot be classified (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 3 && po.NumArgs() != 4) {
    po.PrintUsage();
    return 1;
  }
  GlcOutput type = GlcOutput::kLoglikes;
  if (output_type == "loglikes") type = GlcOutput::kLoglikes;
  else if (output_type == "posteriors") type = GlcOutput::kPosteriors;
  else if (output_type == "log-posteriors") type = GlcOutput::kLogPosteriors;
  else VOX_ERR << "--output must be loglikes, posteriors or log-posteriors, got '" << output_type << "'";

  Glc glc;
  {
    bool binary = false;
    Input input(po.GetArg(1), &binary);
    try {
      glc.Read(input.Stream(), binary);
    } catch (const Error &e) {
      VOX_ERR << "cannot read the GLC model " << po.GetArg(1) << ": " << e.reason();
    }
    input.Close();
  }
  SequentialTableReader<FloatVectorHolder> reader(po.GetArg(2));
  TableWriter<FloatVectorHolder> writer(po.GetArg(3));
  Output decisions;
  if (po.NumArgs() == 4) decisions.Open(po.GetArg(4));
  int64_t num_done = 0, num_errors = 0;
  Vector<double> loglikes, out;
  for (; !reader.Done(); reader.Next()) {
    const std::string &key = reader.Key();
    const Vector<float> &x = reader.Value();
    if (x.Dim() != glc.Dim())
      VOX_ERR << "vector " << key << " has dimension " << x.Dim() << ", the GLC model " << glc.Dim();
    if (!AllFinite(x)) {
      VOX_WARN << "vector " << key << " has a NaN or Inf element, skipping it";
      num_errors++;
      continue;
    }
    glc.LogLikelihoods(x, &loglikes);
    if (type == GlcOutput::kLoglikes) out = loglikes;
    else Glc::Posteriors(loglikes, type == GlcOutput::kLogPosteriors, &out);
    writer.Write(key, Vector<float>(out));
    if (decisions.IsOpen()) {
      int64_t best = 0;
      for (int64_t k = 1; k < loglikes.Dim(); k++)
        if (loglikes(k) > loglikes(best)) best = k;
      decisions.Stream() << key << " " << glc.ClassNames()[best] << "\n";
    }
    num_done++;
  }
  VOX_LOG << "Done " << num_done << ", errors " << num_errors;
  if (num_errors > max_errors)
    VOX_ERR << num_errors << " vector(s) failed (--max-errors=" << max_errors << "); nothing written";
  if (num_done == 0) VOX_ERR << "no vectors in " << po.GetArg(2);
  writer.Close();
  if (decisions.IsOpen()) decisions.Close();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

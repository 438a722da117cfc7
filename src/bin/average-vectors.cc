// src/bin/average-vectors.cc
// Per-speaker means of vectors, and their utterance counts (Kaldi's ivector-mean with a
// spk2utt map), e.g. the enrolment models of multi-session enrolment.
#include <string>

#include "backend/transforms.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Average vectors (e.g. x-vectors) per speaker, using a spk2utt map, and optionally write\n"
    "the number of utterances averaged per speaker (for score-plda --num-utts). A speaker\n"
    "whose utterances are all missing is a warning, counted as an error.\n"
    "\n"
    "Usage: average-vectors [options] <spk2utt-rspecifier> <vector-rspecifier> <vector-wspecifier> [<num-utts-wspecifier>]\n"
    "e.g.: average-vectors ark:data/enroll/spk2utt scp:xvector.scp ark:spk_xvector.ark ark,t:num_utts.ark\n"
    "See also: compute-vector-mean, score-plda, ivector-mean (Kaldi)\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  int64_t max_errors = 0;
  po.Register("max-errors", &max_errors,
              "Fail (writing nothing) if more than this many utterances or speakers fail (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 3 && po.NumArgs() != 4) {
    po.PrintUsage();
    return 1;
  }
  const std::string spk2utt = po.GetArg(1), rspecifier = po.GetArg(2), wspecifier = po.GetArg(3),
                    num_utts_wspecifier = po.GetOptArg(4);
  const auto speakers = backend_tool::ReadKeyedLines(spk2utt, 1, 0);
  RandomAccessTableReader<FloatVectorHolder> reader(rspecifier);
  TableWriter<FloatVectorHolder> writer(wspecifier);
  TableWriter<Int32Holder> num_utts_writer;
  if (!num_utts_wspecifier.empty()) num_utts_writer.Open(num_utts_wspecifier);
  int64_t num_spk_done = 0, num_utt_done = 0, num_errors = 0;
  int64_t dim = -1;
  for (const auto &spk : speakers) {
    // A float sum scaled by float(1 / n), as Kaldi's ivector-mean, so that the means match
    // Kaldi's archives exactly (a speaker has few utterances: float loses nothing of note).
    Vector<float> sum;
    int64_t count = 0;
    for (size_t i = 1; i < spk.size(); i++) {
      if (!reader.HasKey(spk[i])) {
        VOX_WARN << "speaker " << spk[0] << ": no vector for utterance " << spk[i];
        num_errors++;
        continue;
      }
      const Vector<float> &v = reader.Value(spk[i]);
      CheckFinite(v, "vector", spk[i]);
      if (dim >= 0 && v.Dim() != dim)
        VOX_ERR << "vector " << spk[i] << " has dimension " << v.Dim() << ", the earlier ones " << dim;
      dim = v.Dim();
      if (count == 0) sum.Resize(dim);
      for (int64_t j = 0; j < dim; j++) sum(j) += v(j);
      count++;
    }
    if (count == 0) {
      VOX_WARN << "speaker " << spk[0] << ": none of its utterances has a vector; nothing written";
      num_errors++;
      continue;
    }
    const float scale = static_cast<float>(1.0 / count);
    for (int64_t j = 0; j < dim; j++) sum(j) *= scale;
    writer.Write(spk[0], sum);
    if (num_utts_writer.IsOpen()) num_utts_writer.Write(spk[0], static_cast<int32_t>(count));
    num_spk_done++;
    num_utt_done += count;
  }
  VOX_LOG << "Done " << num_spk_done << " speakers (" << num_utt_done << " utterances), errors "
          << num_errors;
  if (num_errors > max_errors || num_spk_done == 0)
    VOX_ERR << num_errors << " error(s) (--max-errors=" << max_errors << ")"
            << (num_spk_done == 0 ? ", and no speaker was averaged" : "") << "; nothing written";
  writer.Close();
  if (num_utts_writer.IsOpen()) num_utts_writer.Close();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

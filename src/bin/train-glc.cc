// src/bin/train-glc.cc
// Trains a Gaussian linear classifier (class means, shared covariance) for language ID.
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "backend/glc.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"
#include "io/kaldi-stream.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Train a Gaussian linear classifier on embeddings with class labels (utt2lang): one mean\n"
    "per class and one within-class covariance shared by all (pooled over vectors, or with\n"
    "--class-balanced averaged over classes). Classes are sorted by name. --write-classes\n"
    "writes their names one per line: the <languages> file of compute-lid-metrics.\n"
    "A vector without a label is a warning, counted towards --max-errors.\n"
    "\n"
    "Usage: train-glc [options] <vector-rspecifier> <utt2lang-rspecifier> <glc-wxfilename>\n"
    "e.g.: train-glc --class-balanced --write-classes=exp/glc/languages ark:train_emb.ark data/train/utt2lang exp/glc/glc.mdl\n"
    "See also: classify-glc, compute-lid-metrics, plot-confusion, train-lda\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  GlcOptions opts;
  bool binary = true;
  std::string classes_out;
  int64_t max_errors = 0;
  opts.Register(&po);
  po.Register("binary", &binary, "Write the model in binary mode");
  po.Register("write-classes", &classes_out, "Also write the class names, one per line, in the "
              "model's order (the columns of classify-glc's output)");
  po.Register("max-errors", &max_errors,
              "Fail if more than this many vectors have no label (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 3) {
    po.PrintUsage();
    return 1;
  }
  opts.Validate();
  VOX_VLOG(1) << opts.ToString();
  std::unordered_map<std::string, std::string> utt2lang;
  for (const auto &f : backend_tool::ReadKeyedLines(po.GetArg(2), 1, 1)) utt2lang[f[0]] = f[1];
  const backend_tool::KeyedVectors kv = backend_tool::LoadVectors(po.GetArg(1), "vector");
  std::map<std::string, int32_t> class_index;  // sorted: the order does not depend on the data's
  std::vector<int64_t> rows;
  std::vector<std::string> row_class;
  int64_t num_errors = 0;
  for (size_t i = 0; i < kv.keys.size(); i++) {
    auto it = utt2lang.find(kv.keys[i]);
    if (it == utt2lang.end()) {
      VOX_WARN << "no label for vector " << kv.keys[i] << " in " << po.GetArg(2) << ", skipping it";
      num_errors++;
      continue;
    }
    class_index.emplace(it->second, 0);
    rows.push_back(static_cast<int64_t>(i));
    row_class.push_back(it->second);
  }
  if (num_errors > max_errors)
    VOX_ERR << num_errors << " vectors have no label (--max-errors=" << max_errors << ")";
  std::vector<std::string> names;
  for (auto &c : class_index) {
    c.second = static_cast<int32_t>(names.size());
    names.push_back(c.first);
  }
  Matrix<double> data(static_cast<int64_t>(rows.size()), kv.Dim());
  std::vector<int32_t> labels;
  std::vector<int64_t> counts(names.size(), 0);
  for (size_t r = 0; r < rows.size(); r++) {
    for (int64_t c = 0; c < kv.Dim(); c++) data(r, c) = kv.vectors[rows[r]](c);
    labels.push_back(class_index[row_class[r]]);
    counts[labels.back()]++;
  }
  Glc glc;
  glc.Train(data, labels, names, opts);
  Output output(po.GetArg(3), binary);
  glc.Write(output.Stream(), binary);
  if (!classes_out.empty()) {
    Output classes(classes_out);
    for (const std::string &n : names) classes.Stream() << n << "\n";
    classes.Close();
  }
  output.Close();
  for (size_t k = 0; k < names.size(); k++)
    VOX_LOG << "class " << names[k] << ": " << counts[k] << " vectors";
  VOX_LOG << "Done " << rows.size() << " vectors in " << names.size() << " classes (dimension "
          << kv.Dim() << "), errors " << num_errors;
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

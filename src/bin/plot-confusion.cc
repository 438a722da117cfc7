// src/bin/plot-confusion.cc
// A heat map of the language-identification confusion matrix, as SVG (or PNG).
#include <string>
#include <unordered_map>
#include <vector>

#include "backend/svg-plot.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/text-utils.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"
#include "io/kaldi-stream.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Plot the confusion matrix of a language (or any class) identification as a heat map:\n"
    "rows are the true classes, columns the decided ones, each cell the percentage of its\n"
    "row (and its colour), with each row's count at the right. The decisions are either a\n"
    "text file '<utt> <class>' (classify-glc's last argument) or, given as an rspecifier,\n"
    "score vectors in the order of <classes> (the highest score decides). Writes SVG; with\n"
    "--png, PNG rendered by rsvg-convert (Debian package librsvg2-bin).\n"
    "An utterance without a utt2lang entry is a warning, counted towards --max-errors.\n"
    "\n"
    "Usage: plot-confusion [options] <classes-rxfilename> <decisions-rxfilename|scores-rspecifier> <utt2lang-rspecifier> <plot-wxfilename>\n"
    "e.g.: plot-confusion exp/glc/languages exp/glc/decisions data/test/utt2lang confusion.svg\n"
    "See also: classify-glc, compute-lid-metrics, plot-det\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  std::string title;
  bool png = false;
  int32_t png_width = 0;
  int64_t max_errors = 0;
  po.Register("title", &title, "Title above the plot (default: the accuracy)");
  po.Register("png", &png, "Write PNG (via rsvg-convert) instead of SVG");
  po.Register("png-width", &png_width, "With --png: image width in pixels (0: the SVG's)");
  po.Register("max-errors", &max_errors,
              "Fail if more than this many utterances have no utt2lang entry (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 4) {
    po.PrintUsage();
    return 1;
  }
  if (png_width < 0) VOX_ERR << "--png-width must be >= 0, got " << png_width;
  const std::vector<std::string> classes = backend_tool::ReadClassList(po.GetArg(1), "class");
  std::unordered_map<std::string, int64_t> class_index;
  for (size_t i = 0; i < classes.size(); i++) class_index[classes[i]] = static_cast<int64_t>(i);
  std::unordered_map<std::string, std::string> utt2lang;
  for (const auto &f : backend_tool::ReadKeyedLines(po.GetArg(3), 1, 1)) utt2lang[f[0]] = f[1];
  // (utterance, decided class index)
  std::vector<std::pair<std::string, int64_t>> decided;
  const std::string &input = po.GetArg(2);
  if (ClassifyRspecifier(input) != TableType::kNone) {
    const backend_tool::KeyedVectors kv = backend_tool::LoadVectors(input, "score vector");
    if (kv.Dim() != static_cast<int64_t>(classes.size()))
      VOX_ERR << "score vectors have dimension " << kv.Dim() << " but " << po.GetArg(1)
              << " lists " << classes.size() << " classes";
    for (size_t i = 0; i < kv.keys.size(); i++) {
      const Vector<float> &v = kv.vectors[i];
      int64_t best = 0;
      for (int64_t k = 1; k < v.Dim(); k++)
        if (v(k) > v(best)) best = k;
      decided.emplace_back(kv.keys[i], best);
    }
  } else {
    for (const auto &f : backend_tool::ReadKeyedLines(input, 1, 1)) {
      auto it = class_index.find(f[1]);
      if (it == class_index.end())
        VOX_ERR << "utterance " << f[0] << " is decided as " << f[1] << ", not in " << po.GetArg(1);
      decided.emplace_back(f[0], it->second);
    }
  }
  const int64_t k = static_cast<int64_t>(classes.size());
  Matrix<double> confusion(k, k);
  int64_t num_done = 0, num_errors = 0, correct = 0;
  for (const auto &d : decided) {
    auto it = utt2lang.find(d.first);
    if (it == utt2lang.end()) {
      VOX_WARN << "utterance " << d.first << " has no utt2lang entry";
      num_errors++;
      continue;
    }
    auto li = class_index.find(it->second);
    if (li == class_index.end())
      VOX_ERR << "utterance " << d.first << " has class " << it->second << ", not in " << po.GetArg(1);
    confusion(li->second, d.second) += 1.0;
    correct += li->second == d.second;
    num_done++;
  }
  if (num_errors > max_errors)
    VOX_ERR << num_errors << " utterances without a class (--max-errors=" << max_errors << ")";
  if (num_done == 0) VOX_ERR << "no utterance has a class in " << po.GetArg(3);
  if (title.empty()) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "accuracy %.2f%% (%lld utterances)", 100.0 * correct / num_done,
                  static_cast<long long>(num_done));
    title = buf;
  }
  const std::string svg = RenderConfusionPlot(confusion, classes, title);
  const std::string bytes = png ? SvgToPng(svg, png_width) : svg;
  Output output(po.GetArg(4));
  output.Stream().write(bytes.data(), bytes.size());
  output.Close();
  VOX_LOG << "Done " << num_done << " utterances, errors " << num_errors;
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

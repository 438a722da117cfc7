// src/bin/plot-det.cc
// DET curves of one or more systems as SVG (or PNG), with EER and minDCF points marked.
#include <string>
#include <vector>

#include "backend/svg-plot.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/text-utils.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"
#include "io/kaldi-stream.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Plot the DET curves (miss against false-alarm probability on normal-deviate axes) of\n"
    "one or more systems scored on the same trials, in one figure, with each system's EER\n"
    "(circle) and minDCF operating point (square) marked and listed in the legend. Writes\n"
    "SVG; with --png, PNG rendered by rsvg-convert (Debian package librsvg2-bin). With two\n"
    "arguments the input is one file of '<score> target|nontarget' lines (as compute-eer).\n"
    "\n"
    "Usage: plot-det [options] <trials-rxfilename> <scores-rxfilename> [<scores-rxfilename> ...] <plot-wxfilename>\n"
    "  or:  plot-det [options] <labelled-scores-rxfilename> <plot-wxfilename>\n"
    "e.g.: plot-det --names=cosine,plda data/test/trials exp/scores_cos exp/scores_plda det.svg\n"
    "See also: compute-eer, compute-min-dcf, plot-confusion\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  DetPlotOptions opts;
  std::string names;
  bool png = false;
  int32_t png_width = 0;
  int64_t max_errors = 0;
  po.Register("names", &names, "Comma-separated system names for the legend (default: the "
              "score file names)");
  po.Register("title", &opts.title, "Title above the plot");
  po.Register("p-target", &opts.dcf.p_target, "Prior of a target trial for the minDCF point");
  po.Register("c-miss", &opts.dcf.c_miss, "Cost of a miss for the minDCF point");
  po.Register("c-fa", &opts.dcf.c_fa, "Cost of a false alarm for the minDCF point");
  po.Register("min-rate", &opts.min_rate, "Smallest error rate on the axes (a proportion)");
  po.Register("max-rate", &opts.max_rate, "Largest error rate on the axes (a proportion)");
  po.Register("png", &png, "Write PNG (via rsvg-convert) instead of SVG");
  po.Register("png-width", &png_width, "With --png: image width in pixels (0: the SVG's, 590)");
  po.Register("max-errors", &max_errors,
              "Fail if more than this many trials of a system have no score (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() < 2) {
    po.PrintUsage();
    return 1;
  }
  if (!(opts.dcf.p_target > 0.0 && opts.dcf.p_target < 1.0))
    VOX_ERR << "--p-target must be in (0, 1), got " << opts.dcf.p_target;
  if (!(opts.dcf.c_miss > 0.0 && opts.dcf.c_fa > 0.0)) VOX_ERR << "--c-miss and --c-fa must be > 0";
  if (!(opts.min_rate > 0.0 && opts.min_rate < opts.max_rate && opts.max_rate < 1.0))
    VOX_ERR << "need 0 < --min-rate < --max-rate < 1, got " << opts.min_rate << " and " << opts.max_rate;
  if (png_width < 0) VOX_ERR << "--png-width must be >= 0, got " << png_width;
  const int n = po.NumArgs();
  const std::string out = po.GetArg(n);
  std::vector<std::string> score_files;
  if (n == 2) score_files.push_back(po.GetArg(1));
  for (int i = 2; i < n; i++) score_files.push_back(po.GetArg(i));
  std::vector<std::string> labels = SplitString(names, ",", false);
  if (names.empty()) labels = score_files;
  if (labels.size() != score_files.size())
    VOX_ERR << "--names has " << labels.size() << " names for " << score_files.size() << " systems";

  std::vector<DetSystem> systems;
  for (size_t s = 0; s < score_files.size(); s++) {
    backend_tool::LabeledScores ls;
    try {
      ls = n == 2 ? backend_tool::LoadLabeledScores(score_files[s], "", max_errors)
                  : backend_tool::LoadLabeledScores(po.GetArg(1), score_files[s], max_errors);
    } catch (const Error &e) {
      VOX_ERR << "system " << labels[s] << " (" << score_files[s] << "): " << e.reason();
    }
    systems.push_back({labels[s], std::move(ls.targets), std::move(ls.nontargets)});
    VOX_LOG << "system " << labels[s] << ": " << systems.back().targets.size() << " target and "
            << systems.back().nontargets.size() << " non-target trials";
  }
  const std::string svg = RenderDetPlot(systems, opts);
  const std::string bytes = png ? SvgToPng(svg, png_width) : svg;
  Output output(out);
  output.Stream().write(bytes.data(), bytes.size());
  output.Close();
  VOX_LOG << "Done " << systems.size() << " systems, errors 0; wrote " << (png ? "PNG " : "SVG ")
          << out;
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

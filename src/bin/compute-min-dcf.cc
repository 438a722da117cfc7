// src/bin/compute-min-dcf.cc
// Minimum normalised detection cost at one or more operating points (NIST SRE).
#include <cstdio>
#include <string>
#include <vector>

#include "backend/metrics.h"
#include "base/log.h"
#include "base/parse-options.h"
#include "base/text-utils.h"
#include "base/tool-main.h"
#include "bin/backend-tool-util.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Compute the minimum normalised detection cost function (minDCF) of detection scores:\n"
    "min over thresholds of (c_miss p_target P_miss + c_fa (1 - p_target) P_fa) divided by\n"
    "min(c_miss p_target, c_fa (1 - p_target)). Several operating points at once: give\n"
    "comma-separated lists (each list has one value, or as many as the longest list).\n"
    "Prints one minDCF per operating point, one per line (%.4f, as Kaldi's\n"
    "compute_min_dcf.py); the log gives each point and threshold. Input as compute-eer.\n"
    "\n"
    "Usage: compute-min-dcf [options] <scores-in>\n"
    "  or:  compute-min-dcf [options] <trials-rxfilename> <scores-rxfilename>\n"
    "e.g.: compute-min-dcf --p-target=0.01,0.001 data/test/trials exp/scores\n"
    "See also: compute-eer, plot-det, calibrate-scores\n";

std::vector<double> ParseList(const std::string &s, const char *name) {
  std::vector<double> out;
  for (const std::string &f : SplitString(s, ",", false)) {
    double v = 0;
    if (!ConvertToDouble(f, &v)) VOX_ERR << "--" << name << ": '" << f << "' is not a number";
    out.push_back(v);
  }
  if (out.empty()) VOX_ERR << "--" << name << " is empty";
  return out;
}

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  std::string p_target = "0.01", c_miss = "1", c_fa = "1";
  int64_t max_errors = 0;
  po.Register("p-target", &p_target, "Prior probability of a target trial (comma-separated list)");
  po.Register("c-miss", &c_miss, "Cost of a miss (comma-separated list)");
  po.Register("c-fa", &c_fa, "Cost of a false alarm (comma-separated list)");
  po.Register("max-errors", &max_errors,
              "With a trials file: fail if more than this many trials have no score (0: any)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 1 && po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  const std::vector<double> p = ParseList(p_target, "p-target"), cm = ParseList(c_miss, "c-miss"),
                            cf = ParseList(c_fa, "c-fa");
  const size_t n = std::max(p.size(), std::max(cm.size(), cf.size()));
  for (const auto *l : {&p, &cm, &cf})
    if (l->size() != 1 && l->size() != n)
      VOX_ERR << "--p-target, --c-miss and --c-fa lists must have 1 or " << n << " values";
  std::vector<DcfPoint> points(n);
  for (size_t i = 0; i < n; i++) {
    points[i].p_target = p[p.size() == 1 ? 0 : i];
    points[i].c_miss = cm[cm.size() == 1 ? 0 : i];
    points[i].c_fa = cf[cf.size() == 1 ? 0 : i];
    if (!(points[i].p_target > 0.0 && points[i].p_target < 1.0))
      VOX_ERR << "--p-target must be in (0, 1), got " << points[i].p_target;
    if (!(points[i].c_miss > 0.0 && points[i].c_fa > 0.0))
      VOX_ERR << "--c-miss and --c-fa must be > 0";
  }
  const backend_tool::LabeledScores ls =
      backend_tool::LoadLabeledScores(po.GetArg(1), po.GetOptArg(2), max_errors);
  for (const DcfPoint &pt : points) {
    double threshold = 0.0;
    const double dcf = ComputeMinDcf(ls.targets, ls.nontargets, pt, &threshold);
    VOX_LOG << "minDCF is " << dcf << " at threshold " << threshold << " (p-target=" << pt.p_target
            << ", c-miss=" << pt.c_miss << ", c-fa=" << pt.c_fa << ")";
    std::printf("%.4f\n", dcf);
  }
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

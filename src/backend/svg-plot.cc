// src/backend/svg-plot.cc
#include "backend/svg-plot.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "base/log.h"

extern char **environ;

namespace voxtools {

namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

const char *AnchorName(TextAnchor a) {
  switch (a) {
    case TextAnchor::kStart: return "start";
    case TextAnchor::kMiddle: return "middle";
    case TextAnchor::kEnd: return "end";
  }
  return "start";
}

}  // namespace

SvgWriter::SvgWriter(double width, double height) : width_(width), height_(height) {}

std::string SvgWriter::Escape(const std::string &text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters even when escaped.
        out += (static_cast<unsigned char>(c) < 0x20 && c != '\t') ? '?' : c;
    }
  }
  return out;
}

void SvgWriter::Line(double x1, double y1, double x2, double y2, const std::string &stroke,
                     double stroke_width, const std::string &dash) {
  body_ += "<line x1=\"" + Num(x1) + "\" y1=\"" + Num(y1) + "\" x2=\"" + Num(x2) + "\" y2=\"" +
           Num(y2) + "\" stroke=\"" + Escape(stroke) + "\" stroke-width=\"" + Num(stroke_width) +
           "\"" + (dash.empty() ? "" : " stroke-dasharray=\"" + Escape(dash) + "\"") + "/>\n";
}

void SvgWriter::Rect(double x, double y, double w, double h, const std::string &fill,
                     const std::string &stroke, double stroke_width) {
  body_ += "<rect x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" width=\"" + Num(w) + "\" height=\"" +
           Num(h) + "\" fill=\"" + Escape(fill) + "\" stroke=\"" + Escape(stroke) +
           "\" stroke-width=\"" + Num(stroke_width) + "\"/>\n";
}

void SvgWriter::Circle(double cx, double cy, double r, const std::string &fill,
                       const std::string &stroke, double stroke_width) {
  body_ += "<circle cx=\"" + Num(cx) + "\" cy=\"" + Num(cy) + "\" r=\"" + Num(r) + "\" fill=\"" +
           Escape(fill) + "\" stroke=\"" + Escape(stroke) + "\" stroke-width=\"" +
           Num(stroke_width) + "\"/>\n";
}

void SvgWriter::Polyline(const std::vector<std::pair<double, double>> &points,
                         const std::string &stroke, double stroke_width,
                         const std::string &clip_id) {
  body_ += "<polyline fill=\"none\" stroke=\"" + Escape(stroke) + "\" stroke-width=\"" +
           Num(stroke_width) + "\" stroke-linejoin=\"round\"";
  if (!clip_id.empty()) body_ += " clip-path=\"url(#" + Escape(clip_id) + ")\"";
  body_ += " points=\"";
  for (const auto &p : points) body_ += Num(p.first) + "," + Num(p.second) + " ";
  body_ += "\"/>\n";
}

void SvgWriter::Text(double x, double y, const std::string &text, double size, TextAnchor anchor,
                     const std::string &fill, double rotate, bool bold) {
  body_ += "<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" font-size=\"" + Num(size) +
           "\" text-anchor=\"" + AnchorName(anchor) + "\" fill=\"" + Escape(fill) + "\"";
  if (bold) body_ += " font-weight=\"bold\"";
  if (rotate != 0.0)
    body_ += " transform=\"rotate(" + Num(rotate) + " " + Num(x) + " " + Num(y) + ")\"";
  body_ += ">" + Escape(text) + "</text>\n";
}

void SvgWriter::DefineClip(const std::string &id, double x, double y, double w, double h) {
  defs_ += "<clipPath id=\"" + Escape(id) + "\"><rect x=\"" + Num(x) + "\" y=\"" + Num(y) +
           "\" width=\"" + Num(w) + "\" height=\"" + Num(h) + "\"/></clipPath>\n";
}

std::string SvgWriter::Finish() const {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
                    Num(width_) + "\" height=\"" + Num(height_) + "\" viewBox=\"0 0 " +
                    Num(width_) + " " + Num(height_) +
                    "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n";
  if (!defs_.empty()) out += "<defs>\n" + defs_ + "</defs>\n";
  out += "<rect x=\"0\" y=\"0\" width=\"" + Num(width_) + "\" height=\"" + Num(height_) +
         "\" fill=\"#ffffff\"/>\n";
  return out + body_ + "</svg>\n";
}

double Probit(double p) {
  if (std::isnan(p) || p < 0.0 || p > 1.0) VOX_ERR << "Probit: " << p << " is not a probability";
  if (p == 0.0) return -std::numeric_limits<double>::infinity();
  if (p == 1.0) return std::numeric_limits<double>::infinity();
  if (p == 0.5) return 0.0;
  // Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4) for the tail below 0.5, by symmetry above.
  const double q = p < 0.5 ? p : 1.0 - p;
  const double t = std::sqrt(-2.0 * std::log(q));
  double x = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
                     (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
  x = p < 0.5 ? -x : x;
  // Halley on f(x) = Phi(x) - p (cubic convergence: two steps reach double precision).
  for (int i = 0; i < 3; i++) {
    const double cdf = 0.5 * std::erfc(-x / std::sqrt(2.0));
    const double pdf = std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI);
    if (!(pdf > 0.0)) break;
    const double u = (cdf - p) / pdf;
    x -= u / (1.0 + 0.5 * x * u);
  }
  return x;
}

namespace {

const char *const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr int kNumColours = 10;

std::string Percent(double rate) {
  char buf[32];
  const double pct = 100.0 * rate;
  std::snprintf(buf, sizeof(buf), pct < 1.0 ? "%.1f" : "%.0f", pct);
  return buf;
}

}  // namespace

std::string RenderDetPlot(const std::vector<DetSystem> &systems, const DetPlotOptions &options) {
  if (systems.empty()) VOX_ERR << "DET plot: no systems";
  if (!(options.min_rate > 0.0 && options.min_rate < options.max_rate && options.max_rate < 1.0))
    VOX_ERR << "DET plot: need 0 < min rate < max rate < 1, got " << options.min_rate << " and "
            << options.max_rate;
  // The legend goes below the axes (one line per system, then the marker key), so that it
  // never hides a curve.
  const double line_h = 18;
  size_t longest = 0;  // legend characters, ~7 px each at 12 px DejaVu Sans
  for (const DetSystem &sys : systems) longest = std::max(longest, sys.name.size() + 58);
  const double left = 80, top = 50, size = 480;
  const double width = std::max(left + size + 30, left + 40 + 7.0 * std::min<size_t>(longest, 200));
  const double legend_top = top + size + 62;
  const double height = legend_top + line_h * (systems.size() + 1) + 10;
  const double lo = Probit(options.min_rate), hi = Probit(options.max_rate);
  // Probit rates to pixels; rates outside the axes land outside the clip rectangle (clamped
  // a little beyond it, so that 0 and 1 stay finite).
  auto px = [&](double rate) {
    const double v = std::min(std::max(Probit(rate), lo - 1.0), hi + 1.0);
    return left + (v - lo) / (hi - lo) * size;
  };
  auto py = [&](double rate) {
    const double v = std::min(std::max(Probit(rate), lo - 1.0), hi + 1.0);
    return top + size - (v - lo) / (hi - lo) * size;
  };
  SvgWriter svg(width, height);
  svg.DefineClip("plot-area", left, top, size, size);
  if (!options.title.empty())
    svg.Text(left + size / 2, top - 20, options.title, 16, TextAnchor::kMiddle, "#000000", 0, true);
  const double ticks[] = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.5,
                          0.6,   0.8,   0.9,   0.95, 0.98, 0.99, 0.995, 0.998, 0.999};
  for (double t : ticks) {
    if (t < options.min_rate * (1 - 1e-9) || t > options.max_rate * (1 + 1e-9)) continue;
    const double x = px(t), y = py(t);
    svg.Line(x, top, x, top + size, "#d0d0d0", 0.8);
    svg.Line(left, y, left + size, y, "#d0d0d0", 0.8);
    svg.Text(x, top + size + 18, Percent(t), 12, TextAnchor::kMiddle);
    svg.Text(left - 8, y + 4, Percent(t), 12, TextAnchor::kEnd);
  }
  svg.Line(px(options.min_rate), py(options.min_rate), px(options.max_rate), py(options.max_rate),
           "#a0a0a0", 1.0, "4,4");  // P_miss = P_fa: where each curve meets its EER
  svg.Rect(left, top, size, size, "none", "#000000", 1.0);
  svg.Text(left + size / 2, top + size + 42, "False alarm probability (%)", 14, TextAnchor::kMiddle);
  svg.Text(left - 50, top + size / 2, "Miss probability (%)", 14, TextAnchor::kMiddle, "#000000", -90);

  std::vector<std::string> legend;
  for (size_t s = 0; s < systems.size(); s++) {
    const DetSystem &sys = systems[s];
    if (sys.targets.empty() || sys.nontargets.empty())
      VOX_ERR << "DET plot: system " << sys.name << " needs target and non-target scores";
    const std::string colour = kColours[s % kNumColours];
    const DetCurve curve = ComputeDetCurve(sys.targets, sys.nontargets);
    std::vector<std::pair<double, double>> points;
    for (size_t i = 0; i < curve.p_miss.size(); i++) {
      const double x = px(curve.p_fa[i]), y = py(curve.p_miss[i]);
      // A million-trial curve is a staircase of sub-pixel steps: keep a point only once it
      // moves a quarter pixel, and always the last one.
      if (!points.empty() && i + 1 < curve.p_miss.size() &&
          std::fabs(x - points.back().first) < 0.25 && std::fabs(y - points.back().second) < 0.25)
        continue;
      points.emplace_back(x, y);
    }
    svg.Polyline(points, colour, 2.0, "plot-area");
    std::vector<float> tf(sys.targets.begin(), sys.targets.end()),
        nf(sys.nontargets.begin(), sys.nontargets.end());
    float eer_threshold = 0;
    const double eer = ComputeEer(tf, nf, &eer_threshold);
    double dcf_threshold = 0;
    const double min_dcf = ComputeMinDcf(sys.targets, sys.nontargets, options.dcf, &dcf_threshold);
    double miss = 0, fa = 0;
    for (double t : sys.targets) miss += t < dcf_threshold;
    for (double t : sys.nontargets) fa += t >= dcf_threshold;
    miss /= sys.targets.size();
    fa /= sys.nontargets.size();
    auto inside = [&](double rate) { return rate >= options.min_rate && rate <= options.max_rate; };
    if (inside(eer)) svg.Circle(px(eer), py(eer), 5, "none", colour, 2.0);
    if (inside(miss) && inside(fa)) svg.Rect(px(fa) - 4.5, py(miss) - 4.5, 9, 9, colour, "#000000", 0.8);
    // The operating point's rates are printed too: at a low p-target it is often off the axes.
    char buf[128];
    std::snprintf(buf, sizeof(buf), ": EER %.2f%%, minDCF %.3f (miss %.1f%%, FA %.3g%%)",
                  100.0 * eer, min_dcf, 100.0 * miss, 100.0 * fa);
    legend.push_back(sys.name + buf);
  }
  for (size_t s = 0; s < legend.size(); s++) {
    const double y = legend_top + line_h * s;
    svg.Line(left, y - 4, left + 24, y - 4, kColours[s % kNumColours], 2.0);
    svg.Text(left + 30, y, legend[s], 12, TextAnchor::kStart);
  }
  const double y = legend_top + line_h * systems.size();
  svg.Circle(left + 12, y - 4, 5, "none", "#404040", 1.5);
  svg.Text(left + 30, y, "EER", 11, TextAnchor::kStart, "#404040");
  svg.Rect(left + 68 - 4.5, y - 8.5, 9, 9, "#808080", "#000000", 0.8);
  char note[128];
  std::snprintf(note, sizeof(note), "minDCF (p-target %g, c-miss %g, c-fa %g)",
                options.dcf.p_target, options.dcf.c_miss, options.dcf.c_fa);
  svg.Text(left + 80, y, note, 11, TextAnchor::kStart, "#404040");
  return svg.Finish();
}

std::string RenderConfusionPlot(const Matrix<double> &confusion,
                                const std::vector<std::string> &labels, const std::string &title) {
  const int64_t k = confusion.NumRows();
  if (k == 0) VOX_ERR << "confusion plot: empty matrix";
  if (confusion.NumCols() != k || static_cast<int64_t>(labels.size()) != k)
    VOX_ERR << "confusion plot: a " << k << " x " << confusion.NumCols() << " matrix with "
            << labels.size() << " labels";
  size_t longest = 1;
  for (const std::string &l : labels) longest = std::max(longest, l.size());
  const double cell = std::max(28.0, std::min(60.0, 640.0 / k));
  const double label_w = 14 + 7.0 * std::min<size_t>(longest, 24);
  // Title at y 24, the "decided" axis name at 46, then the rotated column labels.
  const double left = label_w + 40, top = label_w + 56;
  const double width = left + cell * k + 80, height = top + cell * k + 20;
  SvgWriter svg(width, height);
  if (!title.empty()) svg.Text(width / 2, 24, title, 16, TextAnchor::kMiddle, "#000000", 0, true);
  svg.Text(left + cell * k / 2, 46, "decided", 13, TextAnchor::kMiddle);
  svg.Text(20, top + cell * k / 2, "true", 13, TextAnchor::kMiddle, "#000000", -90);
  svg.Text(left + cell * k + 40, top - 8, "count", 12, TextAnchor::kMiddle);
  const double font = std::min(12.0, cell / 3.2);
  for (int64_t i = 0; i < k; i++) {
    double row_sum = 0.0;
    for (int64_t j = 0; j < k; j++) row_sum += confusion(i, j);
    const double y = top + cell * i;
    svg.Text(left - 6, y + cell / 2 + 4, labels[i], 12, TextAnchor::kEnd);
    const double x_label = left + cell * i + cell / 2 + 4;
    svg.Text(x_label, top - 6, labels[i], 12, TextAnchor::kStart, "#000000", -90);
    for (int64_t j = 0; j < k; j++) {
      const double frac = row_sum > 0 ? confusion(i, j) / row_sum : 0.0;
      // White to dark blue, linear in the fraction of the row.
      char fill[16];
      std::snprintf(fill, sizeof(fill), "#%02x%02x%02x", static_cast<int>(255 - frac * (255 - 8)),
                    static_cast<int>(255 - frac * (255 - 48)), static_cast<int>(255 - frac * (255 - 107)));
      svg.Rect(left + cell * j, y, cell, cell, fill, "#c0c0c0", 0.5);
      if (row_sum > 0) {
        char buf[16];
        std::snprintf(buf, sizeof(buf), "%.*f", frac >= 0.995 || frac == 0.0 ? 0 : 1, 100.0 * frac);
        svg.Text(left + cell * j + cell / 2, y + cell / 2 + font / 3, buf, font, TextAnchor::kMiddle,
                 frac > 0.5 ? "#ffffff" : "#000000");
      }
    }
    char count[32];
    std::snprintf(count, sizeof(count), "%.0f", row_sum);
    svg.Text(left + cell * k + 40, y + cell / 2 + 4, count, 12, TextAnchor::kMiddle);
  }
  svg.Rect(left, top, cell * k, cell * k, "none", "#000000", 1.0);
  return svg.Finish();
}

namespace {

bool FindOnPath(const std::string &name, std::string *path) {
  const char *env = std::getenv("PATH");
  std::string dirs = env ? env : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) {
      *path = candidate;
      return true;
    }
    start = end + 1;
  }
  return false;
}

std::string SlurpAndRemove(const std::string &file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::remove(file.c_str());
  return ss.str();
}

}  // namespace

std::string SvgToPng(const std::string &svg, int width_px) {
  std::string rsvg;
  if (!FindOnPath("rsvg-convert", &rsvg))
    VOX_ERR << "PNG output needs rsvg-convert (Debian package librsvg2-bin), which is not on "
            << "PATH; install it (utils/install_deps.sh does) or write SVG";
  const char *tmpdir_env = std::getenv("TMPDIR");
  std::string templ = std::string(tmpdir_env && *tmpdir_env ? tmpdir_env : "/tmp") + "/voxtools-plot-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  const int fd = mkstemp(buf.data());
  if (fd < 0) VOX_ERR << "cannot create a temporary file under " << templ;
  const std::string svg_file = buf.data(), png_file = svg_file + ".png", log_file = svg_file + ".log";
  const bool wrote = write(fd, svg.data(), svg.size()) == static_cast<ssize_t>(svg.size());
  close(fd);
  if (!wrote) {
    std::remove(svg_file.c_str());
    VOX_ERR << "cannot write the temporary file " << svg_file;
  }
  std::vector<std::string> args = {rsvg, "--format=png", "--output=" + png_file};
  if (width_px > 0) args.push_back("--width=" + std::to_string(width_px));
  args.push_back(svg_file);
  std::vector<char *> argv;
  for (std::string &a : args) argv.push_back(&a[0]);
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, rsvg.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (rc == 0) waitpid(pid, &status, 0);
  std::remove(svg_file.c_str());
  const std::string log = SlurpAndRemove(log_file);
  const std::string png = SlurpAndRemove(png_file);
  if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || png.size() < 8)
    VOX_ERR << rsvg << " failed" << (log.empty() ? "" : ": " + log);
  return png;
}

}  // namespace voxtools

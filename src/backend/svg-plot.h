// src/backend/svg-plot.h
// Plots for the back-end tools, written as SVG 1.1 by a small writer (no plotting library):
// DET curves of several systems on normal-deviate axes (Martin et al., "The DET curve in
// assessment of detection task performance", Eurospeech 1997) with their EER and minDCF
// points marked, and a heat map of an LID confusion matrix. SvgToPng renders a document to
// PNG with Debian's rsvg-convert (package librsvg2-bin) when it is installed.
#ifndef VOXTOOLS_BACKEND_SVG_PLOT_H_
#define VOXTOOLS_BACKEND_SVG_PLOT_H_

#include <string>
#include <utility>
#include <vector>

#include "backend/metrics.h"
#include "matrix/matrix.h"

namespace voxtools {

enum class TextAnchor { kStart, kMiddle, kEnd };

// Builds one SVG document. Coordinates are user units (pixels), origin top left. Colours are
// CSS strings ("#1f77b4", "none"). Text is escaped here, so any key or name is safe to pass.
class SvgWriter {
 public:
  SvgWriter(double width, double height);
  void Line(double x1, double y1, double x2, double y2, const std::string &stroke,
            double stroke_width, const std::string &dash = "");
  void Rect(double x, double y, double w, double h, const std::string &fill,
            const std::string &stroke = "none", double stroke_width = 1.0);
  void Circle(double cx, double cy, double r, const std::string &fill, const std::string &stroke,
              double stroke_width = 1.0);
  // A polyline clipped to the rectangle named by a DefineClip() id ("" for none).
  void Polyline(const std::vector<std::pair<double, double>> &points, const std::string &stroke,
                double stroke_width, const std::string &clip_id = "");
  // rotate: degrees about (x, y), e.g. -90 for a vertical axis label.
  void Text(double x, double y, const std::string &text, double size, TextAnchor anchor,
            const std::string &fill = "#000000", double rotate = 0.0, bool bold = false);
  void DefineClip(const std::string &id, double x, double y, double w, double h);
  // The whole document.
  std::string Finish() const;

  // XML-escapes &, <, >, " and '; other control characters become '?'.
  static std::string Escape(const std::string &text);

 private:
  double width_, height_;
  std::string defs_, body_;
};

// The inverse of the standard normal CDF (the DET axis warp): Phi^-1(p), -inf at 0, +inf at
// 1. Accurate to ~1e-12 (Abramowitz & Stegun 26.2.23 refined by Halley steps on erfc).
double Probit(double p);

struct DetSystem {
  std::string name;
  std::vector<double> targets, nontargets;
};

struct DetPlotOptions {
  double min_rate = 0.001;  // axis range of both error rates (proportions): the usual 0.1%..
  double max_rate = 0.5;    // ..50% of NIST's DET plots
  DcfPoint dcf;             // where the minDCF point is marked
  std::string title;
};

// An SVG document with one curve per system (at most 10 get distinct colours; more repeat
// them with dashes), the EER point (circle) and the minDCF operating point (square) of each,
// and a legend "name: EER x.xx%, minDCF y.yyy". Throws Error if a system has no target or
// no non-target scores, or the rates are not 0 < min_rate < max_rate < 1.
std::string RenderDetPlot(const std::vector<DetSystem> &systems, const DetPlotOptions &options);

// A heat map of confusion (rows: true class, columns: decided), each row normalised to
// percentages (the colour and the number in each cell; the row's count is printed at the
// right). labels: one per class. Throws Error if the shapes disagree or the matrix is empty.
std::string RenderConfusionPlot(const Matrix<double> &confusion,
                                const std::vector<std::string> &labels, const std::string &title);

// Renders an SVG document to PNG bytes with rsvg-convert (found on PATH). width_px: 0 keeps
// the document's size. Throws Error if rsvg-convert is not installed (naming the Debian
// package) or fails.
std::string SvgToPng(const std::string &svg, int width_px = 0);

}  // namespace voxtools

#endif  // VOXTOOLS_BACKEND_SVG_PLOT_H_

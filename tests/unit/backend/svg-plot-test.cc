// tests/unit/backend/svg-plot-test.cc
// The probit against known quantiles, the SVG writer's escaping and well-formedness, the DET
// plot's points against the DET curve, and the confusion heat map's cell values.
#include "backend/svg-plot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <regex>

namespace voxtools {
namespace {

TEST(SvgPlotTest, ProbitAtKnownQuantiles) {
  // Standard normal quantiles (tables, e.g. Abramowitz & Stegun 26.2).
  EXPECT_NEAR(Probit(0.5), 0.0, 1e-15);
  EXPECT_NEAR(Probit(0.001), -3.090232306167813, 1e-12);
  EXPECT_NEAR(Probit(0.025), -1.959963984540054, 1e-12);
  EXPECT_NEAR(Probit(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(Probit(0.1), -1.2815515655446004, 1e-12);
  EXPECT_NEAR(Probit(1e-10), -6.361340902404056, 1e-9);
  EXPECT_TRUE(std::isinf(Probit(0.0)) && Probit(0.0) < 0);
  EXPECT_TRUE(std::isinf(Probit(1.0)) && Probit(1.0) > 0);
  EXPECT_THROW(Probit(1.5), Error);
  // Round trip through the CDF across the DET range.
  for (double p = 1e-6; p < 1.0; p *= 1.7)
    EXPECT_NEAR(0.5 * std::erfc(-Probit(p) / std::sqrt(2.0)), p, 1e-13 + 1e-11 * p);
}

TEST(SvgPlotTest, WriterEscapesAndBalancesElements) {
  EXPECT_EQ(SvgWriter::Escape("a<b>&\"c'\x01"), "a&lt;b&gt;&amp;&quot;c&apos;?");
  SvgWriter svg(100, 50);
  svg.Text(10, 10, "<script>", 12, TextAnchor::kMiddle);
  svg.Line(0, 0, 10, 10, "#000", 1);
  const std::string doc = svg.Finish();
  EXPECT_EQ(doc.find("<script>"), std::string::npos);
  EXPECT_NE(doc.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(doc.find("<svg "), std::string::npos);
  EXPECT_NE(doc.find("</svg>"), std::string::npos);
}

TEST(SvgPlotTest, DetPlotHasOneCurvePerSystemWithMarkers) {
  std::mt19937 rng(1);
  std::normal_distribution<double> n(0.0, 1.0);
  std::vector<DetSystem> systems(2);
  systems[0].name = "good & <fast>";
  systems[1].name = "weak";
  for (int i = 0; i < 2000; i++) {
    systems[0].targets.push_back(n(rng) + 3);
    systems[1].targets.push_back(n(rng) + 1);
  }
  for (int i = 0; i < 20000; i++) {
    systems[0].nontargets.push_back(n(rng));
    systems[1].nontargets.push_back(n(rng));
  }
  DetPlotOptions opts;
  const std::string svg = RenderDetPlot(systems, opts);
  // (std::regex recurses per character and overflows the stack on a long points list.)
  int curves = 0;
  for (size_t pos = svg.find("<polyline "); pos != std::string::npos;
       pos = svg.find("<polyline ", pos + 1)) {
    curves++;
    const size_t begin = svg.find("points=\"", pos) + 8, end = svg.find('"', begin);
    // Thinned to about a pixel: far fewer points than the 22000 thresholds, but a curve.
    const std::string pts = svg.substr(begin, end - begin);
    const auto num = std::count(pts.begin(), pts.end(), ',');
    EXPECT_GT(num, 50);
    EXPECT_LT(num, 5000);
  }
  EXPECT_EQ(curves, 2);
  EXPECT_NE(svg.find("good &amp; &lt;fast&gt;: EER"), std::string::npos);
  EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 20, true);
  // The EER circle of the weak system sits on the diagonal at its EER (about 31%): both
  // coordinates map the same rate, so cx - left == (top + size) - cy.
  const std::regex circle("<circle cx=\"([0-9.]+)\" cy=\"([0-9.]+)\"");
  int circles = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), circle); it != std::sregex_iterator(); ++it) {
    const double cx = std::stod((*it)[1]), cy = std::stod((*it)[2]);
    if (cy > 50.0 + 480.0) continue;  // the marker key under the axes
    circles++;
    EXPECT_NEAR(cx - 80.0, 50.0 + 480.0 - cy, 0.02);
  }
  EXPECT_EQ(circles, 2);
  // The tick labels of the usual axes.
  for (const char *tick : {">0.1<", ">1<", ">10<", ">50<"}) EXPECT_NE(svg.find(tick), std::string::npos) << tick;
  DetSystem empty;
  empty.name = "empty";
  EXPECT_THROW(RenderDetPlot({empty}, opts), Error);
  opts.max_rate = 0.0001;
  EXPECT_THROW(RenderDetPlot(systems, opts), Error);
}

TEST(SvgPlotTest, ConfusionPlotShowsRowPercentages) {
  Matrix<double> c(2, 2);
  c(0, 0) = 3;
  c(0, 1) = 1;
  c(1, 1) = 5;
  const std::string svg = RenderConfusionPlot(c, {"en", "fr"}, "test");
  EXPECT_NE(svg.find(">75.0<"), std::string::npos);
  EXPECT_NE(svg.find(">25.0<"), std::string::npos);
  EXPECT_NE(svg.find(">100<"), std::string::npos);
  EXPECT_NE(svg.find(">4<"), std::string::npos);  // row count
  EXPECT_THROW(RenderConfusionPlot(c, {"en"}, ""), Error);
  EXPECT_THROW(RenderConfusionPlot(Matrix<double>(), {}, ""), Error);
}

}  // namespace
}  // namespace voxtools

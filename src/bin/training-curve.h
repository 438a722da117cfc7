// src/bin/training-curve.h
// The training curve of train-nnet as an SVG (backend/svg-plot.h's writer): loss per epoch
// (training and validation) in the left panel, accuracy (and any hook metric in [0, 1],
// such as the EER) in the right. A header of src/bin because the trainer (nnet) cannot use
// backend's writer and the plot concerns no other tool.
#ifndef VOXTOOLS_BIN_TRAINING_CURVE_H_
#define VOXTOOLS_BIN_TRAINING_CURVE_H_

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "backend/svg-plot.h"
#include "nnet/trainer.h"

namespace voxtools {

inline std::string RenderTrainingCurve(const std::vector<EpochRecord> &history,
                                       const std::string &title) {
  const double w = 900, h = 380, top = 50, bottom = 320, panel_w = 360;
  const double left[2] = {70, 510};
  SvgWriter svg(w, h);
  svg.Rect(0, 0, w, h, "#ffffff");
  svg.Text(w / 2, 25, title, 15, TextAnchor::kMiddle, "#000000", 0, true);
  // Series per panel: name -> (epoch, value).
  using Series = std::vector<std::pair<double, double>>;
  std::map<std::string, Series> panel[2];
  for (const EpochRecord &r : history) {
    auto add = [&](int p, const std::string &name, double v) {
      if (std::isfinite(v)) panel[p][name].emplace_back(r.epoch, v);
    };
    add(0, "train loss", r.train_loss);
    add(0, "valid loss", r.valid_loss);
    add(1, "train accuracy", r.train_accuracy);
    add(1, "valid accuracy", r.valid_accuracy);
    for (const auto &m : r.metrics) add(1, m.first, m.second);
  }
  const char *colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
  const double max_epoch = history.empty() ? 1 : std::max<double>(1, history.back().epoch);
  for (int p = 0; p < 2; p++) {
    double lo = 0, hi = 1;
    if (p == 0) {
      hi = 1e-9;
      for (const auto &s : panel[0]) for (const auto &pt : s.second) hi = std::max(hi, pt.second);
      hi *= 1.05;
    }
    const double x0 = left[p], x1 = left[p] + panel_w;
    auto px = [&](double e) { return x0 + (e - 1) / std::max(1.0, max_epoch - 1) * (x1 - x0); };
    auto py = [&](double v) { return bottom - (v - lo) / (hi - lo) * (bottom - top); };
    svg.Rect(x0, top, panel_w, bottom - top, "none", "#000000", 1);
    for (int i = 0; i <= 4; i++) {
      double v = lo + (hi - lo) * i / 4;
      svg.Line(x0, py(v), x1, py(v), "#dddddd", 0.5);
      char buf[32];
      snprintf(buf, sizeof(buf), p == 0 ? "%.2f" : "%.0f%%", p == 0 ? v : 100 * v);
      svg.Text(x0 - 5, py(v) + 4, buf, 10, TextAnchor::kEnd);
    }
    svg.Text((x0 + x1) / 2, bottom + 35, "epoch", 11, TextAnchor::kMiddle);
    svg.Text(x0, bottom + 15, "1", 10, TextAnchor::kMiddle);
    svg.Text(x1, bottom + 15, std::to_string(static_cast<long>(max_epoch)), 10,
             TextAnchor::kMiddle);
    int c = 0;
    for (const auto &s : panel[p]) {
      std::vector<std::pair<double, double>> pts;
      for (const auto &pt : s.second) pts.emplace_back(px(pt.first), py(pt.second));
      const std::string colour = colours[c % 6];
      svg.Polyline(pts, colour, 2);
      for (const auto &pt : pts) svg.Circle(pt.first, pt.second, 2.5, colour, "none");
      svg.Line(x0 + 10, top + 15 + 15 * c, x0 + 30, top + 15 + 15 * c, colour, 2);
      svg.Text(x0 + 35, top + 19 + 15 * c, s.first, 10, TextAnchor::kStart);
      c++;
    }
  }
  return svg.Finish();
}

}  // namespace voxtools

#endif  // VOXTOOLS_BIN_TRAINING_CURVE_H_

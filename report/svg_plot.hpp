#pragma once
// Small self-contained SVG charts (scatter and line series with axes and a legend) for plans and sweeps.
#include <string>
#include <vector>

namespace aiscale {

struct PlotSeries {
  std::string name;
  std::vector<double> x, y;
  bool line = false;      // connect the points in order
  std::string color = "#1f77b4";
  double radius = 3.0;    // marker radius in pixels (0: none)
};

struct PlotSpec {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  std::vector<PlotSeries> series;
  double width = 820, height = 520;  // pixels
};

// Renders the chart as a standalone SVG document (deterministic bytes).
std::string render_svg(const PlotSpec& spec);
// Several charts stacked vertically in one SVG document.
std::string render_svg_stack(const std::vector<PlotSpec>& specs);

}  // namespace aiscale

#include "report/calibration_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "calibration/collective_fit.hpp"
#include "report/svg_plot.hpp"

namespace aiscale::calibration {

std::string plot_svg(const CalibrationProfile& profile, const std::vector<CollectiveCurve>& curves,
                     double peak_tflops_bf16) {
  // One panel per curve and one for GEMM: measured points as dots, the fit as a line, size on a log axis.
  std::vector<PlotSpec> panels;
  auto panel = [] {
    PlotSpec p;
    p.log_x = true;
    p.width = 760;
    p.height = 300;
    p.series = {{"fit", {}, {}, true, "#1f77b4", 0.0}, {"measured", {}, {}, false, "#d62728", 3.0}};
    return p;
  };
  auto dot = [](PlotSpec& p, double x, double y) { p.series[1].x.push_back(x), p.series[1].y.push_back(y); };
  auto line = [](PlotSpec& p, double x, double y) { p.series[0].x.push_back(x), p.series[0].y.push_back(y); };
  for (const auto& c : curves) {
    PlotSpec p = panel();
    p.title = c.op + ", " + c.scope + ", " + std::to_string(c.ranks) + " ranks on " + std::to_string(c.nodes) +
              " node(s)" + (c.algo.empty() ? "" : ", NCCL_ALGO=" + c.algo);
    p.x_label = "buffer size (bytes)";
    p.y_label = "bus bandwidth (GB/s)";
    for (const auto& r : residuals(c, profile.collective_points)) dot(p, r.bytes, r.measured_busbw / 1e9);
    double lo = 1024, hi = 8.0 * (1LL << 30);
    if (!p.series[1].x.empty()) lo = p.series[1].x.front(), hi = p.series[1].x.back();
    const double factor = bus_factor(c.op, c.ranks);
    for (int i = 0; i <= 200; ++i) {
      const double b = lo * std::pow(hi / lo, i / 200.0);
      line(p, b, factor * b / c.time(b, factor * b) / 1e9);
    }
    panels.push_back(p);
  }
  if (!profile.gemm_points.empty()) {
    PlotSpec p = panel();
    p.title = "GEMM (" + profile.gpu + "): bf16/fp16 points and fit";
    p.x_label = "FLOPs per GEMM";
    p.y_label = "TFLOP/s";
    for (const auto& g : profile.gemm_points)
      if (g.dtype == Precision::bf16 || g.dtype == Precision::fp16) dot(p, 2 * g.m * g.n * g.k, g.tflops);
    auto it = profile.gemm_fits.find(Precision::bf16);
    if (it != profile.gemm_fits.end() && peak_tflops_bf16 > 0) {
      const double rate = it->second.efficiency * peak_tflops_bf16 * 1e12;
      for (int i = 0; i <= 200; ++i) {
        const double fl = 1e9 * std::pow(1e5, i / 200.0);
        line(p, fl, fl / (fl / rate + it->second.overhead_s) / 1e12);
      }
    }
    panels.push_back(p);
  }
  return render_svg_stack(panels);
}

}  // namespace aiscale::calibration

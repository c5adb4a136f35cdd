#include "calibration/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "calibration/collective_fit.hpp"

namespace aiscale::calibration {

namespace {

std::string f(const char* fmt, double v) {
  char b[64];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

constexpr double kW = 720, kH = 260, kLeft = 70, kRight = 20, kTop = 30, kBottom = 40;

struct Panel {
  std::string title, xlabel, ylabel;
  std::vector<std::pair<double, double>> dots, line;  // x > 0 (log axis), y linear
};

std::string draw(const Panel& p, double y0) {
  std::vector<double> xs, ys;
  for (const auto* v : {&p.dots, &p.line})
    for (const auto& [x, y] : *v)
      if (x > 0 && std::isfinite(y)) xs.push_back(std::log10(x)), ys.push_back(y);
  std::string s = "<g transform=\"translate(0," + f("%.0f", y0) + ")\">\n";
  s += "<text x=\"" + f("%.0f", kW / 2) + "\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">" + esc(p.title) +
       "</text>\n";
  if (xs.empty()) return s + "</g>\n";
  const double xmin = std::floor(*std::min_element(xs.begin(), xs.end()));
  const double xmax = std::max(xmin + 1, std::ceil(*std::max_element(xs.begin(), xs.end())));
  const double ymax = *std::max_element(ys.begin(), ys.end()) * 1.1;
  const double pw = kW - kLeft - kRight, ph = kH - kTop - kBottom;
  auto X = [&](double x) { return kLeft + (std::log10(x) - xmin) / (xmax - xmin) * pw; };
  auto Y = [&](double y) { return kTop + ph - (ymax > 0 ? y / ymax : 0) * ph; };
  s += "<rect x=\"" + f("%.0f", kLeft) + "\" y=\"" + f("%.0f", kTop) + "\" width=\"" + f("%.0f", pw) +
       "\" height=\"" + f("%.0f", ph) + "\" fill=\"none\" stroke=\"#888\"/>\n";
  for (double d = xmin; d <= xmax + 1e-9; d += 1) {
    const double x = kLeft + (d - xmin) / (xmax - xmin) * pw;
    s += "<text x=\"" + f("%.1f", x) + "\" y=\"" + f("%.0f", kTop + ph + 15) +
         "\" text-anchor=\"middle\" font-size=\"10\">1e" + f("%.0f", d) + "</text>\n";
  }
  for (int i = 0; i <= 4; ++i) {
    const double v = ymax * i / 4;
    s += "<text x=\"" + f("%.0f", kLeft - 5) + "\" y=\"" + f("%.1f", Y(v) + 3) +
         "\" text-anchor=\"end\" font-size=\"10\">" + f("%.4g", v) + "</text>\n";
  }
  s += "<text x=\"" + f("%.0f", kLeft + pw / 2) + "\" y=\"" + f("%.0f", kH - 8) +
       "\" text-anchor=\"middle\" font-size=\"11\">" + esc(p.xlabel) + "</text>\n";
  s += "<text x=\"14\" y=\"" + f("%.0f", kTop + ph / 2) + "\" font-size=\"11\" transform=\"rotate(-90 14 " +
       f("%.0f", kTop + ph / 2) + ")\" text-anchor=\"middle\">" + esc(p.ylabel) + "</text>\n";
  if (!p.line.empty()) {
    s += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"";
    for (const auto& [x, y] : p.line) s += f("%.1f", X(x)) + "," + f("%.1f", Y(y)) + " ";
    s += "\"/>\n";
  }
  for (const auto& [x, y] : p.dots)
    s += "<circle cx=\"" + f("%.1f", X(x)) + "\" cy=\"" + f("%.1f", Y(y)) + "\" r=\"3\" fill=\"#d62728\"/>\n";
  return s + "</g>\n";
}

}  // namespace

std::string plot_svg(const CalibrationProfile& profile, const std::vector<CollectiveCurve>& curves,
                     double peak_tflops_bf16) {
  std::vector<Panel> panels;
  for (const auto& c : curves) {
    Panel p;
    p.title = c.op + ", " + c.scope + ", " + std::to_string(c.ranks) + " ranks on " + std::to_string(c.nodes) +
              " node(s)" + (c.algo.empty() ? "" : ", NCCL_ALGO=" + c.algo);
    p.xlabel = "buffer size (bytes)";
    p.ylabel = "bus bandwidth (GB/s)";
    for (const auto& r : residuals(c, profile.collective_points)) p.dots.push_back({r.bytes, r.measured_busbw / 1e9});
    double lo = 1024, hi = 8.0 * (1LL << 30);
    if (!p.dots.empty()) lo = p.dots.front().first, hi = p.dots.back().first;
    const double factor = bus_factor(c.op, c.ranks);
    for (int i = 0; i <= 200; ++i) {
      const double b = lo * std::pow(hi / lo, i / 200.0);
      p.line.push_back({b, factor * b / c.time(b, factor * b) / 1e9});
    }
    panels.push_back(p);
  }
  if (!profile.gemm_points.empty()) {
    Panel p;
    p.title = "GEMM (" + profile.gpu + "): measured points, bf16 fit";
    p.xlabel = "FLOPs per GEMM";
    p.ylabel = "TFLOP/s";
    for (const auto& g : profile.gemm_points) p.dots.push_back({2 * g.m * g.n * g.k, g.tflops});
    auto it = profile.gemm_fits.find(Precision::bf16);
    if (it != profile.gemm_fits.end() && peak_tflops_bf16 > 0) {
      const double rate = it->second.efficiency * peak_tflops_bf16 * 1e12;
      for (int i = 0; i <= 200; ++i) {
        const double fl = 1e9 * std::pow(1e5, i / 200.0);
        p.line.push_back({fl, fl / (fl / rate + it->second.overhead_s) / 1e12});
      }
    }
    panels.push_back(p);
  }
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + f("%.0f", kW) + "\" height=\"" +
                  f("%.0f", kH * std::max<size_t>(1, panels.size())) + "\" font-family=\"sans-serif\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  for (size_t i = 0; i < panels.size(); ++i) s += draw(panels[i], kH * i);
  return s + "</svg>\n";
}

}  // namespace aiscale::calibration

#include "report/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace aiscale {

namespace {

constexpr double L = 90, R = 190, T = 50, B = 70;  // margins around the plot area

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string label(double v) {
  char buf[32];
  const double a = std::fabs(v);
  if (a >= 1e9) std::snprintf(buf, sizeof buf, "%gG", v / 1e9);
  else if (a >= 1e6) std::snprintf(buf, sizeof buf, "%gM", v / 1e6);
  else if (a >= 1e4) std::snprintf(buf, sizeof buf, "%gk", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

// "Nice" tick positions (1, 2, 5 x 10^k) covering [lo, hi].
std::vector<double> ticks(double lo, double hi, bool log) {
  std::vector<double> t;
  if (log) {
    // 1-2-5 per decade over a few decades; only powers of ten over many, so labels do not collide.
    const bool wide = std::log10(hi / lo) > 4;
    for (double p = std::pow(10, std::floor(std::log10(lo))); p <= hi * 1.0001; p *= 10)
      for (double m : wide ? std::vector<double>{1.0} : std::vector<double>{1.0, 2.0, 5.0})
        if (p * m >= lo * 0.9999 && p * m <= hi * 1.0001) t.push_back(p * m);
    return t;
  }
  const double span = hi - lo, raw = span / 6, mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) t.push_back(std::fabs(v) < 1e-12 * step ? 0 : v);
  return t;
}

struct Axis {
  double lo, hi;
  bool log;
  double map(double v, double a, double b) const {
    const double f = log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
    return a + f * (b - a);
  }
};

Axis make_axis(const std::vector<PlotSeries>& s, bool x, bool log) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& ser : s)
    for (double v : x ? ser.x : ser.y)
      if (std::isfinite(v) && (!log || v > 0)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) lo = log ? 1 : 0, hi = log ? 10 : 1;
  if (log) {
    lo = std::pow(10, std::floor(std::log10(lo) * 10) / 10);
    hi = std::pow(10, std::ceil(std::log10(hi) * 10) / 10);
    if (hi <= lo) hi = lo * 10;
  } else {
    const double pad = hi > lo ? 0.06 * (hi - lo) : std::max(1.0, std::fabs(lo) * 0.1);
    lo -= pad, hi += pad;
    if (lo < 0 && std::all_of(s.begin(), s.end(), [&](const PlotSeries& ser) {
          const auto& v = x ? ser.x : ser.y;
          return std::all_of(v.begin(), v.end(), [](double d) { return d >= 0; });
        }))
      lo = 0;
  }
  return {lo, hi, log};
}

std::string svg_open(double w, double h) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(w) +
         "\" height=\"" + num(h) + "\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n" +
         "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
}

// One chart, drawn with its top edge at `top`.
std::string render_panel(const PlotSpec& spec, double top) {
  const double W = spec.width, H = spec.height;
  const Axis ax = make_axis(spec.series, true, spec.log_x), ay = make_axis(spec.series, false, spec.log_y);
  const double x0 = L, x1 = W - R, y0 = H - B, y1 = T;
  std::string s = "<g transform=\"translate(0," + num(top) + ")\">\n";
  s += "<text x=\"" + num((x0 + x1) / 2) + "\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">" + escape(spec.title) +
       "</text>\n";
  for (double t : ticks(ax.lo, ax.hi, ax.log)) {
    const double px = ax.map(t, x0, x1);
    s += "<line x1=\"" + num(px) + "\" y1=\"" + num(y0) + "\" x2=\"" + num(px) + "\" y2=\"" + num(y1) +
         "\" stroke=\"#e5e5e5\"/>\n<text x=\"" + num(px) + "\" y=\"" + num(y0 + 18) + "\" text-anchor=\"middle\">" +
         label(t) + "</text>\n";
  }
  for (double t : ticks(ay.lo, ay.hi, ay.log)) {
    const double py = ay.map(t, y0, y1);
    s += "<line x1=\"" + num(x0) + "\" y1=\"" + num(py) + "\" x2=\"" + num(x1) + "\" y2=\"" + num(py) +
         "\" stroke=\"#e5e5e5\"/>\n<text x=\"" + num(x0 - 8) + "\" y=\"" + num(py + 4) + "\" text-anchor=\"end\">" +
         label(t) + "</text>\n";
  }
  s += "<rect x=\"" + num(x0) + "\" y=\"" + num(y1) + "\" width=\"" + num(x1 - x0) + "\" height=\"" + num(y0 - y1) +
       "\" fill=\"none\" stroke=\"#333\"/>\n";
  s += "<text x=\"" + num((x0 + x1) / 2) + "\" y=\"" + num(H - 25) + "\" text-anchor=\"middle\">" +
       escape(spec.x_label) + "</text>\n";
  s += "<text transform=\"translate(22," + num((y0 + y1) / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
       escape(spec.y_label) + "</text>\n";
  double ly = T + 10;
  for (const auto& ser : spec.series) {
    std::string pts;
    for (size_t i = 0; i < ser.x.size() && i < ser.y.size(); ++i) {
      if ((ax.log && ser.x[i] <= 0) || (ay.log && ser.y[i] <= 0)) continue;
      const double px = ax.map(ser.x[i], x0, x1), py = ay.map(ser.y[i], y0, y1);
      pts += num(px) + "," + num(py) + " ";
      if (ser.radius > 0)
        s += "<circle cx=\"" + num(px) + "\" cy=\"" + num(py) + "\" r=\"" + num(ser.radius) + "\" fill=\"" + ser.color +
             "\" fill-opacity=\"0.8\"/>\n";
    }
    if (ser.line && !pts.empty())
      s += "<polyline points=\"" + pts + "\" fill=\"none\" stroke=\"" + ser.color + "\" stroke-width=\"2\"/>\n";
    s += "<rect x=\"" + num(x1 + 15) + "\" y=\"" + num(ly - 9) + "\" width=\"12\" height=\"12\" fill=\"" + ser.color +
         "\"/>\n<text x=\"" + num(x1 + 33) + "\" y=\"" + num(ly + 1) + "\">" + escape(ser.name) + "</text>\n";
    ly += 20;
  }
  return s + "</g>\n";
}

}  // namespace

std::string render_svg(const PlotSpec& spec) {
  return svg_open(spec.width, spec.height) + render_panel(spec, 0) + "</svg>\n";
}

std::string render_svg_stack(const std::vector<PlotSpec>& specs) {
  double w = 0, h = 0;
  for (const auto& s : specs) w = std::max(w, s.width), h += s.height;
  std::string out = svg_open(std::max(w, 1.0), std::max(h, 1.0));
  double top = 0;
  for (const auto& s : specs) {
    out += render_panel(s, top);
    top += s.height;
  }
  return out + "</svg>\n";
}

}  // namespace aiscale

#include "report/calibration_report.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

#include "calibration/collective_fit.hpp"
#include "calibration/profile_io.hpp"
#include "models/units.hpp"

namespace aiscale::calibration {

namespace {

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string pct(double frac, int n) { return n ? fmt("%.2f%%", frac * 100) : std::string("-"); }

// printf into a string.
__attribute__((format(printf, 1, 2))) std::string strf(const char* f, ...) {
  va_list ap, again;
  va_start(ap, f);
  va_copy(again, ap);
  const int n = std::vsnprintf(nullptr, 0, f, ap);
  va_end(ap);
  std::string out(n > 0 ? size_t(n) : 0, '\0');
  if (n > 0) std::vsnprintf(out.data(), out.size() + 1, f, again);
  va_end(again);
  return out;
}

}  // namespace

std::string fit_summary(const std::vector<CollectiveCurve>& curves, const std::vector<CollectivePoint>& points) {
  std::string out;
  out += strf("%-15s %-8s %5s %5s %-7s %7s %8s %12s %12s\n", "op", "scope", "ranks", "nodes", "algo", "points",
              "regimes", "MAE >=1MB", "MAE <1MB");
  for (const auto& c : curves) {
    const FitAccuracy a = accuracy(residuals(c, points));
    out += strf("%-15s %-8s %5d %5d %-7s %7d %8zu %12s %12s\n", c.op.c_str(), c.scope.c_str(), c.ranks, c.nodes,
                c.algo.empty() ? "nccl" : c.algo.c_str(), c.points, c.regimes.size(), pct(a.mae_large, a.n_large).c_str(),
                pct(a.mae_small, a.n_small).c_str());
  }
  return out;
}

CalibrationView calibration_view(const std::string& in, const nlohmann::json& doc) {
  CalibrationView v;
  v.gpu = &profile_gpu(doc, in);
  v.profile = parse_profile(doc, *v.gpu, in);
  // Curves stored in the profile; points without a stored curve are fitted here so their residuals still show.
  v.curves = v.profile.collective_curves;
  for (const auto& c : fit_collectives(v.profile.collective_points)) {
    const bool stored = std::any_of(v.curves.begin(), v.curves.end(), [&](const auto& s) {
      return s.op == c.op && s.scope == c.scope && s.ranks == c.ranks && s.nodes == c.nodes && s.algo == c.algo;
    });
    if (!stored) v.curves.push_back(c), v.fitted_now = true;
  }
  return v;
}

std::string calibration_report(const std::string& in, const CalibrationView& v) {
  std::string out;
  const GpuSpec& gpu = *v.gpu;
  const CalibrationProfile& p = v.profile;
  out += strf("profile %s: gpu %s\nsource: %s\n\n", in.c_str(), p.gpu.c_str(), p.source.c_str());

  out += strf("GEMM: t = FLOPs / (efficiency x peak) + overhead\n");
  out += strf("%-6s %10s %10s %8s %10s %14s\n", "dtype", "peak TF/s", "efficiency", "overhead", "points", "max residual");
  for (const auto& [d, f] : p.gemm_fits)
    out += strf("%-6s %10.1f %10.3f %8s %10d %13.1f%%\n", to_string(d).c_str(), gpu.peak(d).value / 1e12, f.efficiency,
                format_time(f.overhead_s).c_str(), f.points, f.max_rel_residual * 100);
  out += strf("\n%-26s %-6s %10s %10s %9s\n", "shape (m x n x k)", "dtype", "measured", "fitted", "residual");
  for (const auto& g : p.gemm_points) {
    const GemmFit& f = p.gemm_fit(g.dtype);
    const double flops = 2 * g.m * g.n * g.k, peak = gpu.peak(g.dtype).value;
    if (peak <= 0 || f.efficiency <= 0) continue;
    const double fitted = flops / (flops / (f.efficiency * peak) + f.overhead_s) / 1e12;
    const std::string shape = fmt("%.0f", g.m) + " x " + fmt("%.0f", g.n) + " x " + fmt("%.0f", g.k);
    out += strf("%-26s %-6s %10.1f %10.1f %8.1f%%\n", shape.c_str(), to_string(g.dtype).c_str(), g.tflops, fitted,
                (fitted / g.tflops - 1) * 100);
  }

  out += strf("\nmemory: copy %s, triad %s; launch overhead %s\n", format_bandwidth(p.copy_bandwidth.value).c_str(),
              format_bandwidth(p.triad_bandwidth.value).c_str(), format_time(p.launch_overhead.value).c_str());
  out += strf("NVLink alpha-beta (used where no fitted curve applies): latency %s, all-reduce busbw %s\n",
              format_time(p.nvlink.latency.value).c_str(), format_bandwidth(p.nvlink.all_reduce_busbw.value).c_str());

  const std::vector<CollectiveCurve>& curves = v.curves;
  const bool fitted_now = v.fitted_now;
  if (!curves.empty()) {
    out += strf("\ncollectives: piecewise alpha-beta, t = latency + busfactor x bytes / busbw per size regime%s\n",
                fitted_now ? " (some fitted now: `aiscale calibrate fit` stores them)" : "");
    out += fit_summary(curves, p.collective_points);
  }
  for (const auto& c : curves) {
    out += strf("\n%s, %s, %d ranks on %d node(s)%s\n", c.op.c_str(), c.scope.c_str(), c.ranks, c.nodes,
                c.algo.empty() ? "" : (", NCCL_ALGO=" + c.algo).c_str());
    out += strf("  %-12s %12s %12s\n", "from size", "latency", "busbw");
    for (const auto& g : c.regimes)
      out += strf("  %-12s %12s %12s\n", format_bytes(g.min_bytes).c_str(), format_time(g.latency.value).c_str(),
                  format_bandwidth(g.busbw.value).c_str());
    const auto res = residuals(c, p.collective_points);
    if (res.empty()) continue;
    out += strf("  %-12s %14s %14s %9s\n", "size", "measured busbw", "fitted busbw", "residual");
    for (const auto& r : res)
      out += strf("  %-12s %14s %14s %8.2f%%\n", format_bytes(r.bytes).c_str(),
                  format_bandwidth(r.measured_busbw).c_str(), format_bandwidth(r.fitted_busbw).c_str(),
                  r.rel_error * 100);
  }
  return out;
}

}  // namespace aiscale::calibration

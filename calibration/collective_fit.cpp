#include "calibration/collective_fit.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "models/error.hpp"

namespace aiscale::calibration {

CollOp parse_coll_op(const std::string& op) {
  for (CollOp o : {CollOp::all_reduce, CollOp::all_gather, CollOp::reduce_scatter, CollOp::all_to_all,
                   CollOp::send_recv})
    if (to_string(o) == op) return o;
  throw Error("op", "unknown collective '" + op +
                        "' (use all_reduce, all_gather, reduce_scatter, all_to_all or send_recv)");
}

double bus_factor(const std::string& op, int ranks) { return CollectiveModel::bus_factor(parse_coll_op(op), ranks); }

double busbw_of(const CollectivePoint& p) {
  return p.time.value > 0 ? bus_factor(p.op, p.ranks) * p.bytes / p.time.value : 0;
}

namespace {

struct Sample {
  double bus_bytes, time;
};

// One regime: t = a + x * bus_bytes minimising sum(((a + x*B)/t - 1)^2), the relative time error (which is, to first
// order, the relative busbw error that users judge the fit by). a >= 0: a negative latency is not physical.
std::pair<double, double> fit_regime(const std::vector<Sample>& s, size_t lo, size_t hi) {
  double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
  for (size_t i = lo; i < hi; ++i) {
    const double u = s[i].bus_bytes / s[i].time, v = 1 / s[i].time;
    a11 += u * u, a12 += u * v, a22 += v * v, b1 += u, b2 += v;
  }
  const double det = a11 * a22 - a12 * a12;
  if (hi - lo >= 2 && std::fabs(det) > 1e-12 * a11 * a22) {
    const double x = (b1 * a22 - b2 * a12) / det, a = (a11 * b2 - a12 * b1) / det;
    if (a >= 0 && x > 0) return {a, x};
  }
  // Rate alone (a = 0): e.g. a range that runs faster than a straight line through the origin allows.
  return {0.0, b1 / a11};
}

double regime_error(const std::vector<Sample>& s, size_t lo, size_t hi, std::pair<double, double> f) {
  double e = 0;
  for (size_t i = lo; i < hi; ++i) e += std::fabs(s[i].time / (f.first + f.second * s[i].bus_bytes) - 1);
  return e;  // |busbw_fit / busbw_measured - 1| summed
}

struct Split {
  double error = 0;
  std::vector<size_t> starts;  // first sample index of each regime
};

// Best split of samples [lo, n) into exactly k regimes of >= m samples (exhaustive; logs have tens of sizes).
Split best_split(const std::vector<Sample>& s, size_t lo, int k, size_t m) {
  const size_t n = s.size();
  Split best{-1, {}};
  if (k == 1) {
    if (n - lo < m) return best;
    return {regime_error(s, lo, n, fit_regime(s, lo, n)), {lo}};
  }
  for (size_t cut = lo + m; cut + m * (k - 1) <= n; ++cut) {
    const double head = regime_error(s, lo, cut, fit_regime(s, lo, cut));
    Split rest = best_split(s, cut, k - 1, m);
    if (rest.error < 0) continue;
    if (best.error < 0 || head + rest.error < best.error - 1e-15) {
      best.error = head + rest.error;
      best.starts = {lo};
      best.starts.insert(best.starts.end(), rest.starts.begin(), rest.starts.end());
    }
  }
  return best;
}

}  // namespace

CollectiveCurve fit_collective(std::vector<CollectivePoint> points, const CollectiveFitOptions& options) {
  if (points.empty()) throw Error("collectives.points", "no points to fit");
  std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a.bytes < b.bytes; });
  CollectiveCurve c;
  c.op = points[0].op, c.scope = points[0].scope, c.ranks = points[0].ranks, c.nodes = points[0].nodes;
  c.algo = points[0].algo;
  c.points = static_cast<int>(points.size());
  c.measured_from = points.front().bytes;
  const double factor = bus_factor(c.op, c.ranks);
  std::vector<Sample> s;
  for (const auto& p : points) {
    if (p.op != c.op || p.scope != c.scope || p.ranks != c.ranks || p.nodes != c.nodes || p.algo != c.algo)
      throw Error("collectives.points", "fit_collective needs points of one op, scope, rank and node count, algo");
    if (p.time.value <= 0) throw Error("collectives.points", "a point has no time");
    if (!s.empty() && p.bytes == points[s.size() - 1].bytes)
      throw Error("collectives.points", c.op + " on " + std::to_string(c.ranks) + " ranks has two points at " +
                                            std::to_string(static_cast<long long>(p.bytes)) +
                                            " bytes (two runs of the same setup? import them into separate profiles)");
    s.push_back({factor * p.bytes, p.time.value});
  }
  const size_t m = static_cast<size_t>(std::max(1, options.min_points));
  Split chosen;
  for (int k = 1; k <= std::max(1, options.max_regimes); ++k) {
    Split sp = best_split(s, 0, k, std::min(m, s.size()));
    if (sp.error < 0) break;
    if (chosen.starts.empty() || sp.error < chosen.error - 1e-12) chosen = sp;
    if (chosen.error / s.size() <= options.target_error) break;
  }
  for (size_t r = 0; r < chosen.starts.size(); ++r) {
    const size_t lo = chosen.starts[r], hi = r + 1 < chosen.starts.size() ? chosen.starts[r + 1] : s.size();
    const auto [a, x] = fit_regime(s, lo, hi);
    CollectiveRegime g;
    // A regime starts halfway (geometrically) between its first size and the previous regime's last one.
    g.min_bytes = r == 0 ? 0 : std::round(std::sqrt(points[lo - 1].bytes * points[lo].bytes));
    g.latency = Seconds(a);
    g.busbw = Bandwidth(1 / x);
    c.regimes.push_back(g);
  }
  c.mean_abs_rel_error = chosen.error / s.size();
  return c;
}

std::vector<CollectiveCurve> fit_collectives(const std::vector<CollectivePoint>& points,
                                             const CollectiveFitOptions& options) {
  std::map<std::tuple<std::string, std::string, int, int, std::string>, std::vector<CollectivePoint>> groups;
  for (const auto& p : points) groups[{p.op, p.scope, p.ranks, p.nodes, p.algo}].push_back(p);
  std::vector<CollectiveCurve> out;
  for (const auto& [key, pts] : groups) {
    // One size cannot separate latency from bandwidth: such a group stays a measurement, and the models keep the
    // profile's scalar alpha-beta for it.
    if (pts.size() < 2) continue;
    CollectiveCurve c = fit_collective(pts, options);
    // Provenance: the sources of the points behind the fit (usually one log or one benchmark run).
    std::vector<std::string> srcs;
    for (const auto& p : pts)
      if (!p.source.empty() && std::find(srcs.begin(), srcs.end(), p.source) == srcs.end()) srcs.push_back(p.source);
    c.source = "piecewise alpha-beta fit of " + std::to_string(pts.size()) + " points";
    if (srcs.size() == 1) c.source += " from " + srcs[0];
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<CollectiveResidual> residuals(const CollectiveCurve& curve, const std::vector<CollectivePoint>& points) {
  std::vector<CollectiveResidual> out;
  const double factor = bus_factor(curve.op, curve.ranks);
  for (const auto& p : points) {
    if (p.op != curve.op || p.scope != curve.scope || p.ranks != curve.ranks || p.nodes != curve.nodes ||
        p.algo != curve.algo)
      continue;
    CollectiveResidual r;
    r.bytes = p.bytes;
    r.measured_busbw = busbw_of(p);
    const double t = curve.time(p.bytes, factor * p.bytes);
    r.fitted_busbw = t > 0 ? factor * p.bytes / t : 0;
    r.rel_error = r.measured_busbw > 0 ? r.fitted_busbw / r.measured_busbw - 1 : 0;
    out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.bytes < b.bytes; });
  return out;
}

FitAccuracy accuracy(const std::vector<CollectiveResidual>& residuals) {
  FitAccuracy a;
  for (const auto& r : residuals) {
    if (r.bytes >= 1 << 20)
      a.mae_large += std::fabs(r.rel_error), ++a.n_large;
    else
      a.mae_small += std::fabs(r.rel_error), ++a.n_small;
  }
  if (a.n_large) a.mae_large /= a.n_large;
  if (a.n_small) a.mae_small /= a.n_small;
  return a;
}

}  // namespace aiscale::calibration

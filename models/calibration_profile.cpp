#include "models/calibration_profile.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <nlohmann/json.hpp>

#include "models/error.hpp"
#include "models/json_reader.hpp"
#include "models/scenario.hpp"

namespace aiscale {

// Generated at build time from calibration/profiles/*.json (see models/CMakeLists.txt).
extern const std::vector<std::pair<std::string, std::string>>& embedded_profiles();

GemmFit fit_gemm(const std::vector<GemmPoint>& points, double peak) {
  // Model t = F*x + t0 with x = 1/(eff*peak). Minimise sum((pred - t)/t)^2: weighted normal equations.
  double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
  for (const auto& p : points) {
    const double f = 2 * p.m * p.n * p.k, t = f / (p.tflops * 1e12);
    const double u = f / t, v = 1 / t;  // row of the weighted design matrix; target is 1
    const double w = p.weight;
    a11 += w * u * u, a12 += w * u * v, a22 += w * v * v, b1 += w * u, b2 += w * v;
  }
  GemmFit fit;
  fit.points = static_cast<int>(points.size());
  if (points.empty()) return fit;
  double x = 0, t0 = 0;
  const double det = a11 * a22 - a12 * a12;
  if (points.size() >= 2 && std::fabs(det) > 1e-12 * std::fabs(a11 * a22)) {
    x = (b1 * a22 - b2 * a12) / det;
    t0 = (a11 * b2 - a12 * b1) / det;
  }
  if (points.size() < 2 || t0 < 0 || x <= 0) {
    // Too few points for an overhead term: fit the rate alone (t0 = 0).
    t0 = 0;
    x = b1 / a11;
  }
  fit.efficiency = 1.0 / (x * peak);
  fit.overhead_s = t0;
  for (const auto& p : points) {
    const double f = 2 * p.m * p.n * p.k, t = f / (p.tflops * 1e12);
    fit.max_rel_residual = std::max(fit.max_rel_residual, std::fabs((f * x + t0) / t - 1));
  }
  return fit;
}

GemmFit fit_gemm_rate(const std::vector<GemmPoint>& points, double peak, double overhead_s) {
  // Minimise sum(((F*x + t0) - t)/t)^2 over x alone.
  double num = 0, den = 0;
  for (const auto& p : points) {
    const double f = 2 * p.m * p.n * p.k, t = f / (p.tflops * 1e12);
    num += p.weight * (f / t) * (1 - overhead_s / t);
    den += p.weight * (f / t) * (f / t);
  }
  GemmFit fit;
  fit.points = static_cast<int>(points.size());
  if (points.empty() || num <= 0) return fit;
  const double x = num / den;
  fit.efficiency = 1.0 / (x * peak);
  fit.overhead_s = overhead_s;
  for (const auto& p : points) {
    const double f = 2 * p.m * p.n * p.k, t = f / (p.tflops * 1e12);
    fit.max_rel_residual = std::max(fit.max_rel_residual, std::fabs((f * x + overhead_s) / t - 1));
  }
  return fit;
}

double CollectiveCurve::time(double bytes, double bus_bytes) const {
  if (regimes.empty()) return 0;
  const CollectiveRegime* r = &regimes.front();
  for (const auto& g : regimes)
    if (bytes >= g.min_bytes) r = &g;
  return r->latency.value + (r->busbw.value > 0 ? bus_bytes / r->busbw.value : 0);
}

const CollectiveCurve* CalibrationProfile::collective_curve(const std::string& op, const std::string& scope, int ranks,
                                                            int nodes) const {
  const CollectiveCurve* best = nullptr;
  auto distance = [&](const CollectiveCurve& c) { return std::abs(c.ranks - ranks) + 1000 * std::abs(c.nodes - nodes); };
  for (const auto& c : collective_curves)
    if (c.op == op && c.scope == scope && c.algo.empty() && !c.regimes.empty() &&
        (!best || distance(c) < distance(*best)))
      best = &c;
  return best;
}

namespace {
const std::vector<std::string> kCollectiveOps = {"all_reduce", "all_gather", "reduce_scatter", "all_to_all",
                                                 "send_recv"};
const std::vector<std::string> kCollectiveScopes = {"nvlink", "network"};

// collectives.points: measured sizes and times, each with its source.
void read_collective_points(const nlohmann::json& pts, Diagnostics& diag, std::vector<CollectivePoint>& out) {
  if (!pts.is_array()) {
    diag.error("collectives.points", "must be an array of measurements");
    return;
  }
  for (size_t i = 0; i < pts.size(); ++i) {
    ObjectReader pr(pts[i], "collectives.points[" + std::to_string(i) + "]", diag);
    CollectivePoint cp;
    cp.op = pr.choice("op", "all_reduce", kCollectiveOps);
    cp.scope = pr.choice("scope", "nvlink", kCollectiveScopes);
    cp.ranks = pr.count("ranks", 8, 2);
    cp.nodes = pr.count("nodes", 1);
    cp.algo = pr.text("algo", "");
    cp.bytes = pr.number("bytes", 0, 1, 1e15);
    cp.time = pr.quantity("time", Seconds(0));
    cp.in_place_time = pr.quantity("in_place_time", Seconds(0));
    pr.get("busbw");  // derived from bytes and time; kept for readers of the file
    cp.source = pr.text("source", "");
    if (!pr.has("time")) diag.error(pr.path("time"), "is required (\"613.3us\")");
    pr.finish();
    out.push_back(cp);
  }
}

// collectives.curves: fitted piecewise alpha-beta curves (written by `aiscale calibrate fit`).
void read_collective_curves(const nlohmann::json& cs, Diagnostics& diag, std::vector<CollectiveCurve>& out) {
  if (!cs.is_array()) {
    diag.error("collectives.curves", "must be an array of fitted curves");
    return;
  }
  for (size_t i = 0; i < cs.size(); ++i) {
    const std::string path = "collectives.curves[" + std::to_string(i) + "]";
    ObjectReader cr(cs[i], path, diag);
    CollectiveCurve c;
    c.op = cr.choice("op", "all_reduce", kCollectiveOps);
    c.scope = cr.choice("scope", "nvlink", kCollectiveScopes);
    c.ranks = cr.count("ranks", 8, 2);
    c.nodes = cr.count("nodes", 1);
    c.algo = cr.text("algo", "");
    c.points = cr.count("points", 0, 0);
    c.measured_from = cr.number("measured_from", 0, 0, 1e15);
    c.mean_abs_rel_error = cr.number("mean_abs_rel_error", 0, 0, 1e6);
    c.source = cr.text("source", "");
    if (const auto* rs = cr.get("regimes"); rs && rs->is_array() && !rs->empty()) {
      for (size_t j = 0; j < rs->size(); ++j) {
        ObjectReader rr((*rs)[j], path + ".regimes[" + std::to_string(j) + "]", diag);
        CollectiveRegime g;
        g.min_bytes = rr.number("min_bytes", 0, 0, 1e15);
        g.latency = rr.quantity("latency", Seconds(0));
        g.busbw = rr.quantity("busbw", Bandwidth(0));
        if (g.busbw.value <= 0) diag.error(rr.path("busbw"), "is required and must be positive (\"450GBps\")");
        if (!c.regimes.empty() && g.min_bytes <= c.regimes.back().min_bytes)
          diag.error(rr.path("min_bytes"), "must increase from one regime to the next");
        rr.finish();
        c.regimes.push_back(g);
      }
    } else {
      diag.error(path + ".regimes", "is required: a non-empty array of {min_bytes, latency, busbw}");
    }
    cr.finish();
    out.push_back(c);
  }
}
}  // namespace

const GemmFit& CalibrationProfile::gemm_fit(Precision p) const {
  auto it = gemm_fits.find(p);
  if (it != gemm_fits.end()) return it->second;
  const Precision order[] = {Precision::bf16, Precision::fp16, Precision::fp8, Precision::tf32, Precision::fp32};
  for (Precision q : order)
    if ((it = gemm_fits.find(q)) != gemm_fits.end()) return it->second;
  throw Error("calibration", "profile '" + gpu + "' has no GEMM points");
}

CalibrationProfile parse_profile(const nlohmann::json& doc, const GpuSpec& gpu, const std::string& origin) {
  Diagnostics diag;
  CalibrationProfile p;
  ObjectReader r(doc, "", diag);
  const std::string schema = r.text("schema", "");
  if (schema != kCalibrationSchema)
    diag.error(origin + ": schema", "expected \"" + std::string(kCalibrationSchema) + "\", got \"" + schema + "\"");
  p.gpu = r.text("gpu", gpu.name);
  if (const GpuSpec* measured = find_gpu(p.gpu)) p.measured_hbm_bandwidth = measured->hbm_bandwidth;
  p.source = r.text("source", "");
  r.get("created");
  r.get("host");
  r.get("fits");
  r.get("p2p");  // NVLink peer-to-peer bandwidth matrix from `aiscale calibrate run` (informational)
  if (const auto* a = r.get("applies_to"); a && a->is_array())
    for (const auto& v : *a)
      if (v.is_string()) p.applies_to.push_back(v.get<std::string>());
  if (const auto* g = r.get("gemm")) {
    ObjectReader gr(*g, "gemm", diag);
    gr.get("source");
    if (const auto* pts = gr.get("points"); pts && pts->is_array()) {
      for (size_t i = 0; i < pts->size(); ++i) {
        ObjectReader pr((*pts)[i], "gemm.points[" + std::to_string(i) + "]", diag);
        GemmPoint gp;
        gp.m = pr.count("m", 1);
        gp.n = pr.count("n", 1);
        gp.k = pr.count("k", 1);
        gp.dtype = parse_precision(pr.choice("dtype", "bf16", {"fp32", "tf32", "bf16", "fp16", "fp8"}), "dtype");
        gp.tflops = pr.number("tflops", 1, 1e-6, 1e6);
        gp.source = pr.text("source", "");  // optional provenance of this point
        pr.require({"m", "n", "k", "tflops"}, "a GEMM measurement");
        pr.finish();
        p.gemm_points.push_back(gp);
      }
    }
    gr.finish();
  } else {
    diag.error(origin + ": gemm", "is required (GEMM measurements)");
  }
  if (const auto* m = r.get("memory")) {
    ObjectReader mr(*m, "memory", diag);
    p.copy_bandwidth = mr.quantity("copy_bandwidth", Bandwidth(gpu.hbm_bandwidth.value * 0.8));
    p.triad_bandwidth = mr.quantity("triad_bandwidth", p.copy_bandwidth);
    mr.get("source");
    mr.finish();
  }
  if (const auto* a = r.get("attention")) {
    ObjectReader ar(*a, "attention", diag);
    p.flash_fwd_efficiency = ar.number("flash_fwd_efficiency", 0.5, 0.01, 1.0);
    p.flash_bwd_efficiency = ar.number("flash_bwd_efficiency", 0.4, 0.01, 1.0);
    p.flash_fwd_overhead = ar.quantity("flash_fwd_overhead", p.flash_fwd_overhead);
    p.flash_bwd_overhead = ar.quantity("flash_bwd_overhead", p.flash_bwd_overhead);
    p.attention_kernel = ar.text("kernel", "default");
    ar.get("source");
    if (const auto* ks = ar.get("kernels")) {
      if (!ks->is_object()) {
        diag.error(origin + ": attention.kernels", "must be an object of kernel name -> efficiencies");
      } else {
        for (const auto& [name, k] : ks->items()) {
          ObjectReader kr(k, "attention.kernels." + name, diag);
          CalibrationProfile::AttentionKernel ak;
          ak.fwd = kr.number("flash_fwd_efficiency", 0.5, 0.01, 1.0);
          ak.bwd = kr.number("flash_bwd_efficiency", 0.4, 0.01, 1.0);
          ak.fwd_overhead = kr.quantity("flash_fwd_overhead", ak.fwd_overhead);
          ak.bwd_overhead = kr.quantity("flash_bwd_overhead", ak.bwd_overhead);
          ak.source = kr.text("source", "");
          if (const auto* bs = kr.get("by_seq")) {
            bool ok = bs->is_array() && !bs->empty();
            for (const auto& e : ok ? *bs : nlohmann::json::array())
              ok = ok && e.is_array() && e.size() == 2 && e[0].is_number() && e[1].is_number() &&
                   e[0].get<double>() > 0 && e[1].get<double>() > 0 && e[1].get<double>() <= 1;
            if (!ok)
              diag.error(origin + ": attention.kernels." + name + ".by_seq",
                         "must be a list of [sequence length, efficiency] pairs with 0 < efficiency <= 1");
            else
              for (const auto& e : *bs) ak.by_seq.emplace_back(e[0].get<double>(), e[1].get<double>());
            std::sort(ak.by_seq.begin(), ak.by_seq.end());
          }
          kr.finish();
          p.attention_kernels[name] = ak;
        }
      }
    }
    ar.finish();
  }
  p.launch_overhead = r.quantity("launch_overhead", p.launch_overhead);
  r.get("launch_overhead_source");
  if (const auto* o = r.get("overlap")) {
    ObjectReader orr(*o, "overlap", diag);
    p.overlap_compute_slowdown = orr.number("compute_slowdown", 0.0, 0.0, 1.0);
    orr.get("source");
    orr.finish();
  }
  if (const auto* c = r.get("collectives")) {
    ObjectReader cr(*c, "collectives", diag);
    if (const auto* nv = cr.get("nvlink")) {
      ObjectReader nr(*nv, "collectives.nvlink", diag);
      nr.count("ranks", 8);
      auto& s = p.nvlink;
      s.all_reduce_busbw = nr.quantity("all_reduce_busbw", Bandwidth(gpu.nvlink_bandwidth.value * 0.35));
      s.all_gather_busbw = nr.quantity("all_gather_busbw", s.all_reduce_busbw);
      s.reduce_scatter_busbw = nr.quantity("reduce_scatter_busbw", s.all_gather_busbw);
      s.all_to_all_busbw = nr.quantity("all_to_all_busbw", s.all_gather_busbw);
      s.send_recv_bw = nr.quantity("send_recv_bw", s.all_gather_busbw);
      s.latency = nr.quantity("latency", Seconds(20e-6));
      s.source = nr.text("source", "");
      nr.get("points");
      nr.finish();
    }
    if (const auto* nw = cr.get("network")) {
      ObjectReader nr(*nw, "collectives.network", diag);
      p.network.nic_efficiency = nr.number("nic_efficiency", 0.94, 0.05, 1.0);
      p.network.latency = nr.quantity("latency", p.network.latency);
      p.network.step_latency = nr.quantity("step_latency", p.network.step_latency);
      p.network.source = nr.text("source", "");
      nr.get("points");
      nr.finish();
    }
    if (const auto* pts = cr.get("points")) read_collective_points(*pts, diag, p.collective_points);
    if (const auto* cs = cr.get("curves")) read_collective_curves(*cs, diag, p.collective_curves);
    cr.finish();
  }
  r.finish();
  if (!diag.empty()) {
    // Prefix the origin so the user knows which file is wrong.
    std::vector<Issue> issues = diag.issues();
    for (auto& i : issues) i.path = origin + ": " + i.path;
    if (issues.size() == 1) throw Error(issues[0].path, issues[0].message);
    throw ValidationError(issues);
  }
  std::map<Precision, std::map<std::array<double, 3>, std::pair<double, int>>> sum;  // total time, count per shape
  for (const GemmPoint& g : p.gemm_points) {
    auto& [t, c] = sum[g.dtype][{g.m, g.n, g.k}];
    t += 2 * g.m * g.n * g.k / (g.tflops * 1e12);
    ++c;
  }
  for (const auto& [d, shapes] : sum)
    for (const auto& [shape, tc] : shapes) p.gemm_measured[d][shape] = tc.first / tc.second;
  // Fit each dtype. A dtype measured at fewer than 3 shapes cannot pin down the overhead term: it borrows the overhead
  // of the best-sampled dtype (launch and ramp cost belong to the GPU, not the data type) and fits its rate alone.
  std::map<Precision, std::vector<GemmPoint>> by_dtype;
  for (const auto& g : p.gemm_points)
    if (gpu.peak(g.dtype).value > 0) by_dtype[g.dtype].push_back(g);
  // Two public measurements of the same thing should count equally, whatever number of points each published.
  for (auto& [d, pts] : by_dtype)
    for (auto& g : pts) {
      if (g.source.empty()) continue;
      const auto same = std::count_if(pts.begin(), pts.end(), [&](const GemmPoint& o) { return o.source == g.source; });
      g.weight = 1.0 / double(same);
    }
  const std::vector<GemmPoint>* richest = nullptr;
  Precision richest_dtype = Precision::bf16;
  double shared_overhead = 0;
  auto shapes = [](const std::vector<GemmPoint>& pts) {
    std::set<std::tuple<double, double, double>> u;
    for (const auto& g : pts) u.insert({g.m, g.n, g.k});
    return u.size();
  };
  for (const auto& [d, pts] : by_dtype)
    if (!richest || shapes(pts) > shapes(*richest)) richest = &pts, richest_dtype = d;
  if (richest && shapes(*richest) >= 3) {
    p.gemm_fits[richest_dtype] = fit_gemm(*richest, gpu.peak(richest_dtype).value);
    shared_overhead = p.gemm_fits[richest_dtype].overhead_s;
  }
  for (const auto& [d, pts] : by_dtype) {
    if (p.gemm_fits.count(d)) continue;
    p.gemm_fits[d] = shapes(pts) >= 3 ? fit_gemm(pts, gpu.peak(d).value)
                                     : fit_gemm_rate(pts, gpu.peak(d).value, shared_overhead);
  }
  if (p.gemm_fits.empty()) throw Error(origin + ": gemm.points", "no GEMM points usable for " + gpu.name);
  // bf16 and fp16 share tensor-core rates on every catalog GPU: let one stand for the other.
  if (!p.gemm_fits.count(Precision::bf16) && p.gemm_fits.count(Precision::fp16))
    p.gemm_fits[Precision::bf16] = p.gemm_fits[Precision::fp16];
  if (!p.gemm_fits.count(Precision::fp16) && p.gemm_fits.count(Precision::bf16))
    p.gemm_fits[Precision::fp16] = p.gemm_fits[Precision::bf16];
  return p;
}

std::vector<std::string> shipped_profile_names() {
  std::vector<std::string> out;
  for (const auto& [name, text] : embedded_profiles()) out.push_back(name);
  return out;
}

std::string shipped_profile_text(const std::string& name) {
  for (const auto& [n, text] : embedded_profiles())
    if (n == name) return text;
  return "";
}

CalibrationProfile load_profile(const std::string& name_or_path, const GpuSpec& gpu, const std::string& base_dir) {
  if (name_or_path.empty()) {
    // The shipped profile whose applies_to lists this GPU.
    for (const auto& [name, text] : embedded_profiles()) {
      const auto doc = nlohmann::json::parse(text);
      for (const auto& a : doc.value("applies_to", nlohmann::json::array()))
        if (a == gpu.name) return parse_profile(doc, gpu, name);
    }
    throw Error("calibration", "no shipped calibration profile applies to '" + gpu.name +
                                   "'; name one (" + [] {
                                     std::string l;
                                     for (const auto& n : shipped_profile_names()) l += (l.empty() ? "" : ", ") + n;
                                     return l;
                                   }() + ") or a profile file");
  }
  const std::string text = shipped_profile_text(name_or_path);
  if (!text.empty()) return parse_profile(nlohmann::json::parse(text), gpu, name_or_path);
  std::filesystem::path p(name_or_path);
  if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
  if (!std::filesystem::exists(p)) {
    const std::string near = nearest(name_or_path, shipped_profile_names());
    throw Error("calibration", "'" + name_or_path + "' is neither a shipped profile nor a file" +
                                   (near.empty() ? "" : " (did you mean '" + near + "'?)"));
  }
  return parse_profile(read_json_file(p.string()), gpu, p.string());
}

}  // namespace aiscale

#include "calibration/bench_results.hpp"

#include <cmath>

#include "calibration/collective_fit.hpp"
#include "models/error.hpp"

namespace aiscale::calibration {

nlohmann::json profile_from_bench(const BenchResults& r, const GpuSpec& gpu) {
  const std::string where = "aiscale-calibrate on " + (r.host.hostname.empty() ? "unknown host" : r.host.hostname) +
                            (r.host.date.empty() ? "" : ", " + r.host.date);
  // Start from the shipped profile so that what this run did not measure still has a cited value.
  nlohmann::json base;
  std::string base_name;
  for (const auto& name : shipped_profile_names()) {
    const auto d = nlohmann::json::parse(shipped_profile_text(name));
    for (const auto& a : d.value("applies_to", nlohmann::json::array()))
      if (a == gpu.name && base_name.empty()) base_name = name, base = d;
  }
  nlohmann::json doc = base.is_object() ? base : nlohmann::json::object();
  doc.erase("fits");
  doc["schema"] = kCalibrationSchema;
  doc["gpu"] = gpu.name;
  doc["applies_to"] = nlohmann::json::array({gpu.name});
  doc["source"] = where + (base_name.empty() ? "" : "; sections not measured: shipped profile '" + base_name + "'");
  doc["host"] = {{"name", r.host.hostname}, {"gpu_name", r.host.gpu_name}, {"driver", r.host.driver},
                 {"cuda", r.host.cuda}};
  doc["created"] = r.host.date;

  nlohmann::json points = nlohmann::json::array();
  for (const auto& g : r.gemm) {
    if (!g.verified || g.median_s <= 0) continue;  // a wrong result has no meaningful time
    nlohmann::json p = {{"m", g.shape.m}, {"n", g.shape.n}, {"k", g.shape.k}, {"dtype", g.dtype},
                        {"tflops", std::round(g.tflops() * 100) / 100}, {"source", where + ", " + g.shape.origin}};
    // The profile's GEMM model is per single GEMM; batched shapes are listed by their total size.
    if (g.shape.batch > 1) p["m"] = g.shape.m * g.shape.batch;
    points.push_back(p);
  }
  if (!points.empty()) doc["gemm"] = {{"source", where + " (cuBLASLt, median of timed repetitions)"}, {"points", points}};
  if (!doc.contains("gemm")) throw Error("gemm", "no verified GEMM measurement and no shipped profile to fall back on");

  if (r.memory && r.memory->verified)
    doc["memory"] = {{"copy_bandwidth", bandwidth_text(r.memory->copy_bw)},
                     {"triad_bandwidth", bandwidth_text(r.memory->triad_bw)},
                     {"source", where + " (STREAM-style copy and triad, " +
                                    std::to_string(static_cast<long long>(r.memory->bytes / (1 << 20))) + " MiB arrays)"}};
  if (r.launch_overhead_s > 0) {
    doc["launch_overhead"] = time_text(r.launch_overhead_s);
    doc["launch_overhead_source"] = where + " (empty kernel, launch to completion, median)";
  }
  if (r.p2p) {
    nlohmann::json m = nlohmann::json::array();
    for (const auto& row : r.p2p->bw) {
      nlohmann::json jr = nlohmann::json::array();
      for (double b : row) jr.push_back(bandwidth_text(b));
      m.push_back(jr);
    }
    doc["p2p"] = {{"bandwidth", m}, {"bytes", r.p2p->bytes}, {"source", where + " (cudaMemcpyPeerAsync, one direction)"}};
  }
  if (!r.collectives.empty()) {
    if (doc.contains("collectives")) {
      doc["collectives"].erase("points");
      doc["collectives"].erase("curves");
    }
    merge_collective_points(doc, r.collectives);
  }
  return fit_profile(std::move(doc), gpu, "measured profile");
}

}  // namespace aiscale::calibration

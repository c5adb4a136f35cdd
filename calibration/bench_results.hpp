#pragma once
// What aiscale-calibrate measured, and the calibration profile written from it.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibration/gemm_shapes.hpp"
#include "calibration/profile_io.hpp"
#include "models/calibration_profile.hpp"

namespace aiscale::calibration {

struct GemmResult {
  GemmShape shape;
  std::string dtype;  // bf16, fp16, tf32, fp8
  double median_s = 0;
  bool verified = false;  // sampled outputs matched the reference
  double tflops() const { return median_s > 0 ? shape.flops() / median_s / 1e12 : 0; }
};

struct MemoryResult {
  double bytes = 0;                  // array size per buffer
  double copy_bw = 0, triad_bw = 0;  // bytes/s, STREAM counting (copy 2 arrays, triad 3)
  bool verified = false;
};

// Unidirectional peer-to-peer copy bandwidth, bytes/s; bw[i][j] from GPU i to GPU j (0 on the diagonal or no peer).
struct P2pResult {
  double bytes = 0;
  std::vector<std::vector<double>> bw;
};

struct BenchResults {
  HostInfo host;
  std::vector<GemmResult> gemm;
  std::optional<MemoryResult> memory;
  std::optional<P2pResult> p2p;
  std::vector<CollectivePoint> collectives;  // verified points only
  double launch_overhead_s = 0;              // empty-kernel launch to completion, median
};

// The profile document for `gpu`: measured sections from `r`, each citing the host and date; sections not measured
// (attention, and any suite that was skipped) come from the GPU's shipped profile and say so.
nlohmann::json profile_from_bench(const BenchResults& r, const GpuSpec& gpu);

}  // namespace aiscale::calibration

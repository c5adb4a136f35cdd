#pragma once
// Calibration profile (schema aiscale/calibration/v1): measured points per GPU and the curves fitted to them.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "models/catalog.hpp"
#include "models/units.hpp"

namespace aiscale {

inline constexpr const char* kCalibrationSchema = "aiscale/calibration/v1";

struct GemmPoint {
  double m = 0, n = 0, k = 0;
  Precision dtype = Precision::bf16;
  double tflops = 0;  // measured
};

// t(GEMM) = flops / (efficiency * peak) + overhead: a sustained rate plus a fixed ramp/launch cost.
struct GemmFit {
  double efficiency = 0.0;
  double overhead_s = 0.0;
  int points = 0;
  double max_rel_residual = 0.0;
};

struct CollectiveScope {
  Bandwidth all_reduce_busbw, all_gather_busbw, reduce_scatter_busbw, all_to_all_busbw, send_recv_bw;
  Seconds latency;  // fixed cost per collective
  std::string source;
};

struct NetworkCal {
  double nic_efficiency = 0.94;  // achievable / line rate
  Seconds latency{20e-6};       // fixed cost per collective
  Seconds step_latency{8e-6};   // per algorithm step (ring hop)
  std::string source;
};

struct CalibrationProfile {
  std::string gpu;
  std::vector<std::string> applies_to;
  std::string source;
  std::vector<GemmPoint> gemm_points;
  std::map<Precision, GemmFit> gemm_fits;  // fitted per dtype that has points
  Bandwidth copy_bandwidth, triad_bandwidth;
  double flash_fwd_efficiency = 0.5, flash_bwd_efficiency = 0.4;
  Seconds launch_overhead{4e-6};
  CollectiveScope nvlink;
  NetworkCal network;

  // Fit for a dtype: its own points, else the closest dtype's fit (fp16<->bf16, tf32/fp32 -> bf16, fp8 -> bf16).
  const GemmFit& gemm_fit(Precision p) const;
};

// Least-squares fit of efficiency and overhead to GEMM points, minimising relative time error.
GemmFit fit_gemm(const std::vector<GemmPoint>& points, double peak_flops);

// Fits the efficiency alone with a given overhead (for dtypes with too few points to fit both).
GemmFit fit_gemm_rate(const std::vector<GemmPoint>& points, double peak_flops, double overhead_s);

// Parses a profile document; `peak_of` gives the dense peak of each dtype for fitting efficiencies.
CalibrationProfile parse_profile(const nlohmann::json& doc, const GpuSpec& gpu, const std::string& origin);

// Loads `name_or_path` (a shipped profile name or a file path); empty: the profile that applies to the GPU.
CalibrationProfile load_profile(const std::string& name_or_path, const GpuSpec& gpu, const std::string& base_dir);

// Names of the profiles shipped inside the binary.
std::vector<std::string> shipped_profile_names();
// The raw JSON text of a shipped profile ("" if none).
std::string shipped_profile_text(const std::string& name);

}  // namespace aiscale

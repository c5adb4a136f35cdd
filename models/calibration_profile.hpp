#pragma once
// Calibration profile (schema aiscale/calibration/v1): measured points per GPU and the curves fitted to them.
#include <array>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "models/catalog.hpp"
#include "models/units.hpp"

namespace aiscale {

inline constexpr const char* kCalibrationSchema = "aiscale/calibration/v1";

struct GemmPoint {
  double m = 0, n = 0, k = 0;
  Precision dtype = Precision::bf16;
  double tflops = 0;  // measured
  std::string source;  // who measured it; each source counts once in a fit, however many points it gave
  double weight = 1;   // set when the profile is parsed: 1 / (points of this dtype from the same source)
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

// One measured collective (nccl-tests "size" = `bytes`) on `ranks` GPUs over `nodes` nodes, with its provenance.
struct CollectivePoint {
  std::string op;     // all_reduce, all_gather, reduce_scatter, all_to_all, send_recv
  std::string scope;  // nvlink (one node) or network (across nodes)
  int ranks = 0, nodes = 1;
  std::string algo;  // NCCL algorithm forced for the run (NCCL_ALGO=RING ...); "" = NCCL's own choice
  double bytes = 0;
  Seconds time;           // out-of-place
  Seconds in_place_time;  // 0 when not measured
  std::string source;
};

// One size regime of a fitted collective curve: t = latency + bus_bytes / busbw for buffers of >= min_bytes.
struct CollectiveRegime {
  double min_bytes = 0;
  Seconds latency;
  Bandwidth busbw;
};

// Fitted time of one collective per scope and rank count. NCCL switches protocol, algorithm and channel count at
// size thresholds, so the curve is piecewise alpha-beta: one (latency, bus bandwidth) regime per size range.
struct CollectiveCurve {
  std::string op, scope;
  int ranks = 0, nodes = 1;
  std::string algo;                       // as CollectivePoint::algo; the models use only curves with ""
  std::vector<CollectiveRegime> regimes;  // ascending min_bytes, the first at 0
  int points = 0;                         // measurements behind the fit
  double measured_from = 0;               // smallest measured size: below it the curve is an extrapolation
  double mean_abs_rel_error = 0;          // of bus bandwidth over those points
  std::string source;
  // Time for a buffer of `bytes` that moves `bus_bytes` per rank (bus_factor * bytes, the nccl-tests convention).
  double time(double bytes, double bus_bytes) const;
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
  // Per dtype, the mean measured time of each GEMM shape (m, n, k) in gemm_points, built once when the profile is
  // parsed: the compute model takes it for a shape the profile measured.
  std::map<Precision, std::map<std::array<double, 3>, double>> gemm_measured;
  std::map<Precision, GemmFit> gemm_fits;  // fitted per dtype that has points
  Bandwidth copy_bandwidth, triad_bandwidth;
  // Datasheet HBM bandwidth of the GPU the profile was measured on (catalog entry of `gpu`; 0 when not in it), for
  // scaling the copy bandwidth to a sibling SKU with slower memory.
  Bandwidth measured_hbm_bandwidth{0};
  double flash_fwd_efficiency = 0.5, flash_bwd_efficiency = 0.4;  // the default attention kernel
  // Fixed cost per call of the default kernel, forward and backward (0: the launch overhead): with it, a call with
  // little work (one micro-batch, few heads per GPU) runs below the kernel's sustained rate, as measured.
  Seconds flash_fwd_overhead{0}, flash_bwd_overhead{0};
  // Other fused-attention kernels measured on this GPU (e.g. "flash1", "triton"), which a scenario picks with
  // training.attention_kernel; `attention_kernel` names the default one.
  struct AttentionKernel {
    double fwd = 0.5, bwd = 0.4;
    Seconds fwd_overhead{0}, bwd_overhead{0};  // as flash_fwd_overhead / flash_bwd_overhead
    // Optional forward + backward efficiency by sequence length (published per-length benchmarks), replacing
    // fwd/bwd: interpolated in log(sequence), held flat outside the measured range.
    std::vector<std::pair<double, double>> by_seq;
    std::string source;
  };
  std::string attention_kernel = "default";
  std::map<std::string, AttentionKernel> attention_kernels;
  Seconds launch_overhead{4e-6};
  // Fraction by which compute slows down while NCCL collectives run beside it (SMs and HBM shared); 0 = none.
  double overlap_compute_slowdown = 0;
  CollectiveScope nvlink;
  NetworkCal network;
  std::vector<CollectivePoint> collective_points;  // optional measurements (collectives.points)
  std::vector<CollectiveCurve> collective_curves;  // optional fitted curves (collectives.curves)

  // The fitted curve for `op` in `scope` with exactly `ranks` ranks on `nodes` nodes, else the one of that op and
  // scope with the nearest rank count (busbw carries over between rank counts); nullptr when none.
  const CollectiveCurve* collective_curve(const std::string& op, const std::string& scope, int ranks, int nodes) const;

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

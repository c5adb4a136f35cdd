#pragma once
// Compute-time model: per-op roofline (tensor-core rate vs HBM traffic) times efficiencies from a calibration profile.
#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "models/calibration_profile.hpp"
#include "models/catalog.hpp"

namespace aiscale {

class ComputeModel {
 public:
  // `attention_kernel` names one of the profile's attention kernels (training.attention_kernel); empty: the
  // profile's default. An unknown name throws Error naming the field and the kernels the profile has.
  ComputeModel(const GpuSpec& gpu, const CalibrationProfile& profile, Precision precision,
               const std::string& attention_kernel = "");

  // A (batched) GEMM [m x k] * [k x n]: the profile's measured time when it holds this exact shape in this
  // precision (the mean over its measurements, e.g. a site calibration that timed the scenario's own shapes), else
  // max(compute at the fitted efficiency + fixed overhead, HBM traffic).
  double gemm_time(double m, double n, double k, double batch = 1) const;
  // The measured time of one [m x k] * [k x n] GEMM in the profile, or 0 when it has none of that shape.
  double measured_gemm_time(double m, double n, double k) const;
  // A memory-bound kernel moving `bytes` (reads + writes) at the measured copy bandwidth (scaled down for a GPU
  // with slower HBM than the one the profile was measured on).
  double memory_time(double bytes) const;
  // Fused (flash) attention doing `flops` of real work, forward or backward (backward: 2x the forward's FLOPs; the
  // kernel's own recompute of QK^T is added here, as the profile's published rates count it).
  // `seq`: the key length, for kernels whose profile gives rates by sequence length (0: unknown).
  double flash_attention_time(double flops, bool backward, double seq = 0) const;
  double launch_overhead() const { return launch_; }
  // Extra compute time when `hidden` seconds of NCCL collectives run beside `compute` seconds of kernels: the
  // profile's measured slowdown applied to the overlapped span.
  double overlap_penalty(double hidden, double compute) const { return slowdown_ * std::min(hidden, compute); }
  double peak() const { return peak_; }
  double element_bytes() const { return elem_; }

 private:
  double peak_ = 0, peak_attn_ = 0, eff_ = 0, overhead_ = 0, mem_bw_ = 0, launch_ = 0, elem_ = 2;
  double flash_fwd_ = 0, flash_bwd_ = 0, flash_fwd_overhead_ = 0, flash_bwd_overhead_ = 0;
  double slowdown_ = 0;
  std::vector<std::pair<double, double>> flash_by_seq_;
  // The profile's measured GEMM times in this precision (CalibrationProfile::gemm_measured), or null: the profile
  // outlives the model, as it does wherever a model is built.
  const std::map<std::array<double, 3>, double>* measured_ = nullptr;
};

}  // namespace aiscale

#pragma once
// Compute-time model: per-op roofline (tensor-core rate vs HBM traffic) times efficiencies from a calibration profile.
#include "models/calibration_profile.hpp"
#include "models/catalog.hpp"

namespace aiscale {

class ComputeModel {
 public:
  ComputeModel(const GpuSpec& gpu, const CalibrationProfile& profile, Precision precision);

  // A (batched) GEMM [m x k] * [k x n]: max(compute at the fitted efficiency + fixed overhead, HBM traffic).
  double gemm_time(double m, double n, double k, double batch = 1) const;
  // A memory-bound kernel moving `bytes` (reads + writes) at the measured copy bandwidth.
  double memory_time(double bytes) const;
  // Fused (flash) attention doing `flops` of real work, forward or backward.
  double flash_attention_time(double flops, bool backward) const;
  double launch_overhead() const { return launch_; }
  double peak() const { return peak_; }
  double element_bytes() const { return elem_; }

 private:
  double peak_ = 0, peak_attn_ = 0, eff_ = 0, overhead_ = 0, mem_bw_ = 0, launch_ = 0, elem_ = 2;
  double flash_fwd_ = 0, flash_bwd_ = 0;
};

}  // namespace aiscale

#include "models/compute.hpp"

#include <algorithm>

namespace aiscale {

ComputeModel::ComputeModel(const GpuSpec& gpu, const CalibrationProfile& profile, Precision precision) {
  const GemmFit& fit = profile.gemm_fit(precision);
  peak_ = gpu.peak(precision).value;
  eff_ = fit.efficiency;
  overhead_ = fit.overhead_s;
  // Attention runs in bf16 even in FP8 recipes (Transformer Engine keeps softmax(QK^T)V in higher precision).
  peak_attn_ = precision == Precision::fp8 ? gpu.peak_bf16.value : peak_;
  mem_bw_ = profile.copy_bandwidth.value;
  launch_ = profile.launch_overhead.value;
  elem_ = precision == Precision::fp32 || precision == Precision::tf32 ? 4 : 2;
  flash_fwd_ = profile.flash_fwd_efficiency;
  flash_bwd_ = profile.flash_bwd_efficiency;
}

double ComputeModel::gemm_time(double m, double n, double k, double batch) const {
  const double flops = 2 * m * n * k * batch;
  const double compute = flops / (eff_ * peak_) + overhead_;
  const double traffic = elem_ * (m * k + k * n + m * n) * batch / mem_bw_ + launch_;
  return std::max(compute, traffic);
}

double ComputeModel::memory_time(double bytes) const { return bytes / mem_bw_ + launch_; }

double ComputeModel::flash_attention_time(double flops, bool backward) const {
  return flops / ((backward ? flash_bwd_ : flash_fwd_) * peak_attn_) + launch_;
}

}  // namespace aiscale

#include "models/compute.hpp"

#include <algorithm>
#include <cmath>

#include "models/error.hpp"

namespace aiscale {

ComputeModel::ComputeModel(const GpuSpec& gpu, const CalibrationProfile& profile, Precision precision,
                           const std::string& attention_kernel) {
  const GemmFit& fit = profile.gemm_fit(precision);
  peak_ = gpu.peak(precision).value;
  if (const auto it = profile.gemm_measured.find(precision); it != profile.gemm_measured.end()) measured_ = &it->second;
  eff_ = fit.efficiency;
  overhead_ = fit.overhead_s;
  // Attention runs in bf16 even in FP8 recipes (Transformer Engine keeps softmax(QK^T)V in higher precision).
  peak_attn_ = precision == Precision::fp8 ? gpu.peak_bf16.value : peak_;
  mem_bw_ = profile.copy_bandwidth.value;
  // A profile may serve a sibling SKU with slower HBM (the A100-SXM4-80GB profile also applies to the 40GB card:
  // 1,555 vs 2,039 GB/s, NVIDIA A100 datasheet r4): a copy cannot outrun the memory, so scale the measured copy
  // bandwidth by the ratio of the datasheet figures.
  if (profile.measured_hbm_bandwidth.value > gpu.hbm_bandwidth.value && gpu.hbm_bandwidth.value > 0)
    mem_bw_ *= gpu.hbm_bandwidth.value / profile.measured_hbm_bandwidth.value;
  launch_ = profile.launch_overhead.value;
  slowdown_ = profile.overlap_compute_slowdown;
  elem_ = precision == Precision::fp32 || precision == Precision::tf32 ? 4 : 2;
  flash_fwd_ = profile.flash_fwd_efficiency;
  flash_bwd_ = profile.flash_bwd_efficiency;
  flash_fwd_overhead_ = profile.flash_fwd_overhead.value;
  flash_bwd_overhead_ = profile.flash_bwd_overhead.value;
  if (!attention_kernel.empty() && attention_kernel != profile.attention_kernel) {
    const auto it = profile.attention_kernels.find(attention_kernel);
    if (it == profile.attention_kernels.end()) {
      std::string known = profile.attention_kernel;
      for (const auto& [name, k] : profile.attention_kernels) known += ", " + name;
      std::string msg = "the ";
      msg += profile.gpu;
      msg += " calibration profile has no attention kernel '";
      msg += attention_kernel;
      msg += "'; it has: ";
      msg += known;
      throw Error("training.attention_kernel", msg);
    }
    flash_fwd_ = it->second.fwd;
    flash_bwd_ = it->second.bwd;
    flash_fwd_overhead_ = it->second.fwd_overhead.value;
    flash_bwd_overhead_ = it->second.bwd_overhead.value;
    flash_by_seq_ = it->second.by_seq;
  }
}

double ComputeModel::measured_gemm_time(double m, double n, double k) const {
  if (!measured_) return 0;
  const auto it = measured_->find({m, n, k});
  return it == measured_->end() ? 0 : it->second;
}

double ComputeModel::gemm_time(double m, double n, double k, double batch) const {
  if (batch == 1)
    if (const double t = measured_gemm_time(m, n, k); t > 0) return t;
  const double flops = 2 * m * n * k * batch;
  const double compute = flops / (eff_ * peak_) + overhead_;
  const double traffic = elem_ * (m * k + k * n + m * n) * batch / mem_bw_ + launch_;
  return std::max(compute, traffic);
}

double ComputeModel::memory_time(double bytes) const { return bytes / mem_bw_ + launch_; }

double ComputeModel::flash_attention_time(double flops, bool backward, double seq) const {
  // Profiles quote FlashAttention's published rates, which count the backward as 2.5x the forward FLOPs (it
  // recomputes QK^T: Dao-AILab/flash-attention benchmarks/benchmark_flash_attention.py and
  // hopper/benchmark_attn.py). The workload's backward does 2x the forward FLOPs of useful work, so the kernel
  // executes 1.25x the FLOPs it is given.
  const double executed = backward ? 1.25 * flops : flops;
  double eff = backward ? flash_bwd_ : flash_fwd_;
  if (!flash_by_seq_.empty() && seq > 0) {
    const auto& t = flash_by_seq_;
    if (seq <= t.front().first) {
      eff = t.front().second;
    } else if (seq >= t.back().first) {
      eff = t.back().second;
    } else {
      size_t i = 1;
      while (t[i].first < seq) ++i;
      const double x = std::log(seq / t[i - 1].first) / std::log(t[i].first / t[i - 1].first);
      eff = t[i - 1].second + x * (t[i].second - t[i - 1].second);
    }
  }
  // A fixed cost per call where the profile measured one (it includes the launch), else the launch overhead.
  const double fixed = backward ? flash_bwd_overhead_ : flash_fwd_overhead_;
  return executed / (eff * peak_attn_) + (fixed > 0 ? fixed : launch_);
}

}  // namespace aiscale

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "models/calibration_profile.hpp"
#include "models/compute.hpp"
#include "models/error.hpp"

using namespace aiscale;

TEST(Profile, ShippedProfilesParseAndFitTheirPoints) {
  for (const auto& name : shipped_profile_names()) {
    const auto doc = nlohmann::json::parse(shipped_profile_text(name));
    const GpuSpec* gpu = find_gpu(doc["gpu"].get<std::string>());
    ASSERT_NE(gpu, nullptr) << name;
    const CalibrationProfile p = parse_profile(doc, *gpu, name);
    for (const auto& [d, fit] : p.gemm_fits) {
      EXPECT_GT(fit.efficiency, 0.3) << name;
      EXPECT_LT(fit.efficiency, 1.0) << name;
    }
    EXPECT_GT(p.copy_bandwidth.value, 0.5 * gpu->hbm_bandwidth.value) << name;
    EXPECT_LE(p.copy_bandwidth.value, gpu->hbm_bandwidth.value) << name;
  }
}

TEST(Profile, GemmFitReproducesA100Measurements) {
  const GpuSpec& a100 = *find_gpu("a100-sxm4-80gb");
  const CalibrationProfile p = load_profile("", a100, ".");
  const GemmFit& f = p.gemm_fit(Precision::fp16);
  EXPECT_EQ(f.points, 6);
  EXPECT_LT(f.max_rel_residual, 0.10);  // within 10% of every cuBLASLt point
  // The fitted curve (not the measured point, which gemm_time would return for this very shape).
  const double flops = 2.0 * 8192 * 8192 * 8192;
  const double t = flops / (f.efficiency * a100.peak(Precision::fp16).value) + f.overhead_s;
  EXPECT_NEAR(flops / t / 1e12, 253.7, 253.7 * 0.05);
}

TEST(Profile, MeasuredShapesAreTakenAsMeasured) {
  // A site calibration that timed a scenario's own GEMM shapes: those shapes get their measured time (the mean
  // over measurements), every other shape the fitted curve.
  const GpuSpec& h100 = *find_gpu("h100-sxm");
  auto doc = nlohmann::json::parse(shipped_profile_text("h100-sxm"));
  doc["gemm"]["points"].push_back(
      {{"m", 4096}, {"n", 6144}, {"k", 2048}, {"dtype", "bf16"}, {"tflops", 600.0}, {"source", "site run 1"}});
  doc["gemm"]["points"].push_back(
      {{"m", 4096}, {"n", 6144}, {"k", 2048}, {"dtype", "bf16"}, {"tflops", 700.0}, {"source", "site run 2"}});
  const CalibrationProfile p = parse_profile(doc, h100, "site");
  const ComputeModel cm(h100, p, Precision::bf16);
  const double flops = 2.0 * 4096 * 6144 * 2048;
  const double mean = (flops / 600e12 + flops / 700e12) / 2;
  EXPECT_DOUBLE_EQ(cm.measured_gemm_time(4096, 6144, 2048), mean);
  EXPECT_DOUBLE_EQ(cm.gemm_time(4096, 6144, 2048), mean);
  // Another shape, a batched GEMM of that shape, or another precision: the fitted curve.
  const GemmFit& f = p.gemm_fit(Precision::bf16);
  const double other = 2.0 * 4096 * 6144 * 2176;
  EXPECT_EQ(cm.measured_gemm_time(4096, 6144, 2176), 0.0);
  EXPECT_NEAR(cm.gemm_time(4096, 6144, 2176), other / (f.efficiency * h100.peak_bf16.value) + f.overhead_s, 1e-12);
  EXPECT_NEAR(cm.gemm_time(4096, 6144, 2048, 2), 2 * flops / (f.efficiency * h100.peak_bf16.value) + f.overhead_s,
              1e-12);
  const ComputeModel fp8(h100, p, Precision::fp8);
  EXPECT_EQ(fp8.measured_gemm_time(4096, 6144, 2048), 0.0);
}

TEST(Profile, FitRecoversKnownCurve) {
  // Points generated from eff = 0.75, overhead = 8 us on a 100 TFLOP/s device.
  std::vector<GemmPoint> pts;
  for (double n : {512.0, 1024.0, 2048.0, 4096.0}) {
    const double f = 2 * n * n * n, t = f / (0.75 * 100e12) + 8e-6;
    GemmPoint g;
    g.m = g.n = g.k = n;
    g.tflops = f / t / 1e12;
    pts.push_back(g);
  }
  const GemmFit fit = fit_gemm(pts, 100e12);
  EXPECT_NEAR(fit.efficiency, 0.75, 1e-6);
  EXPECT_NEAR(fit.overhead_s, 8e-6, 1e-9);
}

TEST(Profile, UnknownProfileAndBadSchema) {
  const GpuSpec& h100 = *find_gpu("h100-sxm");
  EXPECT_THROW(load_profile("h100-sxn", h100, "."), Error);
  auto doc = nlohmann::json::parse(shipped_profile_text("h100-sxm"));
  doc["schema"] = "nope";
  EXPECT_THROW(parse_profile(doc, h100, "x"), Error);
}

TEST(Profile, EachSourceCountsOnceInAFit) {
  // Two points from one source and one from another: the fit sits halfway between the sources, not 2:1.
  auto doc = nlohmann::json::parse(shipped_profile_text("h100-sxm"));
  const GpuSpec& h100 = *find_gpu("h100-sxm");
  const CalibrationProfile p = parse_profile(doc, h100, "h100-sxm");
  int weighted = 0;
  for (const auto& g : p.gemm_points) weighted += g.dtype == Precision::bf16 && !g.source.empty();
  EXPECT_EQ(weighted, 3);
  for (auto& pt : doc["gemm"]["points"])
    if (pt["dtype"] == "bf16") pt.erase("source");
  const CalibrationProfile unweighted = parse_profile(doc, h100, "h100-sxm");
  EXPECT_LT(p.gemm_fit(Precision::bf16).efficiency, unweighted.gemm_fit(Precision::bf16).efficiency);
}

TEST(Profile, AttentionKernelsAndOverlapSlowdown) {
  const GpuSpec& h100 = *find_gpu("h100-sxm");
  const CalibrationProfile p = load_profile("", h100, ".");
  // Transformer Engine's choice on Hopper, cuDNN's fused attention, is the default; FlashAttention 1-3 by name.
  EXPECT_EQ(p.attention_kernel, "cudnn");
  ASSERT_EQ(p.attention_kernels.count("flash1"), 1u);
  ASSERT_EQ(p.attention_kernels.count("flash3"), 1u);
  const ComputeModel fa3(h100, p, Precision::bf16, "flash3"), fa1(h100, p, Precision::bf16, "flash1");
  // FlashAttention v1 at 108 of 989.4 TFLOP/s against FlashAttention-3's 600: about 5.5x slower forward.
  EXPECT_NEAR(fa1.flash_attention_time(1e12, false) / fa3.flash_attention_time(1e12, false), 0.6 / 0.109, 0.02);  // launch overhead aside
  // The backward kernel recomputes QK^T: 1.25x the useful FLOPs at the published rate.
  EXPECT_NEAR(fa3.flash_attention_time(2e12, true) - fa3.launch_overhead(), 2.5e12 / (0.45 * 989.4e12), 1e-6);
  // A kernel with a measured fixed cost per call pays it instead of the launch overhead: a small call (one
  // micro-batch of 16 heads x 4k, 68.7 GFLOP forward) runs well below the sustained rate, a large one near it.
  const ComputeModel cudnn(h100, p, Precision::bf16);
  EXPECT_GT(p.flash_fwd_overhead.value, cudnn.launch_overhead());
  const double small = 68.7e9, large = 64 * small;
  EXPECT_NEAR(cudnn.flash_attention_time(small, false),
              small / (p.flash_fwd_efficiency * 989.4e12) + p.flash_fwd_overhead.value, 1e-12);
  EXPECT_LT(small / cudnn.flash_attention_time(small, false), 0.75 * p.flash_fwd_efficiency * 989.4e12);
  EXPECT_GT(large / cudnn.flash_attention_time(large, false), 0.95 * p.flash_fwd_efficiency * 989.4e12);
  EXPECT_NEAR(cudnn.flash_attention_time(2 * small, true),
              2.5 * small / (p.flash_bwd_efficiency * 989.4e12) + p.flash_bwd_overhead.value, 1e-12);
  try {
    ComputeModel bad(h100, p, Precision::bf16, "flash9");
    FAIL() << "an unknown kernel must be rejected";
  } catch (const Error& e) {
    EXPECT_EQ(e.path(), "training.attention_kernel");
    EXPECT_NE(std::string(e.what()).find("flash1"), std::string::npos);
  }
  // Lee et al. 2025: 18.9% compute slowdown while NCCL collectives overlap; only the overlapped span pays.
  EXPECT_DOUBLE_EQ(p.overlap_compute_slowdown, 0.189);
  EXPECT_DOUBLE_EQ(fa3.overlap_penalty(1.0, 4.0), 0.189);
  EXPECT_DOUBLE_EQ(fa3.overlap_penalty(4.0, 1.0), 0.189);
}

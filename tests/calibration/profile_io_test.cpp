#include <gtest/gtest.h>

#include <cmath>

#include "calibration/bench_results.hpp"
#include "calibration/collective_fit.hpp"
#include "calibration/nccl_tests.hpp"
#include "calibration/profile_io.hpp"
#include "report/calibration_plot.hpp"
#include "models/error.hpp"

using namespace aiscale;
using namespace aiscale::calibration;

namespace {

std::string data(const std::string& name) { return std::string(AISCALE_SOURCE_DIR) + "/tests/calibration/data/" + name; }

const GpuSpec& gpu(const std::string& name) {
  const GpuSpec* g = find_gpu(name);
  EXPECT_NE(g, nullptr) << name;
  return *g;
}

}  // namespace

TEST(ProfileIo, DeviceNamesMapToTheCatalog) {
  EXPECT_EQ(gpu_from_device_name("NVIDIA H100 80GB HBM3"), "h100-sxm");
  EXPECT_EQ(gpu_from_device_name("NVIDIA A100-SXM4-80GB"), "a100-sxm4-80gb");
  EXPECT_EQ(gpu_from_device_name("NVIDIA A100-SXM4-40GB"), "a100-sxm4-40gb");
  EXPECT_EQ(gpu_from_device_name("NVIDIA H200"), "h200");
  EXPECT_EQ(gpu_from_device_name("NVIDIA H100 PCIe"), "");
  EXPECT_EQ(gpu_from_device_name("Tesla V100-SXM2-32GB"), "");
}

// Import -> write -> parse_profile keeps every point and reproduces the fitted curve exactly enough.
TEST(ProfileIo, ImportedProfileRoundTrips) {
  const auto log = read_nccl_tests(data("nccl-tests-290_H100_1node_8gpu_allreduce_NVLS.txt"));
  const nlohmann::json doc = profile_from_nccl_logs({log}, gpu("h100-sxm"));
  const std::string text = dump_profile(doc);
  EXPECT_EQ(text, dump_profile(nlohmann::json::parse(text))) << "writing is deterministic and idempotent";
  EXPECT_EQ(text.find(AISCALE_SOURCE_DIR), std::string::npos) << "no local paths in a written profile";
  const CalibrationProfile p = parse_profile(nlohmann::json::parse(text), gpu("h100-sxm"), "roundtrip");
  EXPECT_EQ(p.gpu, "h100-sxm");
  ASSERT_EQ(p.collective_points.size(), 6u);
  EXPECT_EQ(p.collective_points[0].op, "all_reduce");
  EXPECT_EQ(p.collective_points[0].scope, "nvlink");
  EXPECT_EQ(p.collective_points[0].ranks, 8);
  EXPECT_DOUBLE_EQ(p.collective_points[0].bytes, 134217728);
  EXPECT_NEAR(p.collective_points[0].time.value, 613.3e-6, 1e-12);
  EXPECT_NEAR(p.collective_points[0].in_place_time.value, 614.3e-6, 1e-12);
  EXPECT_NE(p.collective_points[0].source.find("NVIDIA/nccl-tests#290"), std::string::npos);
  ASSERT_EQ(p.collective_curves.size(), 1u);
  const CollectiveCurve fresh = fit_collective(points_from_log(log));
  const CollectiveCurve& back = p.collective_curves[0];
  ASSERT_EQ(back.regimes.size(), fresh.regimes.size());
  for (double b = 1 << 20; b <= 8.0 * (1LL << 30); b *= 2)
    EXPECT_NEAR(back.time(b, 1.75 * b) / fresh.time(b, 1.75 * b), 1.0, 1e-5) << b;
  // GEMM and the other sections come from the shipped profile; the fits section records them.
  EXPECT_FALSE(p.gemm_points.empty());
  EXPECT_TRUE(doc["fits"]["gemm"].contains("bf16"));
  EXPECT_TRUE(doc.contains("host"));
  EXPECT_EQ(doc["host"]["gpu_name"], "NVIDIA H100 80GB HBM3");
}

TEST(ProfileIo, FitIsStableOnItsOwnOutput) {
  const auto log = read_nccl_tests(data("nccl-tests-290_H100_2node_16gpu_allreduce_RING.txt"));
  const nlohmann::json once = profile_from_nccl_logs({log}, gpu("h100-sxm"));
  const nlohmann::json twice = fit_profile(nlohmann::json::parse(dump_profile(once)), gpu("h100-sxm"), "again");
  EXPECT_EQ(dump_profile(once), dump_profile(twice));
  EXPECT_EQ(once["collectives"]["curves"][0]["scope"], "network");
  EXPECT_EQ(once["collectives"]["curves"][0]["nodes"], 2);
}

// Every shipped profile still parses, and fitting one keeps its keys and adds curves for its measured points.
TEST(ProfileIo, ShippedProfilesParseAndFit) {
  for (const auto& name : shipped_profile_names()) {
    SCOPED_TRACE(name);
    const auto doc = nlohmann::json::parse(shipped_profile_text(name));
    const GpuSpec& g = profile_gpu(doc, name);
    const CalibrationProfile p = parse_profile(doc, g, name);
    const nlohmann::json fitted = fit_profile(doc, g, name);
    for (const auto& [k, v] : doc.items()) EXPECT_TRUE(fitted.contains(k)) << k;
    const CalibrationProfile q = parse_profile(fitted, g, name);
    EXPECT_EQ(q.collective_points.size(), p.collective_points.size());
    EXPECT_EQ(q.collective_curves.size(), fit_collectives(p.collective_points).size());
    for (const auto& c : q.collective_curves) {
      const FitAccuracy a = accuracy(residuals(c, q.collective_points));
      EXPECT_LE(a.mae_large, 0.05) << c.op << " " << c.scope;
    }
    for (const auto& pt : p.collective_points) EXPECT_FALSE(pt.source.empty()) << "every point cites its source";
  }
}

TEST(ProfileIo, BadCurvesAndPointsAreReported) {
  auto doc = nlohmann::json::parse(shipped_profile_text("h100-sxm"));
  doc["collectives"]["curves"] = nlohmann::json::parse(
      R"([{"op": "all_reduce", "scope": "nvlink", "ranks": 8, "nodes": 1,
           "regimes": [{"min_bytes": 0, "latency": "10us", "busbw": "400GBps"},
                       {"min_bytes": 0, "latency": "10us", "busbw": "400GBps"}]}])");
  try {
    parse_profile(doc, gpu("h100-sxm"), "bad.json");
    FAIL() << "accepted regimes that do not increase";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("collectives.curves[0].regimes[1].min_bytes"), std::string::npos) << e.what();
  }
  doc = nlohmann::json::parse(shipped_profile_text("h100-sxm"));
  doc["collectives"]["points"] = nlohmann::json::parse(
      R"([{"op": "allreduce", "scope": "nvlink", "ranks": 8, "bytes": 1024, "time": 12}])");
  EXPECT_THROW(parse_profile(doc, gpu("h100-sxm"), "bad.json"), std::exception);
  EXPECT_THROW(profile_gpu(nlohmann::json::parse(R"({"gpu": "h1OO"})"), "x.json"), Error);
}

TEST(ProfileIo, ProfileFromBenchmarkResults) {
  BenchResults r;
  r.host = {"gpu-node-1", "NVIDIA H100 80GB HBM3", "CUDA driver API 13.0", "13.0", "2025-01-02"};
  for (long s : {1024L, 4096L, 8192L}) {
    GemmResult g;
    g.shape = {s, s, s, 1, "grid"};
    g.dtype = "bf16";
    g.median_s = g.shape.flops() / (700e12 * s / (s + 512.0));
    g.verified = true;
    r.gemm.push_back(g);
  }
  GemmResult wrong = r.gemm[0];
  wrong.shape.m = 2048, wrong.verified = false;  // a wrong result is never written
  r.gemm.push_back(wrong);
  r.memory = MemoryResult{1 << 30, 2.9e12, 2.95e12, true};
  r.p2p = P2pResult{1 << 28, {{0, 380e9}, {381e9, 0}}};
  r.launch_overhead_s = 3.5e-6;
  for (double b = 1024; b <= 1 << 30; b *= 4) {
    CollectivePoint p;
    p.op = "all_reduce", p.scope = "nvlink", p.ranks = 8, p.nodes = 1, p.bytes = b;
    p.time = Seconds(20e-6 + 1.75 * b / 450e9);
    p.source = "aiscale-calibrate on gpu-node-1, 2025-01-02";
    r.collectives.push_back(p);
  }
  const nlohmann::json doc = profile_from_bench(r, gpu("h100-sxm"));
  const CalibrationProfile p = parse_profile(nlohmann::json::parse(dump_profile(doc)), gpu("h100-sxm"), "bench");
  EXPECT_EQ(p.gemm_points.size(), 3u);
  EXPECT_NEAR(p.copy_bandwidth.value, 2.9e12, 1e6);
  EXPECT_NEAR(p.launch_overhead.value, 3.5e-6, 1e-12);
  ASSERT_EQ(p.collective_curves.size(), 1u);
  EXPECT_NEAR(p.collective_curves[0].regimes[0].busbw.value / 450e9, 1, 1e-4);
  EXPECT_EQ(doc["host"]["name"], "gpu-node-1");
  EXPECT_EQ(doc["host"]["driver"], "CUDA driver API 13.0");
  EXPECT_EQ(doc["created"], "2025-01-02");
  EXPECT_EQ(doc["p2p"]["bandwidth"][0][1], "380GBps");
  for (const auto& pt : doc["gemm"]["points"]) EXPECT_NE(pt["source"].get<std::string>().find("gpu-node-1"), std::string::npos);
  // Plot: one panel per curve plus GEMM, well-formed SVG.
  const std::string svg = plot_svg(p, p.collective_curves, 989.4);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);  // a standalone SVG document
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("all_reduce, nvlink"), std::string::npos);
  EXPECT_EQ(svg, plot_svg(p, p.collective_curves, 989.4));
}

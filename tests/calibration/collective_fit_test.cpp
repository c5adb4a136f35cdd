#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "calibration/collective_fit.hpp"
#include "calibration/nccl_tests.hpp"
#include "calibration/profile_io.hpp"
#include "models/collectives.hpp"
#include "models/error.hpp"
#include "models/scenario.hpp"
#include "sim/analytic.hpp"

using namespace aiscale;
using namespace aiscale::calibration;

namespace {

std::string data(const std::string& name) { return std::string(AISCALE_SOURCE_DIR) + "/tests/calibration/data/" + name; }

CollectivePoint point(const std::string& op, int ranks, double bytes, double seconds) {
  CollectivePoint p;
  p.op = op, p.scope = "nvlink", p.ranks = ranks, p.nodes = 1, p.bytes = bytes, p.time = Seconds(seconds);
  return p;
}

}  // namespace

// Acceptance: the fitted curve reproduces every real log within 5% mean absolute busbw error for sizes >= 1 MB and
// within 15% below 1 MB.
TEST(CollectiveFit, ReproducesTheRealNcclTestsLogs) {
  std::printf("%-56s %-10s %5s %5s %8s %11s %11s\n", "log", "op", "ranks", "nodes", "regimes", "MAE>=1MB",
              "MAE<1MB");
  for (const char* f : {"li-plus_A100_8gpu_sendrecv.txt", "nccl-tests-290_H100_1node_8gpu_allreduce_NVLS.txt",
                        "nccl-tests-290_H100_2node_16gpu_allreduce_RING.txt",
                        "nccl-tests-290_H100_2node_16gpu_allreduce_default.txt"}) {
    SCOPED_TRACE(f);
    const auto log = read_nccl_tests(data(f));
    const auto points = points_from_log(log);
    const CollectiveCurve c = fit_collective(points);
    const FitAccuracy a = accuracy(residuals(c, points));
    std::printf("%-56s %-10s %5d %5d %8zu %10.2f%% %11s\n", f, c.op.c_str(), c.ranks, c.nodes, c.regimes.size(),
                a.mae_large * 100, a.n_small ? (std::to_string(a.mae_small * 100) + "%").c_str() : "no points");
    EXPECT_GT(a.n_large, 0);
    EXPECT_LE(a.mae_large, 0.05);
    if (a.n_small) {
      EXPECT_LE(a.mae_small, 0.15);
    }
    // Physical regimes: non-negative latency, busbw below what any link of the era carries (NVLink 4: 450 GB/s
    // per direction, NVLS all-reduce ~480 GB/s busbw per NVIDIA/nccl-tests#290).
    for (const auto& g : c.regimes) {
      EXPECT_GE(g.latency.value, 0);
      EXPECT_GT(g.busbw.value, 1e9);
      EXPECT_LT(g.busbw.value, 1e12);
    }
  }
}

TEST(CollectiveFit, RecoversAnExactAlphaBetaCurve) {
  // t = 25 us + bus_bytes / 300 GB/s over 1 KB .. 1 GB: one regime, exact parameters.
  std::vector<CollectivePoint> pts;
  const double f = CollectiveModel::bus_factor(CollOp::all_reduce, 8);
  for (double b = 1024; b <= 1 << 30; b *= 2) pts.push_back(point("all_reduce", 8, b, 25e-6 + f * b / 300e9));
  const CollectiveCurve c = fit_collective(pts);
  ASSERT_EQ(c.regimes.size(), 1u);
  EXPECT_NEAR(c.regimes[0].latency.value, 25e-6, 1e-12);
  EXPECT_NEAR(c.regimes[0].busbw.value / 300e9, 1.0, 1e-9);
  EXPECT_LT(c.mean_abs_rel_error, 1e-9);
  EXPECT_EQ(c.points, static_cast<int>(pts.size()));
}

TEST(CollectiveFit, SplitsProtocolRegimesAndStaysAccurateBelowOneMegabyte) {
  // A low-latency protocol below 256 KB (8 us, 40 GB/s) and a bandwidth protocol above (30 us, 400 GB/s), as NCCL's
  // LL and Simple protocols behave; a single alpha-beta line cannot follow both.
  std::vector<CollectivePoint> pts;
  const double f = CollectiveModel::bus_factor(CollOp::all_gather, 8);
  for (double b = 1024; b <= 4.0 * (1 << 30); b *= 2) {
    const double t = b < 256 * 1024 ? 8e-6 + f * b / 40e9 : 30e-6 + f * b / 400e9;
    pts.push_back(point("all_gather", 8, b, t));
  }
  const CollectiveCurve c = fit_collective(pts);
  EXPECT_GE(c.regimes.size(), 2u);
  const FitAccuracy a = accuracy(residuals(c, pts));
  EXPECT_GT(a.n_small, 5);
  EXPECT_LE(a.mae_small, 0.15);
  EXPECT_LE(a.mae_large, 0.05);
  // Regime boundaries sit between measured sizes, and the curve continues past both ends.
  EXPECT_GT(c.time(16.0 * (1 << 30), f * 16.0 * (1 << 30)), c.time(4.0 * (1 << 30), f * 4.0 * (1 << 30)));
  EXPECT_GT(c.time(64, f * 64), 0);
}

TEST(CollectiveFit, GroupsByOpScopeAndRanksDeterministically) {
  std::vector<CollectivePoint> pts;
  for (double b = 1 << 20; b <= 1 << 26; b *= 2) {
    pts.push_back(point("send_recv", 8, b, 10e-6 + b / 150e9));
    pts.push_back(point("all_reduce", 4, b, 10e-6 + 1.5 * b / 200e9));
    pts.push_back(point("all_reduce", 8, b, 12e-6 + 1.75 * b / 220e9));
  }
  const auto curves = fit_collectives(pts);
  ASSERT_EQ(curves.size(), 3u);
  EXPECT_EQ(curves[0].op, "all_reduce");
  EXPECT_EQ(curves[0].ranks, 4);
  EXPECT_EQ(curves[1].ranks, 8);
  EXPECT_EQ(curves[2].op, "send_recv");
  EXPECT_NEAR(curves[2].regimes[0].busbw.value / 150e9, 1, 1e-9);
}

TEST(CollectiveFit, RejectsBadInput) {
  EXPECT_THROW(fit_collective({}), Error);
  EXPECT_THROW(parse_coll_op("broadcast"), Error);
  std::vector<CollectivePoint> dup = {point("all_reduce", 8, 1 << 20, 1e-5), point("all_reduce", 8, 1 << 20, 2e-5)};
  EXPECT_THROW(fit_collective(dup), Error);
}

// The fitted curve is what CollectiveModel uses inside a node; the scenario's scale-up bandwidth still caps it.
TEST(CollectiveFit, CollectiveModelUsesFittedCurves) {
  const Scenario sc = parse_scenario(default_scenario_json());
  CalibrationProfile prof = load_profile("", sc.cluster.gpu, ".");
  const GroupPlacement g{8, 8, 1};
  const double bytes = 64.0 * (1 << 20);
  const double before = CollectiveModel(sc.cluster, prof).time(CollOp::all_reduce, bytes, g);
  CollectiveCurve c;
  c.op = "all_reduce", c.scope = "nvlink", c.ranks = 8, c.nodes = 1;
  c.regimes = {{0, Seconds(10e-6), Bandwidth(100e9)}};
  prof.collective_curves.push_back(c);
  const double after = CollectiveModel(sc.cluster, prof).time(CollOp::all_reduce, bytes, g);
  EXPECT_NEAR(after, 10e-6 + 1.75 * bytes / 100e9, 1e-12);
  EXPECT_NE(before, after);
  // Other ops keep the profile's scalar alpha-beta.
  EXPECT_DOUBLE_EQ(CollectiveModel(sc.cluster, prof).time(CollOp::all_gather, bytes, g),
                   CollectiveModel(sc.cluster, load_profile("", sc.cluster.gpu, ".")).time(CollOp::all_gather, bytes, g));
  // Below the smallest measured size the curve is not trusted: the scalar alpha-beta applies there.
  prof.collective_curves.back().measured_from = 2 * bytes;
  EXPECT_DOUBLE_EQ(CollectiveModel(sc.cluster, prof).time(CollOp::all_reduce, bytes, g), before);
  prof.collective_curves.back().measured_from = 0;
  // A curve faster than the scale-up fabric is capped at the fabric's bandwidth.
  prof.collective_curves.back().regimes[0].busbw = Bandwidth(1e15);
  const double capped = CollectiveModel(sc.cluster, prof).time(CollOp::all_reduce, bytes, g);
  EXPECT_NEAR(capped, 10e-6 + 1.75 * bytes / sc.cluster.scale_up.bandwidth.value, 1e-12);
}

// Swapping in a profile whose NVLink collectives are slower makes the predicted step longer, and a faster one shorter.
TEST(CollectiveFit, SwappingTheProfileMovesStepTimeTheExpectedWay) {
  const Scenario sc = parse_scenario(default_scenario_json());
  ASSERT_GT(sc.plan.tp, 1) << "the default scenario must have tensor parallelism inside a node";
  const CalibrationProfile base = load_profile(sc.calibration, sc.cluster.gpu, ".");
  auto with_busbw = [&](double busbw) {
    CalibrationProfile p = base;
    for (const char* op : {"all_reduce", "all_gather", "reduce_scatter", "all_to_all", "send_recv"}) {
      CollectiveCurve c;
      c.op = op, c.scope = "nvlink", c.ranks = 8, c.nodes = 1;
      c.regimes = {{0, base.nvlink.latency, Bandwidth(busbw)}};
      p.collective_curves.push_back(c);
    }
    return simulate_analytic(sc, p).step_time_s;
  };
  const double slow = with_busbw(50e9), mid = with_busbw(150e9), fast = with_busbw(300e9);
  EXPECT_GT(slow, mid);
  EXPECT_GT(mid, fast);
}

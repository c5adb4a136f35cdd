#include "topology/analysis.hpp"

#include <gtest/gtest.h>

#include "tests/topology/cluster_fixtures.hpp"
#include "topology/builder.hpp"

namespace aiscale::topology {
namespace {

using testing::dgx_a100;
using testing::dgx_h100;
using testing::hosts;

constexpr double kNic = 50e9;  // 400 Gb/s in bytes/s

// Max-flow on the graph, the tier cut and the closed form must all agree.
void expect_bisection(const Topology& t, double expected) {
  const auto sides = bisection_sides(t);
  // Max-flow runs on integer bytes/s, so allow the rounding of fractional link rates.
  const double tol = expected * 1e-9;
  EXPECT_NEAR(bisection_max_flow(t, sides), expected, tol);
  EXPECT_NEAR(bisection_tier_cut(t, sides), expected, tol);
  const auto closed = bisection_closed_form(t);
  ASSERT_TRUE(closed.has_value());
  EXPECT_NEAR(*closed, expected, tol);
}

TEST(Bisection, NonBlockingFatTreesMatchClosedForm) {
  expect_bisection(build_topology(hosts(32, "fat-tree", 8, 2)), 16 * kNic);  // k^2/2 hosts, half send at full rate
  expect_bisection(build_topology(hosts(16, "fat-tree", 4, 3)), 8 * kNic);
  expect_bisection(build_topology(hosts(128, "fat-tree", 8, 3)), 64 * kNic);  // k^3/4
  expect_bisection(build_topology(dgx_h100(128)), 512 * kNic);                // SuperPOD, 4 SUs
}

TEST(Bisection, TwoToOneOversubscriptionHalvesIt) {
  const Topology full = build_topology(hosts(32, "fat-tree", 8, 2, 1.0));
  const Topology over = build_topology(hosts(32, "fat-tree", 8, 2, 2.0));
  const auto a = bisection(full, BisectionMethod::MaxFlow);
  const auto b = bisection(over, BisectionMethod::MaxFlow);
  EXPECT_DOUBLE_EQ(b.bandwidth, a.bandwidth / 2);
  EXPECT_DOUBLE_EQ(b.ratio(), 0.5);
  expect_bisection(over, 8 * kNic);
  // Radix 64 at 2:1 puts 42 hosts and 21 uplinks on a leaf.
  const Topology big = build_topology(hosts(168, "fat-tree", 64, 2, 2.0));
  EXPECT_DOUBLE_EQ(bisection(big, BisectionMethod::MaxFlow).ratio(), 0.5);
  // Oversubscribing the spine tier of a 3-tier tree as well: 1/2 x 1/2 for traffic between pods.
  ClusterSpec both = hosts(128, "fat-tree", 8, 3, 1.0);
  both.scale_out.spine_oversubscription = 2.0;
  const Topology t = build_topology(both);
  EXPECT_DOUBLE_EQ(bisection(t, BisectionMethod::MaxFlow).bandwidth, bisection_tier_cut(t, bisection_sides(t)));
  EXPECT_DOUBLE_EQ(bisection(t, BisectionMethod::MaxFlow).bandwidth, *bisection_closed_form(t));
}

TEST(Bisection, DragonflyAndTorusMatchClosedForm) {
  ClusterSpec df = hosts(64, "dragonfly", 7);
  df.scale_out.dragonfly_groups = 8;
  df.scale_out.routers_per_group = 4;
  df.scale_out.global_links_per_router = 2;
  expect_bisection(build_topology(df), 16 * kNic);  // (g/2)^2 = 16 global links cross
  ClusterSpec torus = hosts(16, "torus", 0);
  torus.scale_out.torus_dims = "4x4";
  expect_bisection(build_topology(torus), 8 * kNic / 4);  // 2N/k = 8 links of NIC/4 each
  torus.nodes = 64;
  torus.scale_out.torus_dims = "4x8x2";
  expect_bisection(build_topology(torus), 2.0 * 64 / 8 * kNic / 6);
}

TEST(Bisection, SingleNodeIsTheNvSwitchDomain) {
  const Topology t = build_topology(dgx_h100(1));
  expect_bisection(t, 4 * 450e9);
}

TEST(Bisection, AutoSwitchesToTierCutForLargeGraphs) {
  const Topology t = build_topology(dgx_h100(128));
  EXPECT_EQ(bisection(t, BisectionMethod::Auto, 100).method, "tier-cut");
  EXPECT_EQ(bisection(t, BisectionMethod::Auto).method, "max-flow");
}

TEST(Analysis, CountsCablesAndBandwidthPerTier) {
  const Analysis a = analyse(build_topology(dgx_h100(128)));
  EXPECT_EQ(a.gpus, 1024);
  bool saw_access = false, saw_spine = false;
  for (const TierStats& t : a.tiers) {
    EXPECT_EQ(t.transceivers, 2 * t.optical);
    if (t.tier == LinkTier::NvLink) {
      EXPECT_EQ(t.board, t.links);  // on the HGX baseboard
      EXPECT_DOUBLE_EQ(t.per_gpu, 450e9);
    }
    if (t.tier == LinkTier::Access) {
      saw_access = true;
      EXPECT_EQ(t.links, 1024);
      EXPECT_EQ(t.optical, 1024);  // rail leaves sit outside the node racks
      EXPECT_DOUBLE_EQ(t.per_gpu, kNic);
    }
    if (t.tier == LinkTier::LeafSpine) {
      saw_spine = true;
      EXPECT_EQ(t.links, 1024);  // 32 leaves x 32 uplinks
      EXPECT_EQ(t.optical, 1024);
    }
  }
  EXPECT_TRUE(saw_access && saw_spine);
  EXPECT_EQ(a.transceivers, 2 * (1024 + 1024));
  EXPECT_DOUBLE_EQ(a.leaf_oversubscription, 1.0);
  EXPECT_DOUBLE_EQ(a.bisection.ratio(), 1.0);
  // Plain fat-tree: NICs reach a top-of-rack leaf over copper.
  const Analysis p = analyse(build_topology(dgx_h100(16, "fat-tree")));
  for (const TierStats& t : p.tiers) {
    if (t.tier == LinkTier::Access) {
      EXPECT_EQ(t.copper, t.links);
    }
  }
}

TEST(Analysis, HopCountsAndDiameter) {
  const HopStats two = hop_stats(build_topology(dgx_h100(64)));
  EXPECT_EQ(two.diameter, 6);           // GPU-NIC-leaf-spine-leaf-NIC-GPU
  EXPECT_EQ(two.diameter_switches, 3);  // leaf, spine, leaf
  EXPECT_FALSE(two.exact);
  const HopStats three = hop_stats(build_topology(hosts(16, "fat-tree", 4, 3)));
  EXPECT_TRUE(three.exact);
  EXPECT_EQ(three.diameter, 8);
  EXPECT_EQ(three.diameter_switches, 5);
  // Mean over the 15 peers of a host: 1 on its leaf (4 links), 2 in its pod (6), 12 elsewhere (8).
  EXPECT_NEAR(three.mean, (1 * 4 + 2 * 6 + 12 * 8) / 15.0, 1e-12);
  ClusterSpec nvl = dgx_h100(1);
  nvl.gpus_per_node = 72;
  nvl.scale_up.kind = "nvl72";
  nvl.scale_up.domain_size = 72;
  const HopStats rack = hop_stats(build_topology(nvl));
  EXPECT_EQ(rack.diameter, 2);  // one NVSwitch hop between any two GPUs of the rack
  EXPECT_EQ(rack.diameter_switches, 1);
}

TEST(Analysis, DgxA100ThreeTierIsNonBlocking) {
  const Analysis a = analyse(build_topology(dgx_a100(128)));
  EXPECT_EQ(a.bisection.method, "max-flow");
  EXPECT_DOUBLE_EQ(a.bisection.ratio(), 1.0);
  EXPECT_EQ(a.hops.diameter, 8);
}

}  // namespace
}  // namespace aiscale::topology

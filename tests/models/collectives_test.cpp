#include <gtest/gtest.h>

#include "models/collectives.hpp"
#include "models/scenario.hpp"

using namespace aiscale;

namespace {
struct Env {
  Scenario sc = parse_scenario(default_scenario_json());
  CalibrationProfile prof = load_profile("", sc.cluster.gpu, ".");
};
}  // namespace

TEST(Collectives, PlacementFollowsMegatronRankOrder) {
  const GroupPlacement tp = place_group(8, 1, 8);
  EXPECT_EQ(tp.nodes, 1);
  EXPECT_EQ(tp.ranks_per_node, 8);
  const GroupPlacement dp = place_group(16, 8, 8);  // tp=8 fills the node: one DP rank per node
  EXPECT_EQ(dp.ranks_per_node, 1);
  EXPECT_EQ(dp.nodes, 16);
  const GroupPlacement dp2 = place_group(16, 2, 8);
  EXPECT_EQ(dp2.ranks_per_node, 4);
  EXPECT_EQ(dp2.nodes, 4);
}

TEST(Collectives, IntraNodeAllReduceIsAlphaBeta) {
  Env e;
  const CollectiveModel m(e.sc.cluster, e.prof);
  const double bytes = 1e9;
  const double t = m.time(CollOp::all_reduce, bytes, place_group(8, 1, 8));
  const double expected = e.prof.nvlink.latency.value + 2.0 * 7 / 8 * bytes / e.prof.nvlink.all_reduce_busbw.value;
  EXPECT_NEAR(t, expected, 1e-12);
  EXPECT_EQ(m.time(CollOp::all_reduce, bytes, place_group(1, 1, 8)), 0.0);
}

TEST(Collectives, CrossNodeIsSlowerAndScalesWithNic) {
  Env e;
  const CollectiveModel slow(e.sc.cluster, e.prof);
  const double intra = slow.time(CollOp::all_reduce, 1e9, place_group(8, 1, 8));
  const double inter = slow.time(CollOp::all_reduce, 1e9, place_group(8, 8, 8));
  EXPECT_GT(inter, 5 * intra);
  // One rank per node uses one 200 Gb/s rail: ~2 * 7/8 * 1 GB / 24 GB/s.
  EXPECT_NEAR(inter, 2.0 * 7 / 8 * 1e9 / (25e9 * e.prof.network.nic_efficiency), 0.01);
  ClusterSpec fast = e.sc.cluster;
  fast.scale_out.nic = Bandwidth(50e9);
  EXPECT_LT(CollectiveModel(fast, e.prof).time(CollOp::all_reduce, 1e9, place_group(8, 8, 8)), 0.55 * inter);
  ClusterSpec over = e.sc.cluster;
  over.scale_out.oversubscription = 2.0;
  EXPECT_GT(CollectiveModel(over, e.prof).time(CollOp::all_reduce, 1e9, place_group(8, 8, 8)), 1.9 * inter);
}

TEST(Collectives, BusFactors) {
  EXPECT_DOUBLE_EQ(CollectiveModel::bus_factor(CollOp::all_reduce, 4), 1.5);
  EXPECT_DOUBLE_EQ(CollectiveModel::bus_factor(CollOp::all_gather, 4), 0.75);
  EXPECT_DOUBLE_EQ(CollectiveModel::bus_factor(CollOp::send_recv, 2), 1.0);
}

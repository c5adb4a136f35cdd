#include "topology/routing.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/topology/cluster_fixtures.hpp"
#include "topology/builder.hpp"

namespace aiscale::topology {
namespace {

using testing::dgx_h100;
using testing::hosts;

bool uses(const Topology& t, const Path& p, VertexKind k) {
  for (Vertex v : p.vertices)
    if (t.props(v).kind == k) return true;
  return false;
}

TEST(Ecmp, TwoTierFatTreeHasOnePathPerSpine) {
  const Topology t = build_topology(hosts(8, "fat-tree", 4, 2));  // 4 leaves of 2 hosts, 2 spines
  Router r(t);
  EXPECT_EQ(r.all_paths(t.gpu(0), t.gpu(1)).size(), 1u);  // same leaf
  const auto paths = r.all_paths(t.gpu(0), t.gpu(2));
  ASSERT_EQ(paths.size(), 2u);
  std::set<Vertex> spines;
  for (const Path& p : paths) {
    EXPECT_EQ(p.hops(), 6);  // GPU-NIC-leaf-spine-leaf-NIC-GPU
    for (Vertex v : p.vertices)
      if (t.props(v).kind == VertexKind::Spine) spines.insert(v);
  }
  EXPECT_EQ(spines.size(), 2u);
}

TEST(Ecmp, ThreeTierFatTreeFindsAllEqualCostPaths) {
  const Topology t = build_topology(hosts(16, "fat-tree", 4, 3));  // Al-Fares k = 4
  Router r(t);
  // Hosts 0,1 on leaf 0; 2,3 on leaf 1 (same pod); 4.. in pod 1.
  EXPECT_EQ(r.all_paths(t.gpu(0), t.gpu(2)).size(), 2u);  // (k/2) aggregation switches
  const auto inter_pod = r.all_paths(t.gpu(0), t.gpu(15));
  EXPECT_EQ(inter_pod.size(), 4u);  // (k/2)^2 core switches
  std::set<std::vector<Vertex>> distinct;
  for (const Path& p : inter_pod) {
    EXPECT_EQ(p.hops(), 8);
    distinct.insert(p.vertices);
  }
  EXPECT_EQ(distinct.size(), 4u);
  // Next hops from the source leaf toward another pod: both aggregation switches.
  const Vertex leaf = inter_pod[0].vertices[2];
  EXPECT_EQ(r.next_hops(leaf, t.gpu(15)).size(), 2u);
}

TEST(Ecmp, SeededChoiceIsDeterministicAndSpreadsFlows) {
  const Topology t = build_topology(hosts(16, "fat-tree", 4, 3));
  Router a(t, 42), b(t, 42);
  std::set<std::vector<Vertex>> used;
  for (std::uint64_t flow = 0; flow < 64; ++flow) {
    const Path p = a.route(t.gpu(0), t.gpu(15), flow);
    EXPECT_EQ(p.vertices, b.route(t.gpu(0), t.gpu(15), flow).vertices);
    EXPECT_EQ(p.hops(), 8);
    used.insert(p.vertices);
  }
  EXPECT_EQ(used.size(), 4u);  // 64 flows hashed over 4 paths use them all
  Router c(t, 7);
  int differ = 0;
  for (std::uint64_t flow = 0; flow < 64; ++flow)
    differ += a.route(t.gpu(0), t.gpu(15), flow).vertices != c.route(t.gpu(0), t.gpu(15), flow).vertices;
  EXPECT_GT(differ, 0);
}

// Most flows of a shift permutation (every GPU i sends to i + shift) sharing one directed link.
int max_flows_per_link(const Topology& t, int shift, bool dmodk) {
  Router r(t, 3);
  const std::vector<std::uint64_t> keys = destination_keys(gpu_uplinks(t));
  const int n = static_cast<int>(t.gpus().size());
  std::map<std::pair<Vertex, Vertex>, int> load;
  int most = 0;
  for (int i = 0; i < n; ++i) {
    const int d = (i + shift) % n;
    const Path p = dmodk ? r.route_by_destination(t.gpu(i), t.gpu(d), keys[static_cast<size_t>(d)])
                         : r.route_gpus(i, d, static_cast<std::uint64_t>(i) * n + d);
    for (size_t k = 0; k + 1 < p.vertices.size(); ++k)
      most = std::max(most, ++load[{p.vertices[k], p.vertices[k + 1]}]);
  }
  return most;
}

// D-Mod-K (Zahavi 2010) routes every shift permutation on a full fat-tree without two flows on one link, which is
// why InfiniBand rings run at line rate; a per-flow hash puts some flows together.
TEST(DModK, ShiftPermutationsAreNonBlockingOnFullFatTrees) {
  for (const auto& [nodes, tiers] : {std::pair{32, 2}, std::pair{16, 3}}) {
    const Topology t = build_topology(hosts(nodes, "fat-tree", nodes == 32 ? 8 : 4, tiers));
    int ecmp_worst = 0;
    for (int shift = 1; shift < nodes; ++shift) {
      EXPECT_EQ(max_flows_per_link(t, shift, true), 1) << nodes << " hosts, shift " << shift;
      ecmp_worst = std::max(ecmp_worst, max_flows_per_link(t, shift, false));
    }
    EXPECT_GE(ecmp_worst, 2) << nodes << " hosts";
  }
}

TEST(DModK, DestinationKeysNumberNicsLeafByLeaf) {
  const Topology t = build_topology(hosts(8, "fat-tree", 4, 2));  // 4 leaves of 2 hosts
  const std::vector<std::uint64_t> keys = destination_keys(gpu_uplinks(t));
  EXPECT_EQ(keys, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  Router r(t);
  // One destination, one path from any source's leaf upward choice: both senders on leaf 0 pick the same spine.
  EXPECT_EQ(r.route_by_destination(t.gpu(0), t.gpu(5), keys[5]).vertices[3],
            r.route_by_destination(t.gpu(1), t.gpu(5), keys[5]).vertices[3]);
  EXPECT_NE(r.route_by_destination(t.gpu(0), t.gpu(4), keys[4]).vertices[3],
            r.route_by_destination(t.gpu(1), t.gpu(5), keys[5]).vertices[3]);
}

TEST(RailOptimized, SameRailTrafficStaysInTheRail) {
  const Topology t = build_topology(dgx_h100(64));  // 2 scalable units of 32 nodes
  Router r(t);
  for (int rail = 0; rail < 8; ++rail) {
    // Same scalable unit: one rail leaf, no spine.
    const Path p = r.route_gpus(0 * 8 + rail, 5 * 8 + rail);
    EXPECT_EQ(p.hops(), 4);  // GPU-NIC-leaf-NIC-GPU
    EXPECT_FALSE(uses(t, p, VertexKind::Spine));
    // Every equal-cost path between two nodes of the unit stays on the rail's leaf.
    for (const Path& q : r.all_paths(t.gpu(rail), t.gpu(31 * 8 + rail))) {
      for (Vertex v : q.vertices) {
        if (t.props(v).kind == VertexKind::Leaf) {
          EXPECT_EQ(t.props(v).local, rail);
        }
      }
      EXPECT_FALSE(uses(t, q, VertexKind::Spine));
    }
    // Another scalable unit: up through a spine, but only rail leaves of this rail.
    for (const Path& q : r.all_paths(t.gpu(rail), t.gpu(40 * 8 + rail))) {
      for (Vertex v : q.vertices) {
        if (t.props(v).kind == VertexKind::Leaf) {
          EXPECT_EQ(t.props(v).local, rail);
        }
      }
    }
  }
  // Different rails meet only at the spine.
  EXPECT_TRUE(uses(t, r.route_gpus(0, 5 * 8 + 1), VertexKind::Spine));
}

TEST(RailOptimized, PlainFatTreeSendsTheSameTrafficThroughSpines) {
  // Without rails, node 0 and node 5 sit on different leaves (4 nodes x 8 NICs fill a 32-port leaf).
  const Topology t = build_topology(dgx_h100(64, "fat-tree"));
  Router r(t);
  EXPECT_TRUE(uses(t, r.route_gpus(0, 5 * 8), VertexKind::Spine));
  EXPECT_FALSE(uses(t, r.route_gpus(0, 3 * 8), VertexKind::Spine));  // same leaf
}

TEST(Routing, GpusNeverForward) {
  const Topology t = build_topology(dgx_h100(4));
  Router r(t);
  for (int dst : {1, 9, 31}) {
    for (const Path& p : r.all_paths(t.gpu(0), t.gpu(dst)))
      for (size_t i = 1; i + 1 < p.vertices.size(); ++i) EXPECT_NE(t.props(p.vertices[i]).kind, VertexKind::Gpu);
  }
  // Inside a node: GPU-NVSwitch-GPU, one path per NVSwitch chip.
  const auto local = r.all_paths(t.gpu(0), t.gpu(1));
  EXPECT_EQ(local.size(), 4u);
  EXPECT_EQ(local[0].hops(), 2);
  EXPECT_DOUBLE_EQ(local[0].bandwidth, 450e9 / 4);
}

TEST(Routing, PathLatencyAddsLinkLatencies) {
  const Topology t = build_topology(hosts(8, "fat-tree", 4, 2));
  Router r(t);
  const Path p = r.route_gpus(0, 2);
  EXPECT_NEAR(p.latency, 4 * 2e-6, 1e-12);  // four switch-port links at 2 us; GPU-NIC adds none
  EXPECT_DOUBLE_EQ(p.bandwidth, 50e9);
}

}  // namespace
}  // namespace aiscale::topology

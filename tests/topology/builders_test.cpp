#include <gtest/gtest.h>

#include <set>
#include <string>

#include "models/error.hpp"
#include "tests/topology/cluster_fixtures.hpp"
#include "topology/builder.hpp"
#include "topology/dragonfly.hpp"
#include "topology/fat_tree.hpp"

namespace aiscale::topology {
namespace {

using testing::dgx_a100;
using testing::dgx_h100;
using testing::hosts;

size_t count(const Topology& t, VertexKind k) { return t.vertices(k).size(); }

// Expects build_topology to throw aiscale::Error naming `path`.
void expect_error(const ClusterSpec& c, const std::string& path) {
  try {
    build_topology(c);
    ADD_FAILURE() << "expected an error at " << path;
  } catch (const Error& e) {
    EXPECT_EQ(e.path(), path) << e.what();
    EXPECT_FALSE(e.message().empty());
  }
}

TEST(FatTree, PortSplitKeepsTheRatio) {
  EXPECT_EQ(split_ports(64, 1.0).down, 32);
  EXPECT_EQ(split_ports(64, 1.0).up, 32);
  EXPECT_EQ(split_ports(64, 2.0).down, 42);
  EXPECT_EQ(split_ports(64, 2.0).up, 21);
  EXPECT_EQ(split_ports(64, 3.0).down, 48);
  EXPECT_EQ(split_ports(64, 3.0).up, 16);
}

TEST(FatTree, ClosedFormEndpointCounts) {
  // Al-Fares et al. 2008: k^2/2 endpoints at 2 tiers, k^3/4 at 3.
  for (int k : {4, 8, 16, 40, 64}) {
    EXPECT_EQ(fat_tree_max_endpoints(k, 2), static_cast<std::int64_t>(k) * k / 2);
    EXPECT_EQ(fat_tree_max_endpoints(k, 3), static_cast<std::int64_t>(k) * k * k / 4);
  }
  EXPECT_EQ(fat_tree_max_endpoints(64, 3), 65536);
}

TEST(FatTree, TwoTierNonBlockingServesHalfKSquared) {
  const Topology t = build_topology(hosts(32, "fat-tree", 8, 2));  // k^2/2 = 32
  EXPECT_EQ(t.fabric().tiers, 2);
  EXPECT_EQ(count(t, VertexKind::Leaf), 8u);   // k leaves of k/2 hosts
  EXPECT_EQ(count(t, VertexKind::Spine), 4u);  // k/2 spines of k ports
  expect_error(hosts(33, "fat-tree", 8, 2), "cluster.scale_out.tiers");
}

TEST(FatTree, ThreeTierRadix4MatchesAlFares) {
  const Topology t = build_topology(hosts(16, "fat-tree", 4, 3));  // k^3/4 = 16
  EXPECT_EQ(count(t, VertexKind::Leaf), 8u);                       // k pods x k/2 edge switches
  EXPECT_EQ(count(t, VertexKind::Spine), 8u);                      // k pods x k/2 aggregation switches
  EXPECT_EQ(count(t, VertexKind::Core), 4u);                       // (k/2)^2
  EXPECT_EQ(t.fabric().pods, 4);
}

TEST(FatTree, ThreeTierRadix64Serves65536) {
  const Topology t = build_topology(hosts(65536, "fat-tree", 64));
  EXPECT_EQ(t.fabric().tiers, 3);
  EXPECT_EQ(t.fabric().endpoints, 65536);
  EXPECT_EQ(count(t, VertexKind::Leaf), 2048u);  // k^2/2
  EXPECT_EQ(count(t, VertexKind::Spine), 2048u);
  EXPECT_EQ(count(t, VertexKind::Core), 1024u);  // (k/2)^2
  expect_error(hosts(65537, "fat-tree", 64), "cluster.scale_out.switch_radix");
}

TEST(FatTree, AutoTiersPicksTheFewestThatFit) {
  EXPECT_EQ(build_topology(hosts(60, "fat-tree", 64)).fabric().tiers, 1);
  EXPECT_EQ(build_topology(hosts(2048, "fat-tree", 64)).fabric().tiers, 2);
  EXPECT_EQ(build_topology(hosts(2049, "fat-tree", 64)).fabric().tiers, 3);
}

TEST(FatTree, RailOptimizedMatchesSuperPodReference) {
  // NVIDIA DGX SuperPOD (H100) reference architecture: 4 scalable units of 32 nodes, 32 leaf + 16 spine QM9700.
  const Topology t = build_topology(dgx_h100(128));
  EXPECT_EQ(t.fabric().tiers, 2);
  EXPECT_EQ(t.fabric().scalable_unit_nodes, 32);
  EXPECT_EQ(count(t, VertexKind::Leaf), 32u);
  EXPECT_EQ(count(t, VertexKind::Spine), 16u);
  EXPECT_EQ(count(t, VertexKind::Nic), 1024u);
  // NIC j of every node goes to the rail-j leaf of its scalable unit.
  for (int n : {0, 31, 32, 127})
    for (int j = 0; j < 8; ++j) {
      const Vertex nic = t.node_nics(n)[static_cast<size_t>(j)];
      const auto [e, end] = boost::out_edges(nic, t.graph());
      std::set<int> rails;
      for (auto it = e; it != end; ++it) {
        const Vertex v = boost::target(*it, t.graph());
        if (t.props(v).kind == VertexKind::Leaf) {
          rails.insert(t.props(v).local);
          EXPECT_EQ(t.props(v).index, (n / 32) * 8 + j);
        }
      }
      EXPECT_EQ(rails, std::set<int>{j});
    }
}

TEST(FatTree, DgxA100With128NodesNeedsThreeTiersOfRadix40) {
  const Topology t = build_topology(dgx_a100(128));
  EXPECT_EQ(t.fabric().tiers, 3);  // 2 tiers of radix 40 serve at most 800 NIC ports (5 SUs x 8 rails x 20)
  ClusterSpec c = dgx_a100(128);
  c.scale_out.tiers = 2;
  expect_error(c, "cluster.scale_out.tiers");
}

TEST(ScaleUp, HgxNodeHasNvSwitchesPerGeneration) {
  const Topology h = build_topology(dgx_h100(2));
  EXPECT_EQ(count(h, VertexKind::NvSwitch), 8u);  // 4 per DGX H100
  const Topology a = build_topology(dgx_a100(2));
  EXPECT_EQ(count(a, VertexKind::NvSwitch), 12u);  // 6 per DGX A100
  // Each GPU's NVLink bundles add up to its per-direction NVLink bandwidth.
  double sum = 0;
  for (auto [e, end] = boost::out_edges(h.gpu(3), h.graph()); e != end; ++e)
    if (h.props(*e).tier == LinkTier::NvLink) sum += h.props(*e).capacity();
  EXPECT_DOUBLE_EQ(sum, 450e9);
}

TEST(ScaleUp, Nvl72IsOneNvLinkDomain) {
  ClusterSpec c = dgx_h100(1);
  c.gpus_per_node = 72;
  c.scale_up.kind = "nvl72";
  c.scale_up.domain_size = 72;
  c.scale_up.bandwidth = Bandwidth(900e9);
  c.scale_out.nics_per_node = 72;
  const Topology t = build_topology(c);
  EXPECT_EQ(count(t, VertexKind::Gpu), 72u);
  EXPECT_EQ(count(t, VertexKind::NvSwitch), 18u);  // 9 switch trays x 2 chips
  for (Vertex g : t.gpus()) EXPECT_EQ(t.props(g).group, 0);
  // Every GPU reaches all 18 switch chips, so any two GPUs are one switch apart.
  for (Vertex g : t.gpus()) EXPECT_EQ(boost::out_degree(g, t.graph()), 18u);
  for (Vertex s : t.vertices(VertexKind::NvSwitch)) EXPECT_EQ(boost::out_degree(s, t.graph()), 72u);
  c.nodes = 4;  // four racks: four domains joined by the scale-out network
  c.scale_out.topology = "fat-tree";
  const Topology r = build_topology(c);
  EXPECT_EQ(count(r, VertexKind::NvSwitch), 72u);
  EXPECT_EQ(r.props(r.gpu(71)).group, 0);
  EXPECT_EQ(r.props(r.gpu(72)).group, 1);
}

TEST(ScaleUp, PcieNodeHasNoNvLink) {
  ClusterSpec c = dgx_h100(2, "fat-tree");
  c.scale_up.kind = "pcie";
  c.scale_up.bandwidth = Bandwidth(32e9);
  c.scale_out.nics_per_node = 4;
  const Topology t = build_topology(c);
  EXPECT_EQ(count(t, VertexKind::NvSwitch), 0u);
  EXPECT_EQ(count(t, VertexKind::PcieSwitch), 2u);
  EXPECT_EQ(count(t, VertexKind::Nic), 8u);
}

TEST(Dragonfly, BalancedShapeFromRadix) {
  ClusterSpec c = hosts(72, "dragonfly", 7);
  c.scale_out.dragonfly_groups = 9;  // a*h + 1 with a = 4, h = 2: the largest one-link-per-pair dragonfly
  c.scale_out.routers_per_group = 4;
  c.scale_out.global_links_per_router = 2;
  const Topology t = build_topology(c);
  EXPECT_EQ(t.fabric().groups, 9);
  EXPECT_EQ(t.fabric().hosts_per_router, 2);
  EXPECT_EQ(count(t, VertexKind::Router), 36u);
  EXPECT_EQ(t.fabric().global_links_per_group_pair, 1);
  EXPECT_EQ(dragonfly_max_groups(4, 2), 9);
  // Every router uses exactly h = 2 global links.
  for (Vertex r : t.vertices(VertexKind::Router)) {
    int global = 0;
    for (auto [e, end] = boost::out_edges(r, t.graph()); e != end; ++e)
      if (t.props(*e).tier == LinkTier::DragonflyGlobal) global += t.props(*e).count;
    EXPECT_EQ(global, 2);
  }
  // Auto shape from the radix alone.
  const Topology a = build_topology(hosts(200, "dragonfly", 15));
  EXPECT_EQ(a.fabric().global_links_per_router, 4);
  EXPECT_EQ(a.fabric().routers_per_group, 8);
}

TEST(Torus, NeighbourLinks) {
  ClusterSpec c = hosts(64, "torus", 0);
  c.scale_out.torus_dims = "4x4x4";
  const Topology t = build_topology(c);
  EXPECT_EQ(count(t, VertexKind::TorusRouter), 64u);
  for (Vertex r : t.vertices(VertexKind::TorusRouter)) EXPECT_EQ(boost::out_degree(r, t.graph()), 7u);  // 6 + NIC
  c.scale_out.torus_dims = "2x8";
  c.nodes = 16;
  const Topology s = build_topology(c);
  EXPECT_EQ(s.num_edges(), 16u /*GPU-NIC*/ + 16u /*NIC-router*/ + 8u /*dim 0 of size 2*/ + 16u /*dim 1*/);
}

TEST(InvalidShapes, ThrowWithFieldPath) {
  expect_error(hosts(65537, "fat-tree", 64), "cluster.scale_out.switch_radix");
  expect_error(hosts(100, "fat-tree", 64, 0, 0.5), "cluster.scale_out.oversubscription");
  ClusterSpec spine = hosts(100, "fat-tree", 64, 3);
  spine.scale_out.spine_oversubscription = 0.9;
  expect_error(spine, "cluster.scale_out.spine_oversubscription");
  expect_error(hosts(4, "fat-tree", 8, 4), "cluster.scale_out.tiers");
  expect_error(hosts(4, "fat-tre", 8), "cluster.scale_out.topology");
  ClusterSpec df = hosts(40, "dragonfly", 16);
  df.scale_out.dragonfly_groups = 5;
  df.scale_out.routers_per_group = 2;
  df.scale_out.global_links_per_router = 1;  // a*h + 1 = 3 < 5
  expect_error(df, "cluster.scale_out.dragonfly_groups");
  df.scale_out.dragonfly_groups = 2;  // fits the pairing, but 40 hosts on 4 routers need 10 ports each
  df.scale_out.switch_radix = 8;
  expect_error(df, "cluster.scale_out.dragonfly_groups");
  ClusterSpec torus = hosts(15, "torus", 0);
  torus.scale_out.torus_dims = "4x4";
  expect_error(torus, "cluster.scale_out.torus_dims");
  torus.scale_out.torus_dims = "4by4";
  expect_error(torus, "cluster.scale_out.torus_dims");
  ClusterSpec nvl = dgx_h100(1);
  nvl.gpus_per_node = 36;
  nvl.scale_up.kind = "nvl72";
  nvl.scale_up.domain_size = 72;
  expect_error(nvl, "cluster.scale_up.domain_size");
  ClusterSpec cabling = dgx_h100(2);
  cabling.scale_out.leaf_cabling = "fiber";
  expect_error(cabling, "cluster.scale_out.leaf_cabling");
  ClusterSpec zero = dgx_h100(0);
  expect_error(zero, "cluster.nodes");
}

// check_topology runs every shape check without building the graph (the analytic engine uses it), so it must
// reject what build_topology rejects, and do so before allocating: 8000 NICs per node on 2,016 nodes.
TEST(InvalidShapes, CheckedWithoutBuilding) {
  auto expect_check_error = [](const ClusterSpec& c, const std::string& path) {
    try {
      check_topology(c);
      ADD_FAILURE() << "no error for " << path;
    } catch (const Error& e) {
      EXPECT_EQ(e.path(), path) << e.what();
    }
  };
  expect_check_error(hosts(65537, "fat-tree", 64), "cluster.scale_out.switch_radix");
  expect_check_error(hosts(4, "fat-tree", 8, 4), "cluster.scale_out.tiers");
  expect_check_error(hosts(100, "fat-tree", 40, 0, 1024), "cluster.scale_out.oversubscription");
  ClusterSpec torus = hosts(15, "torus", 0);
  torus.scale_out.torus_dims = "4x4";
  expect_check_error(torus, "cluster.scale_out.torus_dims");
  ClusterSpec many = dgx_h100(2016);
  many.scale_out.nics_per_node = 8000;
  expect_check_error(many, "cluster.scale_out.nics_per_node");
  // One node whose NVLink domains split it: no fabric joins the domains, so GPUs cannot reach each other.
  ClusterSpec split = dgx_h100(1);
  split.scale_up.domain_size = 1;
  expect_check_error(split, "cluster.scale_up.domain_size");
  EXPECT_THROW(build_topology(split), Error);
  EXPECT_NO_THROW(check_topology(dgx_h100(4)));
}

TEST(InvalidShapes, RadixErrorSuggestsASize) {
  try {
    build_topology(hosts(65537, "fat-tree", 64));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("switch_radix >= 65"), std::string::npos) << e.message();
  }
}

}  // namespace
}  // namespace aiscale::topology

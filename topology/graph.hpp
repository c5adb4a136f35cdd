#pragma once
// The cluster graph: typed vertices (GPUs, switches, NICs, routers) joined by full-duplex links in Boost.Graph.
#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "models/cluster.hpp"

namespace aiscale::topology {

enum class VertexKind : std::uint8_t { Gpu, NvSwitch, PcieSwitch, Nic, Leaf, Spine, Core, Router, TorusRouter };

// Physical medium: Board = traces or PCIe inside one chassis (no cable); Copper = DAC or NVLink spine; Optical =
// fibre with a transceiver at each end.
enum class Medium : std::uint8_t { Board, Copper, Optical };

// Which layer of the network a link belongs to; analyses aggregate per tier.
enum class LinkTier : std::uint8_t {
  NvLink,           // GPU to NVSwitch
  Pcie,             // GPU to NIC or to a PCIe switch
  Access,           // NIC to leaf, dragonfly router or torus router
  LeafSpine,        // fat-tree tier 1 -> 2
  SpineCore,        // fat-tree tier 2 -> 3
  DragonflyLocal,   // router to router inside a group
  DragonflyGlobal,  // router to router between groups
  Torus             // torus neighbour links
};

inline constexpr int kLinkTierCount = 8;

struct VertexProps {
  VertexKind kind = VertexKind::Gpu;
  std::int32_t index = 0;   // index among vertices of the same kind
  std::int32_t node = -1;   // compute node for GPUs, NICs and in-node switches; -1 for fabric switches
  std::int32_t local = -1;  // index inside the node (GPU, NIC) or the domain (NVSwitch)
  std::int32_t group = -1;  // pod (leaf, spine), rail (leaf in rail-optimized), dragonfly group, NVLink domain
};

// One or more identical parallel physical links between two vertices; each direction carries `bandwidth` per link.
struct LinkProps {
  double bandwidth = 0;  // bytes/s per physical link, one direction
  double latency = 0;    // seconds
  std::int32_t count = 1;
  Medium medium = Medium::Board;
  LinkTier tier = LinkTier::NvLink;
  double capacity() const { return bandwidth * count; }
};

// Undirected graph: each edge is a full-duplex bundle, the natural unit for cabling and ECMP next hops.
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, VertexProps, LinkProps>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
using Edge = boost::graph_traits<Graph>::edge_descriptor;

// How the scale-out fabric was sized; the analyses and the bill of materials read it.
struct FabricShape {
  std::string kind = "none";  // "none", "fat-tree", "rail-optimized", "dragonfly", "torus"
  int tiers = 0;              // fat-tree tiers built
  int radix = 0;
  int endpoints = 0;                 // NIC ports attached to the fabric
  int leaf_down = 0, leaf_up = 0;    // ports per leaf (fat-tree)
  int spine_down = 0, spine_up = 0;  // ports used per spine (largest pod)
  int pods = 0, pod_leaves = 0, spines_per_pod = 0, core_groups = 0, cores_per_group = 0;
  int scalable_unit_nodes = 0;  // rail-optimized: nodes per scalable unit (one leaf per rail)
  // dragonfly
  int groups = 0, routers_per_group = 0, hosts_per_router = 0, global_links_per_router = 0,
      global_links_per_group_pair = 0;
  std::vector<int> torus_dims;
  double nic_bandwidth = 0;  // bytes/s per NIC, one direction
};

// A built cluster: the graph plus the inputs and indexes other modules need.
class Topology {
 public:
  Topology() = default;
  explicit Topology(ClusterSpec spec) : spec_(std::move(spec)) {}

  const Graph& graph() const { return g_; }
  const ClusterSpec& spec() const { return spec_; }
  const FabricShape& fabric() const { return fabric_; }
  FabricShape& fabric() { return fabric_; }

  // Adds a vertex and records it in the per-kind index.
  Vertex add_vertex(VertexKind kind, int node = -1, int local = -1, int group = -1);
  // Adds a bundle of `count` identical links between a and b.
  Edge add_link(Vertex a, Vertex b, double bandwidth, double latency, Medium medium, LinkTier tier, int count = 1);

  // Vertices of one kind, in creation order (GPU i is gpus()[i], numbered node-major).
  const std::vector<Vertex>& vertices(VertexKind kind) const { return by_kind_[static_cast<int>(kind)]; }
  const std::vector<Vertex>& gpus() const { return vertices(VertexKind::Gpu); }
  Vertex gpu(int i) const { return gpus().at(static_cast<size_t>(i)); }
  // The NICs of a node, in local order (empty for a single-node cluster).
  const std::vector<Vertex>& node_nics(int node) const;
  const VertexProps& props(Vertex v) const { return g_[v]; }
  const LinkProps& props(Edge e) const { return g_[e]; }
  // Mutable link, for builders that merge parallel links into one bundle.
  LinkProps& mutable_props(Edge e) { return g_[e]; }
  size_t num_vertices() const { return boost::num_vertices(g_); }
  size_t num_edges() const { return boost::num_edges(g_); }

  // Stable, unique vertex name: gpu12, nvsw3.1, pcie2, nic5.3, leaf7, spine4, core0, router2.5, torus9.
  std::string name(Vertex v) const;

 private:
  ClusterSpec spec_;
  Graph g_;
  FabricShape fabric_;
  std::vector<Vertex> by_kind_[9];
  std::vector<std::vector<Vertex>> node_nics_;
};

std::string to_string(VertexKind k);
std::string to_string(Medium m);
std::string to_string(LinkTier t);
// Human label for a tier in tables: "GPU-NVSwitch (NVLink)", "leaf-spine", ...
std::string tier_label(LinkTier t);
// Tier of the hierarchy a vertex sits at: GPU 0, in-node devices 1, leaf/router 2, spine 3, core 4.
int vertex_level(VertexKind k);
bool is_switch(VertexKind k);

}  // namespace aiscale::topology

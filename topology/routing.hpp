#pragma once
// Shortest-path routing with ECMP over the cluster graph: all equal-cost next hops, and a deterministic per-flow
// choice among them from a seed (the role a switch's ECMP hash plays).
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "topology/graph.hpp"

namespace aiscale::topology {

// A route: vertices from source to destination and the links between them.
struct Path {
  std::vector<Vertex> vertices;
  std::vector<Edge> edges;
  double latency = 0;    // sum of link latencies, seconds
  double bandwidth = 0;  // bottleneck bundle capacity, bytes/s one direction
  int hops() const { return static_cast<int>(edges.size()); }
};

// How a GPU leaves its node when it has exactly one NIC with exactly one fabric link: that NIC and the switch it
// plugs into (vertex ids); -1 otherwise.
struct GpuUplink {
  int nic = -1, access = -1;
};
std::vector<GpuUplink> gpu_uplinks(const Topology& topo);

// D-Mod-K destination numbers (route_by_destination's key) of the GPUs, from their uplinks: switches numbered in
// order of their first GPU, times the most NICs on one switch, plus the NIC's place on its switch; a GPU without a
// single uplink is numbered by its index.
std::vector<std::uint64_t> destination_keys(const std::vector<GpuUplink>& uplinks);

// Routes by hop count; GPUs are endpoints only, never transit (GPU-to-GPU forwarding such as NCCL's PXN is a
// collective-library decision, modelled above the network).
class Router {
 public:
  explicit Router(const Topology& topo, std::uint64_t seed = 0, size_t cache_size = 64);

  // Links on a shortest path from src to dst; -1 when dst cannot be reached.
  int hops(Vertex src, Vertex dst);
  // Every neighbour of `at` that lies on a shortest path to dst, in ascending vertex order.
  std::vector<Vertex> next_hops(Vertex at, Vertex dst);
  // All shortest paths from src to dst (at most `limit`), in lexicographic vertex order.
  std::vector<Path> all_paths(Vertex src, Vertex dst, size_t limit = 4096);
  // The path of flow `flow`: at each vertex the next hop is picked by hashing (seed, flow, vertex), weighted by the
  // number of parallel links, as ECMP hashing does. Same inputs, same path. Empty path when unreachable.
  Path route(Vertex src, Vertex dst, std::uint64_t flow = 0);
  // The path InfiniBand's D-Mod-K routing gives destination key `key` (destinations numbered leaf by leaf): at the
  // i-th vertex with a choice the port is (key / (k_1 ... k_{i-1})) mod k_i over its k_i equal-cost ports, so
  // every flow to one destination takes one path and destinations under one leaf spread over all up-links.
  // Non-blocking for shift permutations such as ring steps on a full fat-tree (Zahavi, "D-Mod-K Routing Providing
  // Non-Blocking Traffic for Shift Permutations on Real Life Fat Trees", 2010).
  Path route_by_destination(Vertex src, Vertex dst, std::uint64_t key);
  // route() between GPU indices (node-major numbering).
  Path route_gpus(int src_gpu, int dst_gpu, std::uint64_t flow = 0);
  // The path from a to b taken by the flow from GPU src to GPU dst, as the cluster routes (scale_out.routing):
  // D-Mod-K on dst's destination number, or an ECMP hash of flow src * gpus + dst. a and b may be the GPUs
  // themselves or switches on their way.
  Path route_flow(Vertex a, Vertex b, int src_gpu, int dst_gpu);
  // The GPUs' uplinks (gpu_uplinks), computed on first use.
  const std::vector<GpuUplink>& uplinks();
  // Hop distance of every vertex to dst (-1 unreachable); cached for the most recent destinations.
  const std::vector<int>& distances_to(Vertex dst);

 private:
  Path make_path(const std::vector<Vertex>& vertices) const;
  Path walk(Vertex src, Vertex dst, const std::function<std::uint64_t(Vertex, std::uint64_t)>& port);

  const Topology& topo_;
  std::uint64_t seed_;
  size_t cache_size_;
  std::map<Vertex, std::vector<int>> cache_;
  std::deque<Vertex> order_;
  std::vector<GpuUplink> uplinks_;
  std::vector<std::uint64_t> keys_;  // D-Mod-K destination numbers, computed on first use
};

// SplitMix64 finaliser: a fixed, portable hash for seeded choices.
std::uint64_t mix64(std::uint64_t x);

}  // namespace aiscale::topology

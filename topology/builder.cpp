#include "topology/builder.hpp"

#include <string>
#include <vector>

#include "models/error.hpp"
#include "topology/dragonfly.hpp"
#include "topology/fat_tree.hpp"
#include "topology/scale_up.hpp"
#include "topology/torus.hpp"

namespace aiscale::topology {

namespace {

void check_cluster(const ClusterSpec& c) {
  if (c.nodes < 1) throw Error("cluster.nodes", "must be at least 1, got " + std::to_string(c.nodes));
  if (c.gpus_per_node < 1)
    throw Error("cluster.gpus_per_node", "must be at least 1, got " + std::to_string(c.gpus_per_node));
  if (static_cast<long long>(c.nodes) * c.gpus_per_node > 4'000'000)
    throw Error("cluster.nodes", "more than 4 million GPUs is beyond what the topology builder handles");
  const std::vector<std::string> kinds{"nvswitch", "nvl72", "pcie"};
  if (c.scale_up.kind != "nvswitch" && c.scale_up.kind != "nvl72" && c.scale_up.kind != "pcie") {
    const std::string near = nearest(c.scale_up.kind, kinds);
    throw Error("cluster.scale_up.kind", "unknown '" + c.scale_up.kind + "'" +
                                             (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                                             "; use nvswitch, nvl72 or pcie");
  }
  if (c.gpus_per_node > 1 && !(c.scale_up.bandwidth() > 0))
    throw Error("cluster.scale_up.bandwidth", "must be positive, e.g. \"450GBps\" per GPU per direction");
  if (c.scale_up.latency() < 0) throw Error("cluster.scale_up.latency", "must not be negative");
  if (c.scale_up.switches < 0) throw Error("cluster.scale_up.switches", "must be >= 1 (0 = by GPU generation)");
  if (c.nodes == 1) return;
  const ScaleOut& so = c.scale_out;
  const std::vector<std::string> topologies{"fat-tree", "rail-optimized", "dragonfly", "torus"};
  bool known = false;
  for (const auto& t : topologies) known = known || t == so.topology;
  if (!known) {
    const std::string near = nearest(so.topology, topologies);
    throw Error("cluster.scale_out.topology", "unknown '" + so.topology + "'" +
                                                  (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                                                  "; use fat-tree, rail-optimized, dragonfly or torus");
  }
  if (so.nics_per_node < 1)
    throw Error("cluster.scale_out.nics_per_node", "must be at least 1 for a cluster of more than one node");
  if (!(so.nic() > 0)) throw Error("cluster.scale_out.nic", "must be positive, e.g. \"400Gbps\"");
  if (so.latency() < 0) throw Error("cluster.scale_out.latency", "must not be negative");
  if (so.nics_per_node > 1024)
    throw Error("cluster.scale_out.nics_per_node",
                "must be at most 1024 (a DGX node has 8), got " + std::to_string(so.nics_per_node));
  if (so.switch_radix < 2 && so.topology != "torus")
    throw Error("cluster.scale_out.switch_radix", "must be at least 2 ports (a 64-port NDR switch: 64)");
}

}  // namespace

void check_topology(const ClusterSpec& spec) {
  check_cluster(spec);
  check_scale_up(spec);
  if (spec.nodes == 1) return;
  const std::string& t = spec.scale_out.topology;
  if (t == "fat-tree" || t == "rail-optimized")
    check_fat_tree(spec, t == "rail-optimized");
  else if (t == "dragonfly")
    check_dragonfly(spec);
  else
    check_torus(spec);
}

Topology build_topology(const ClusterSpec& spec) {
  check_topology(spec);  // every shape check before the first vertex
  Topology topo(spec);
  build_scale_up(topo);
  if (spec.nodes == 1) return topo;  // one node: its scale-up fabric is the whole cluster
  attach_nics(topo);
  const std::string& t = spec.scale_out.topology;
  if (t == "fat-tree")
    build_fat_tree(topo, false);
  else if (t == "rail-optimized")
    build_fat_tree(topo, true);
  else if (t == "dragonfly")
    build_dragonfly(topo);
  else
    build_torus(topo);
  return topo;
}

}  // namespace aiscale::topology

#pragma once
// The scenario's `cluster` section once parsed: GPUs, nodes, scale-up domain and scale-out network.
#include <string>

#include "models/catalog.hpp"
#include "models/units.hpp"

namespace aiscale {

struct ScaleUp {
  std::string kind = "nvswitch";  // "nvswitch" (HGX/DGX), "nvl72" (GB200 rack), "pcie" (no NVLink)
  Bandwidth bandwidth;            // per GPU, one direction (NVLink 900 GB/s bidirectional -> 450 GB/s)
  Seconds latency{1e-6};          // one-hop NVLink/NVSwitch latency
  int domain_size = 8;            // GPUs sharing one scale-up fabric
  int switches = 0;               // NVSwitch chips per domain; 0 = by generation (A100 6, H100 4, B200 2, NVL72 18)
};

struct ScaleOut {
  std::string topology = "rail-optimized";  // "fat-tree", "rail-optimized", "dragonfly", "torus"
  int tiers = 0;                            // fat-tree tiers (1, 2 or 3); 0 = the fewest that fit the node count
  Bandwidth nic;                            // per NIC, one direction
  int nics_per_node = 8;
  double oversubscription = 1.0;        // downlink:uplink ratio at the leaf tier (>= 1)
  double spine_oversubscription = 1.0;  // downlink:uplink ratio at the spine tier of a 3-tier fat-tree (>= 1)
  // NIC-to-leaf cables: "copper" (DAC to a top-of-rack leaf), "optical" (leaf in a network rack), or "auto"
  // (copper for fat-tree, optical for rail-optimized, whose rail leaves serve nodes across many racks)
  std::string leaf_cabling = "auto";
  int switch_radix = 64;  // ports per switch
  Seconds latency{2e-6};  // per-hop switch + cable latency
  // How switches pick among equal-cost up-links: "d-mod-k", deterministic by destination as InfiniBand subnet
  // managers route fat-trees (Zahavi 2010, D-Mod-K routing; OpenSM's ftree engine), the default for the catalog's
  // InfiniBand nodes; or "ecmp", a per-flow hash as Ethernet/RoCE switches do, where flows can collide on a link.
  std::string routing = "d-mod-k";
  // dragonfly
  int dragonfly_groups = 0;
  int routers_per_group = 0;
  int global_links_per_router = 0;
  // torus: dims "4x4x4"; empty unless topology == "torus"
  std::string torus_dims;
};

// The most nodes and GPUs per node a scenario may ask for: their product, the cluster's GPU count, fits an int.
constexpr int kMaxNodes = 1048576;
constexpr int kMaxGpusPerNode = 1024;

struct ClusterSpec {
  GpuSpec gpu;
  std::string node_type;  // catalog node key
  int nodes = 1;
  int gpus_per_node = 8;
  ScaleUp scale_up;
  ScaleOut scale_out;
  int gpus() const { return nodes * gpus_per_node; }
};

}  // namespace aiscale

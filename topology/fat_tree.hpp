#pragma once
// Folded-Clos (fat-tree) fabrics of radix-k switches: 1, 2 or 3 tiers, oversubscribed or not, plain or
// rail-optimized. Closed forms: Al-Fares, Loukissas, Vahdat, "A Scalable, Commodity Data Center Network
// Architecture", SIGCOMM 2008 (k^2/2 endpoints at 2 tiers, k^3/4 at 3, (k/2)^2 core switches).
#include <cstdint>

#include "topology/graph.hpp"

namespace aiscale::topology {

struct PortSplit {
  int down = 0;
  int up = 0;
};

// Splits a radix-k switch for a down:up ratio: the most uplinks u with u + floor(u*ratio) <= k, so the ratio holds
// exactly for integer ratios (64 ports at 1:1 -> 32/32, at 2:1 -> 42/21, at 3:1 -> 48/16).
PortSplit split_ports(int radix, double ratio);

// Largest number of NIC ports a fat-tree of `tiers` tiers can serve; rail_nics > 0 for rail-optimized fabrics
// (one leaf per rail in every scalable unit). Non-blocking plain fat-tree: k, k^2/2, k^3/4.
std::int64_t fat_tree_max_endpoints(int radix, int tiers, double leaf_oversubscription = 1.0,
                                    double spine_oversubscription = 1.0, int rail_nics = 0);

// Checks spec.scale_out for a fat-tree (radix, oversubscription, tiers, cabling) without building anything, and
// returns the tier count and the leaf port split the build uses. Throws aiscale::Error naming the field.
struct FatTreeShape {
  int tiers = 0;
  PortSplit leaf;
};
FatTreeShape check_fat_tree(const ClusterSpec& spec, bool rail_optimized);

// Builds leaves, spines and cores for spec.scale_out (topology "fat-tree" or "rail-optimized") over the NICs
// already attached; throws aiscale::Error when the shape cannot serve the node count.
void build_fat_tree(Topology& topo, bool rail_optimized);

}  // namespace aiscale::topology

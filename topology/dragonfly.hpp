#pragma once
// Dragonfly: groups of routers joined all-to-all by local links, groups joined all-to-all by global links.
// Kim, Dally, Scott, Abts, "Technology-Driven, Highly-Scalable Dragonfly Topology", ISCA 2008.
#include "topology/graph.hpp"

namespace aiscale::topology {

// Most groups a dragonfly can join with one global link per group pair: a*h + 1 (Kim et al. 2008, §3.1).
int dragonfly_max_groups(int routers_per_group, int global_links_per_router);

// Builds routers, local and global links for spec.scale_out; zero parameters are filled with the paper's
// balanced choice a = 2p = 2h from the switch radix. Throws aiscale::Error for impossible shapes.
// Checks spec.scale_out for a dragonfly without building it; returns global links per router h, routers per
// group a, groups g and host ports per router p. Throws aiscale::Error naming the field.
struct DragonflyShape {
  int h = 0, a = 0, g = 0, p = 0;
};
DragonflyShape check_dragonfly(const ClusterSpec& spec);

void build_dragonfly(Topology& topo);

}  // namespace aiscale::topology

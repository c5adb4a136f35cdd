#pragma once
// One entry point: the scenario's cluster section in, the whole cluster graph out.
#include "models/cluster.hpp"
#include "topology/graph.hpp"

namespace aiscale::topology {

// Builds the scale-up domains and, for more than one node, the scale-out fabric named by
// spec.scale_out.topology ("fat-tree", "rail-optimized", "dragonfly", "torus"). Throws aiscale::Error with the
// offending field path for any shape that cannot be built.
Topology build_topology(const ClusterSpec& spec);

// The same checks without building the graph (cheap): for engines that do not need the graph.
void check_topology(const ClusterSpec& spec);

}  // namespace aiscale::topology

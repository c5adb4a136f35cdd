#pragma once
// 1D/2D/3D torus (k-ary n-cube) direct networks: one router per node, wrap-around links in every dimension.
#include <string>
#include <vector>

#include "topology/graph.hpp"

namespace aiscale::topology {

// Parses "8x8x4" into {8, 8, 4}; throws aiscale::Error naming cluster.scale_out.torus_dims.
std::vector<int> parse_torus_dims(const std::string& text);

// Builds one torus router per node, its NIC links, and the neighbour links; throws when the dims do not multiply
// to the node count.
// Parses spec.scale_out.torus_dims and checks that the sizes multiply to cluster.nodes.
std::vector<int> check_torus(const ClusterSpec& spec);

void build_torus(Topology& topo);

}  // namespace aiscale::topology

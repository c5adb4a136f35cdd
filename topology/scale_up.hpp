#pragma once
// Scale-up domains: HGX/DGX 8-GPU baseboards with NVSwitch, GB200 NVL72 racks, PCIe servers without NVLink.
#include "topology/graph.hpp"

namespace aiscale::topology {

// NVSwitch chips per NVLink domain: the explicit scale_up.switches, else by GPU generation (see scale_up.cpp).
int nvswitches_per_domain(const ClusterSpec& spec);

// Adds every GPU (numbered node-major) and the in-node fabric: NVSwitch chips or one PCIe switch per node.
// Checks the scale-up domain size against the node and cluster (divides evenly, leaves no GPU unreachable) and
// returns it. Throws aiscale::Error naming cluster.scale_up.domain_size.
int check_scale_up(const ClusterSpec& spec);

void build_scale_up(Topology& topo);

// Adds nics_per_node NICs to every node and the PCIe links that tie each NIC to its GPU.
void attach_nics(Topology& topo);

}  // namespace aiscale::topology

#pragma once
// Small cluster specs for the topology tests, built directly (no catalog or scenario parsing involved).
#include <string>

#include "models/cluster.hpp"

namespace aiscale::topology::testing {

inline constexpr double kGbps = 1e9 / 8;  // bytes/s per Gb/s
inline constexpr double kGBps = 1e9;

// `nodes` single-GPU, single-NIC nodes on a fabric of radix-k switches: endpoints == nodes, as in Al-Fares et al.
inline ClusterSpec hosts(int nodes, const std::string& topology, int radix, int tiers = 0, double oversub = 1.0) {
  ClusterSpec c;
  c.gpu.name = "h100-sxm";
  c.gpu.peak_bf16 = FlopRate(989e12);
  c.node_type = "test-host";
  c.nodes = nodes;
  c.gpus_per_node = 1;
  c.scale_up.kind = "nvswitch";
  c.scale_up.bandwidth = Bandwidth(450 * kGBps);
  c.scale_up.domain_size = 1;
  c.scale_out.topology = topology;
  c.scale_out.nic = Bandwidth(400 * kGbps);
  c.scale_out.nics_per_node = 1;
  c.scale_out.switch_radix = radix;
  c.scale_out.tiers = tiers;
  c.scale_out.oversubscription = oversub;
  return c;
}

// DGX H100 nodes: 8 GPUs, 4 NVSwitch, 450 GB/s NVLink per GPU per direction, 8 x 400G NICs; QM9700 radix 64.
inline ClusterSpec dgx_h100(int nodes, const std::string& topology = "rail-optimized") {
  ClusterSpec c = hosts(nodes, topology, 64);
  c.node_type = "dgx-h100";
  c.gpus_per_node = 8;
  c.scale_up.domain_size = 8;
  c.scale_out.nics_per_node = 8;
  return c;
}

// DGX A100 nodes: 8 GPUs, 6 NVSwitch, 300 GB/s NVLink per GPU per direction, 8 x 200G HDR NICs; QM8790 radix 40.
inline ClusterSpec dgx_a100(int nodes, const std::string& topology = "rail-optimized") {
  ClusterSpec c = dgx_h100(nodes, topology);
  c.gpu.name = "a100-sxm4-80gb";
  c.gpu.peak_bf16 = FlopRate(312e12);
  c.node_type = "dgx-a100";
  c.scale_up.bandwidth = Bandwidth(300 * kGBps);
  c.scale_out.nic = Bandwidth(200 * kGbps);
  c.scale_out.switch_radix = 40;
  return c;
}

}  // namespace aiscale::topology::testing

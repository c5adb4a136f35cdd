#include "topology/scale_up.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "models/error.hpp"

namespace aiscale::topology {

namespace {

bool contains(std::string hay, const char* needle) {
  std::transform(hay.begin(), hay.end(), hay.begin(), [](unsigned char c) { return std::tolower(c); });
  return hay.find(needle) != std::string::npos;
}

}  // namespace

int nvswitches_per_domain(const ClusterSpec& spec) {
  if (spec.scale_up.switches > 0) return spec.scale_up.switches;
  // GB200 NVL72: 9 NVLink switch trays x 2 NVLink 5 switch chips, one link from each of a GPU's 18 NVLinks
  // (NVIDIA GB200 NVL72 product page and DGX GB200 user guide).
  if (spec.scale_up.kind == "nvl72") return 18;
  const std::string& g = spec.gpu.name;
  // DGX A100: 6 second-generation NVSwitch (NVIDIA A100 Tensor Core GPU Architecture whitepaper, 2020).
  if (contains(g, "a100") || contains(g, "a800")) return 6;
  // HGX B200: 2 fifth-generation NVLink switch chips (NVIDIA DGX B200 datasheet).
  if (contains(g, "b200") || contains(g, "b100") || contains(g, "gb200")) return 2;
  // DGX H100/H200: 4 third-generation NVSwitch (NVIDIA DGX H100 user guide).
  return 4;
}

int check_scale_up(const ClusterSpec& c) {
  const int gpn = c.gpus_per_node;
  const int total = c.gpus();
  const bool pcie = c.scale_up.kind == "pcie";
  const int domain = pcie ? gpn : (c.scale_up.domain_size > 0 ? c.scale_up.domain_size : gpn);
  if (!pcie && total % domain != 0)
    throw Error("cluster.scale_up.domain_size",
                std::to_string(domain) + " GPUs per NVLink domain does not divide the " + std::to_string(total) +
                    " GPUs of the cluster; use a divisor of the GPU count (e.g. " + std::to_string(gpn) + ")");
  if (!pcie && domain % gpn != 0 && gpn % domain != 0)
    throw Error("cluster.scale_up.domain_size", "an NVLink domain of " + std::to_string(domain) +
                                                    " GPUs would split a " + std::to_string(gpn) +
                                                    "-GPU node unevenly; use a divisor or a multiple of gpus_per_node");
  if (!pcie && c.nodes == 1 && domain < gpn)
    throw Error("cluster.scale_up.domain_size",
                "NVLink domains of " + std::to_string(domain) + " GPU" + (domain == 1 ? "" : "s") +
                    " split the single " + std::to_string(gpn) +
                    "-GPU node and one node has no scale-out fabric, so its GPUs cannot reach "
                    "each other; use domain_size " +
                    std::to_string(gpn) + " (or more nodes with cluster.scale_out)");
  return domain;
}

void build_scale_up(Topology& topo) {
  const ClusterSpec& c = topo.spec();
  const int gpn = c.gpus_per_node;
  const int total = c.gpus();
  const bool pcie = c.scale_up.kind == "pcie";
  const int domain = check_scale_up(c);

  for (int n = 0; n < c.nodes; ++n)
    for (int l = 0; l < gpn; ++l) topo.add_vertex(VertexKind::Gpu, n, l, pcie ? n : (n * gpn + l) / domain);

  // One switch traversal costs the configured one-hop latency: split it over the GPU->switch->GPU pair of links.
  const double hop_latency = c.scale_up.latency() / 2;
  if (pcie) {
    for (int n = 0; n < c.nodes; ++n) {
      const Vertex sw = topo.add_vertex(VertexKind::PcieSwitch, n, 0, n);
      for (int l = 0; l < gpn; ++l)
        topo.add_link(topo.gpu(n * gpn + l), sw, c.scale_up.bandwidth(), hop_latency, Medium::Board, LinkTier::Pcie);
    }
    return;
  }
  if (domain == 1) return;  // a lone GPU per domain has no NVLink peers
  const int switches = nvswitches_per_domain(c);
  // Domains spanning several chassis (NVL72, NVLink Switch System) are cabled in copper: the NVL72 NVLink spine.
  const Medium medium = (c.scale_up.kind == "nvl72" || domain > gpn) ? Medium::Copper : Medium::Board;
  // A GPU's NVLinks are spread over all switch chips of its domain (NVIDIA Hopper/Blackwell architecture papers);
  // one bundle per (GPU, switch) carries an equal share of the per-GPU bandwidth.
  const double per_switch = c.scale_up.bandwidth() / switches;
  for (int d = 0; d < total / domain; ++d) {
    std::vector<Vertex> sw;
    for (int s = 0; s < switches; ++s) {
      const int node = domain > gpn ? -1 : (d * domain) / gpn;
      sw.push_back(topo.add_vertex(VertexKind::NvSwitch, node, s, d));
    }
    for (int i = 0; i < domain; ++i)
      for (Vertex s : sw) topo.add_link(topo.gpu(d * domain + i), s, per_switch, hop_latency, medium, LinkTier::NvLink);
  }
}

void attach_nics(Topology& topo) {
  const ClusterSpec& c = topo.spec();
  const int gpn = c.gpus_per_node;
  const int nics = c.scale_out.nics_per_node;
  const double bw = c.scale_out.nic();
  for (int n = 0; n < c.nodes; ++n) {
    for (int j = 0; j < nics; ++j) topo.add_vertex(VertexKind::Nic, n, j, j);
    const auto& nic = topo.node_nics(n);
    // GPUDirect RDMA pairs each GPU with the NIC under the same PCIe switch (DGX: one NIC per GPU). PCIe Gen4/Gen5
    // x16 (32/64 GB/s) exceeds the 25/50 GB/s NIC rate, so the link runs at the NIC rate. Latency is folded into
    // the per-hop network latency.
    if (nics >= gpn) {
      for (int j = 0; j < nics; ++j)
        topo.add_link(topo.gpu(n * gpn + j * gpn / nics), nic[static_cast<size_t>(j)], bw, 0.0, Medium::Board,
                      LinkTier::Pcie);
    } else {
      for (int l = 0; l < gpn; ++l)
        topo.add_link(topo.gpu(n * gpn + l), nic[static_cast<size_t>(l * nics / gpn)], bw, 0.0, Medium::Board,
                      LinkTier::Pcie);
    }
  }
}

}  // namespace aiscale::topology

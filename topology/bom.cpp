#include "topology/bom.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "models/units.hpp"
#include "topology/scale_up.hpp"

namespace aiscale::topology {

namespace {

std::string gbps(double bytes_per_s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g Gb/s", bytes_per_s * 8 / 1e9);
  return buf;
}

std::string ratio(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f:1", r);
  return buf;
}

std::string percent(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", r * 100);
  return buf;
}

// Left-aligned first column, right-aligned numbers; two spaces between columns.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (size_t k = 0; k < rows.size(); ++k) {
    std::string line;
    for (size_t i = 0; i < rows[k].size(); ++i) {
      const std::string& cell = rows[k][i];
      const std::string pad(width[i] - cell.size(), ' ');
      line += i == 0 || i == 1 ? cell + pad : pad + cell;
      if (i + 1 < rows[k].size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
    if (k == 0) {
      size_t total = 0;
      for (size_t w : width) total += w + 2;
      out += std::string(total - 2, '-') + "\n";
    }
  }
  return out;
}

std::string kind_label(VertexKind k) {
  switch (k) {
    case VertexKind::Gpu:
      return "GPU";
    case VertexKind::NvSwitch:
      return "NVSwitch chip";
    case VertexKind::PcieSwitch:
      return "PCIe switch";
    case VertexKind::Nic:
      return "NIC";
    case VertexKind::Leaf:
      return "Leaf switch";
    case VertexKind::Spine:
      return "Spine switch";
    case VertexKind::Core:
      return "Core switch";
    case VertexKind::Router:
      return "Dragonfly router";
    case VertexKind::TorusRouter:
      return "Torus router";
  }
  return "?";
}

}  // namespace

std::string switch_model(int radix, double port_bandwidth) {
  const double gb = port_bandwidth * 8 / 1e9;
  auto is = [&](int k, double g) { return radix == k && std::fabs(gb - g) < 1e-6; };
  // Datasheets: NVIDIA Quantum QM8700/QM8790 (40 x HDR 200G), Quantum-2 QM9700/QM9790 (64 x NDR 400G, or 128 x
  // 200G split), Spectrum-4 SN5600 (64 x 800GbE, or 128 x 400GbE split), Quantum-X800 Q3400 (144 x XDR 800G).
  if (is(40, 200)) return "NVIDIA Quantum QM8790 (40x HDR 200G)";
  if (is(64, 400)) return "NVIDIA Quantum-2 QM9700 (64x NDR 400G)";
  if (is(128, 200)) return "NVIDIA Quantum-2 QM9700 (128x 200G split)";
  if (is(64, 800)) return "NVIDIA Spectrum-4 SN5600 (64x 800GbE)";
  if (is(128, 400)) return "NVIDIA Spectrum-4 SN5600 (128x 400GbE split)";
  if (is(144, 800)) return "NVIDIA Quantum-X800 Q3400 (144x XDR 800G)";
  char buf[64];
  std::snprintf(buf, sizeof buf, "radix-%d switch, %g Gb/s ports", radix, gb);
  return buf;
}

std::string render_bom(const Topology& topo, const Analysis& a, const std::string& title) {
  const ClusterSpec& c = topo.spec();
  const FabricShape& f = topo.fabric();
  std::string out;
  if (!title.empty()) out += "Topology: " + title + "\n";
  out += "Cluster:  " + format_count(c.nodes) + " x " + (c.node_type.empty() ? "node" : c.node_type) + " (" +
         std::to_string(c.gpus_per_node) + " x " + c.gpu.name + ") = " + format_count(a.gpus) + " GPUs\n";
  out += "Scale-up: " + c.scale_up.kind + ", " + format_bandwidth(c.scale_up.bandwidth()) + " per GPU per direction\n";
  std::string fabric = f.kind;
  if (f.kind == "fat-tree" || f.kind == "rail-optimized")
    fabric += ", " + std::to_string(f.tiers) + " tier" + (f.tiers > 1 ? "s" : "") + " of radix-" +
              std::to_string(f.radix) + " switches";
  else if (f.kind == "dragonfly")
    fabric += ", " + std::to_string(f.groups) + " groups x " + std::to_string(f.routers_per_group) + " routers";
  else if (f.kind == "torus") {
    fabric += " ";
    for (size_t i = 0; i < f.torus_dims.size(); ++i) fabric += (i ? "x" : "") + std::to_string(f.torus_dims[i]);
  } else
    fabric = "none (single node)";
  if (f.kind != "none")
    fabric += ", " + std::to_string(c.scale_out.nics_per_node) + " x " + gbps(f.nic_bandwidth) + " NICs per node, " +
              c.scale_out.routing + " routing";
  out += "Network:  " + fabric + "\n\n";

  std::vector<std::vector<std::string>> dev{{"Component", "Model", "Count", "Ports used"}};
  for (const auto& d : a.devices) {
    std::string model, ports;
    switch (d.kind) {
      case VertexKind::Gpu:
        model = c.gpu.name;
        break;
      case VertexKind::NvSwitch:
        model = std::to_string(nvswitches_per_domain(c)) + " per " + std::to_string(c.scale_up.domain_size) +
                "-GPU NVLink domain";
        break;
      case VertexKind::PcieSwitch:
        model = "1 per node";
        break;
      case VertexKind::Nic:
        model = gbps(f.nic_bandwidth);
        break;
      case VertexKind::TorusRouter:
        model = "1 per node, " + std::to_string(2 * f.torus_dims.size()) + " links";
        break;
      default:
        model = switch_model(d.radix, f.nic_bandwidth);
    }
    if (d.radix > 0) ports = std::to_string(d.max_ports_used) + "/" + std::to_string(d.radix);
    dev.push_back({kind_label(d.kind), model, format_count(d.count), ports});
  }
  out += table(dev) + "\n";

  std::vector<std::vector<std::string>> links{
      {"Links", "Per link", "Count", "Board", "Copper", "Optical", "Transceivers", "Per GPU"}};
  for (const auto& t : a.tiers)
    links.push_back({tier_label(t.tier), format_bandwidth(t.link_bandwidth), format_count(t.links),
                     format_count(t.board), format_count(t.copper), format_count(t.optical),
                     format_count(t.transceivers), format_bandwidth(t.per_gpu)});
  out += table(links);
  out += "Cables: " + format_count(a.cables) +
         " (copper DAC in the rack, optical beyond it); optical transceivers: " + format_count(a.transceivers) +
         " (one per optical link end)\n\n";

  std::vector<std::vector<std::string>> fab{{"Fabric", "Value"}};
  if (f.kind == "fat-tree" || f.kind == "rail-optimized") {
    if (f.tiers >= 2)
      fab.push_back({"Leaf ports down/up", std::to_string(f.leaf_down) + "/" + std::to_string(f.leaf_up) + " (" +
                                               ratio(a.leaf_oversubscription) + ")"});
    if (f.tiers == 3) {
      fab.push_back({"Spine ports down/up", std::to_string(f.spine_down) + "/" + std::to_string(f.spine_up) + " (" +
                                                ratio(a.spine_oversubscription) + ")"});
      fab.push_back({"Pods", std::to_string(f.pods) + " of up to " + std::to_string(f.pod_leaves) + " leaves and " +
                                 std::to_string(f.spines_per_pod) + " spines"});
      fab.push_back(
          {"Core groups", std::to_string(f.core_groups) + " x " + std::to_string(f.cores_per_group) + " cores"});
    }
    if (f.kind == "rail-optimized")
      fab.push_back({"Scalable unit", std::to_string(f.scalable_unit_nodes) + " nodes, one leaf per rail (" +
                                          std::to_string(c.scale_out.nics_per_node) + " rails)"});
  } else if (f.kind == "dragonfly") {
    fab.push_back({"Hosts/router, global/router",
                   std::to_string(f.hosts_per_router) + ", " + std::to_string(f.global_links_per_router)});
    fab.push_back({"Global links per group pair", std::to_string(f.global_links_per_group_pair)});
  }
  std::string bis = format_bandwidth(a.bisection.bandwidth) + " (" + a.bisection.method + "; " +
                    percent(a.bisection.ratio()) + " of full bisection)";
  fab.push_back({"Bisection bandwidth", bis});
  if (a.bisection.closed_form) fab.push_back({"  closed form", format_bandwidth(*a.bisection.closed_form)});
  if (a.gpus > 1) fab.push_back({"Bisection per GPU", format_bandwidth(a.bisection.bandwidth / (a.gpus / 2.0))});
  char mean[32];
  std::snprintf(mean, sizeof mean, "%.2f", a.hops.mean);
  fab.push_back({"Diameter", std::to_string(a.hops.diameter) + " links, " + std::to_string(a.hops.diameter_switches) +
                                 " switch chips GPU to GPU (mean " + mean + " links; " +
                                 (a.hops.exact ? "all GPU pairs" : std::to_string(a.hops.sources) + " sources") + ")"});
  out += table(fab);
  return out;
}

}  // namespace aiscale::topology

#include "topology/fat_tree.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "models/error.hpp"
#include "models/units.hpp"

namespace aiscale::topology {

namespace {

std::string fmt_ratio(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g:1", r);
  return buf;
}

int ceil_div(std::int64_t a, std::int64_t b) { return static_cast<int>((a + b - 1) / b); }

// Cables `up[i]` uplinks of each lower switch i to the upper switches by striping one running counter over them
// (uplink m goes to upper m mod n), so every upper switch receives floor or ceil of the total and each lower switch
// reaches every upper one when it has at least n uplinks. Parallel links become one bundle. Returns links received.
std::vector<int> stripe(Topology& topo, const std::vector<Vertex>& lower, const std::vector<int>& up,
                        const std::vector<Vertex>& upper, LinkTier tier) {
  const ScaleOut& so = topo.spec().scale_out;
  const size_t n = upper.size();
  std::vector<int> received(n, 0), bundle(n, 0);
  size_t m = 0;
  for (size_t i = 0; i < lower.size(); ++i) {
    std::fill(bundle.begin(), bundle.end(), 0);
    for (int q = 0; q < up[i]; ++q) ++bundle[m++ % n];
    for (size_t j = 0; j < n; ++j)
      if (bundle[j] > 0) {
        topo.add_link(lower[i], upper[j], so.nic(), so.latency(), Medium::Optical, tier, bundle[j]);
        received[j] += bundle[j];
      }
  }
  return received;
}

}  // namespace

PortSplit split_ports(int radix, double ratio) {
  PortSplit best;
  for (int u = 1; u < radix; ++u) {
    const int d = static_cast<int>(std::floor(u * ratio + 1e-9));
    if (u + d <= radix) best = {d, u};
  }
  return best;
}

std::int64_t fat_tree_max_endpoints(int radix, int tiers, double leaf_oversubscription, double spine_oversubscription,
                                    int rail_nics) {
  const PortSplit leaf = split_ports(radix, leaf_oversubscription);
  const std::int64_t k = radix;
  const std::int64_t unit = rail_nics > 0 ? rail_nics : 1;  // leaves per indivisible block (a scalable unit)
  if (leaf.down < 1 || leaf.up < 1) return 0;
  if (tiers <= 1) return rail_nics > 0 ? 0 : k;
  // Each of the (at most k) leaves of a 2-tier fabric needs a port on some spine: L <= k.
  if (tiers == 2) return (k / unit) * unit * leaf.down;
  // A pod holds at most spine.down leaves; each core needs a port per pod, so at most k pods.
  const PortSplit spine = split_ports(radix, spine_oversubscription);
  return k * (spine.down / unit) * unit * leaf.down;
}

FatTreeShape check_fat_tree(const ClusterSpec& c, bool rail) {
  const ScaleOut& so = c.scale_out;
  const int k = so.switch_radix;
  const double o1 = so.oversubscription;
  const double o2 = so.spine_oversubscription;
  const int nics = so.nics_per_node;
  const std::int64_t endpoints = static_cast<std::int64_t>(c.nodes) * nics;
  const std::string kind = rail ? "rail-optimized" : "fat-tree";

  if (k < 2) throw Error("cluster.scale_out.switch_radix", "must be at least 2 ports (a 64-port NDR switch: 64)");
  if (!(o1 >= 1.0))
    throw Error("cluster.scale_out.oversubscription",
                "must be >= 1 (downlinks:uplinks at the leaf; 1 = non-blocking, 2 = 2:1)");
  if (!(o2 >= 1.0))
    throw Error("cluster.scale_out.spine_oversubscription",
                "must be >= 1 (downlinks:uplinks at the spine; 1 = non-blocking)");
  const PortSplit leaf = split_ports(k, o1);
  if (leaf.down < 1 || leaf.up < 1)
    throw Error("cluster.scale_out.oversubscription", fmt_ratio(o1) + " leaves no uplink on a " + std::to_string(k) +
                                                          "-port leaf; lower the oversubscription or raise the radix");
  if (rail && nics > k)
    throw Error("cluster.scale_out.switch_radix",
                "a rail-optimized fabric gives each of the " + std::to_string(nics) +
                    " NICs of a node its own rail, and every rail leaf of a scalable unit needs a spine port: radix " +
                    std::to_string(k) + " < " + std::to_string(nics) +
                    "; use a larger switch_radix (e.g. 144, Quantum-X800) or topology \"fat-tree\"");
  if (so.tiers < 0 || so.tiers > 3)
    throw Error("cluster.scale_out.tiers",
                "must be 1, 2 or 3 (or 0 for the fewest that fit), got " + std::to_string(so.tiers));
  if (rail && so.tiers == 1)
    throw Error("cluster.scale_out.tiers", "a rail-optimized fabric needs a spine tier to join its rails; use 2 or 3");

  const int rail_nics = rail ? nics : 0;
  auto fits = [&](int t) { return endpoints <= fat_tree_max_endpoints(k, t, o1, o2, rail_nics); };
  int tiers = so.tiers;
  if (tiers == 0) {
    for (int t = rail ? 2 : 1; t <= 3 && tiers == 0; ++t)
      if (fits(t)) tiers = t;
  } else if (!fits(tiers) && tiers < 3 && fits(3)) {
    throw Error("cluster.scale_out.tiers",
                "a " + std::to_string(tiers) + "-tier " + kind + " of radix-" + std::to_string(k) + " switches at " +
                    fmt_ratio(o1) + " serves at most " +
                    format_count(fat_tree_max_endpoints(k, tiers, o1, o2, rail_nics)) + " NIC ports, but " +
                    std::to_string(c.nodes) + " nodes x " + std::to_string(nics) + " NICs need " +
                    format_count(endpoints) + "; set tiers to 3 (or 0 for automatic)");
  } else if (!fits(tiers)) {
    tiers = -1;
  }
  if (tiers <= 0 || !fits(tiers)) {
    const int t = so.tiers > 0 ? so.tiers : 3;
    int need = k + 1;
    while (need <= 4096 && endpoints > fat_tree_max_endpoints(need, t, o1, o2, rail_nics)) ++need;
    throw Error("cluster.scale_out.switch_radix",
                "radix " + std::to_string(k) + " is too small for " + std::to_string(c.nodes) + " nodes x " +
                    std::to_string(nics) + " NICs = " + format_count(endpoints) + " NIC ports: a " + std::to_string(t) +
                    "-tier " + kind + " fabric at " + fmt_ratio(o1) + " serves at most " +
                    format_count(fat_tree_max_endpoints(k, t, o1, o2, rail_nics)) +
                    " NIC ports (k^3/4 at 3 tiers, Al-Fares et al. 2008); use switch_radix >= " + std::to_string(need) +
                    ", a higher oversubscription, or fewer nodes");
  }

  if (so.leaf_cabling != "copper" && so.leaf_cabling != "optical" && so.leaf_cabling != "auto")
    throw Error("cluster.scale_out.leaf_cabling",
                "unknown '" + so.leaf_cabling + "'; use \"copper\", \"optical\" or \"auto\"");
  return {tiers, split_ports(k, o1)};
}

void build_fat_tree(Topology& topo, bool rail) {
  const ClusterSpec& c = topo.spec();
  const ScaleOut& so = c.scale_out;
  const int k = so.switch_radix;
  const double o2 = so.spine_oversubscription;
  const int nics = so.nics_per_node;
  const std::int64_t endpoints = static_cast<std::int64_t>(c.nodes) * nics;
  const std::string kind = rail ? "rail-optimized" : "fat-tree";
  const auto [tiers, leaf] = check_fat_tree(c, rail);
  Medium access = rail ? Medium::Optical : Medium::Copper;
  if (so.leaf_cabling == "copper")
    access = Medium::Copper;
  else if (so.leaf_cabling == "optical")
    access = Medium::Optical;

  const double bw = so.nic();
  const double lat = so.latency();
  FabricShape& f = topo.fabric();
  f.kind = kind;
  f.tiers = tiers;
  f.radix = k;
  f.endpoints = static_cast<int>(endpoints);
  f.nic_bandwidth = bw;
  f.leaf_down = tiers == 1 ? k : leaf.down;
  f.leaf_up = tiers == 1 ? 0 : leaf.up;

  // Leaves. Rail-optimized: a scalable unit of leaf.down nodes gets one leaf per rail, and NIC j of each of its
  // nodes goes to rail j's leaf (NVIDIA DGX SuperPOD reference architecture). Plain: NIC ports fill leaves in order.
  const int unit = rail ? nics : 1;
  const int leaves = rail ? ceil_div(c.nodes, leaf.down) * nics : (tiers == 1 ? 1 : ceil_div(endpoints, leaf.down));
  if (rail) f.scalable_unit_nodes = leaf.down;
  const PortSplit spine_split = split_ports(k, o2);
  int pods = 1, units_per_pod = leaves / unit;
  if (tiers == 3) {
    const int units = leaves / unit;
    const int max_units = spine_split.down / unit;
    pods = ceil_div(units, max_units);
    units_per_pod = ceil_div(units, pods);
  }
  const int pod_leaves = units_per_pod * unit;
  std::vector<Vertex> leaf_v;
  leaf_v.reserve(static_cast<size_t>(leaves));
  for (int i = 0; i < leaves; ++i) {
    const int pod = tiers == 3 ? i / pod_leaves : 0;
    leaf_v.push_back(topo.add_vertex(VertexKind::Leaf, -1, rail ? i % nics : -1, pod));
  }
  for (int n = 0; n < c.nodes; ++n) {
    const auto& nic = topo.node_nics(n);
    for (int j = 0; j < nics; ++j) {
      const std::int64_t e = static_cast<std::int64_t>(n) * nics + j;
      const int l = rail ? (n / leaf.down) * nics + j : static_cast<int>(tiers == 1 ? 0 : e / leaf.down);
      topo.add_link(nic[static_cast<size_t>(j)], leaf_v[static_cast<size_t>(l)], bw, lat, access, LinkTier::Access);
    }
  }
  if (tiers == 1) return;

  // Leaf and spine uplinks are optical: they leave the rack for a network row (beyond ~3 m DAC reach at 200-400G).
  if (tiers == 2) {
    const int spines = ceil_div(static_cast<std::int64_t>(leaves) * leaf.up, k);
    std::vector<Vertex> sp;
    for (int s = 0; s < spines; ++s) sp.push_back(topo.add_vertex(VertexKind::Spine, -1, s, 0));
    const std::vector<int> received =
        stripe(topo, leaf_v, std::vector<int>(leaf_v.size(), leaf.up), sp, LinkTier::LeafSpine);
    f.pods = 1;
    f.pod_leaves = leaves;
    f.spines_per_pod = spines;
    f.spine_down = *std::max_element(received.begin(), received.end());
    return;
  }

  // 3 tiers: pods of up to pod_leaves leaves, each pod a 2-tier block whose spines_per_pod <= leaf.up spines every
  // leaf reaches; spine j of every pod feeds core group j (Al-Fares et al. 2008, generalised to any fill).
  const int spines_per_pod = ceil_div(static_cast<std::int64_t>(pod_leaves) * leaf.up, spine_split.down);
  std::vector<std::vector<Vertex>> group_spines(static_cast<size_t>(spines_per_pod));
  std::vector<std::vector<int>> group_up(static_cast<size_t>(spines_per_pod));
  int spine_down = 0, spine_up = 0;
  for (int p = 0; p < pods; ++p) {
    std::vector<Vertex> sp;
    for (int s = 0; s < spines_per_pod; ++s) sp.push_back(topo.add_vertex(VertexKind::Spine, -1, s, p));
    const auto first = leaf_v.begin() + p * pod_leaves;
    const std::vector<Vertex> pod_leaf(first, leaf_v.begin() + std::min(leaves, (p + 1) * pod_leaves));
    const std::vector<int> received =
        stripe(topo, pod_leaf, std::vector<int>(pod_leaf.size(), leaf.up), sp, LinkTier::LeafSpine);
    for (int s = 0; s < spines_per_pod; ++s) {
      // A spine takes as many uplinks as its downlinks divided by the spine oversubscription.
      const int down = received[static_cast<size_t>(s)];
      const int up = static_cast<int>(std::ceil(down / o2 - 1e-9));
      group_spines[static_cast<size_t>(s)].push_back(sp[static_cast<size_t>(s)]);
      group_up[static_cast<size_t>(s)].push_back(up);
      spine_down = std::max(spine_down, down);
      spine_up = std::max(spine_up, up);
    }
  }
  int cores_per_group = 0;
  for (int j = 0; j < spines_per_pod; ++j) {
    const auto& ups = group_up[static_cast<size_t>(j)];
    const int cores = ceil_div(std::accumulate(ups.begin(), ups.end(), std::int64_t{0}), k);
    std::vector<Vertex> core;
    for (int q = 0; q < cores; ++q) core.push_back(topo.add_vertex(VertexKind::Core, -1, q, j));
    stripe(topo, group_spines[static_cast<size_t>(j)], ups, core, LinkTier::SpineCore);
    cores_per_group = std::max(cores_per_group, cores);
  }
  f.pods = pods;
  f.pod_leaves = pod_leaves;
  f.spines_per_pod = spines_per_pod;
  f.spine_down = spine_down;
  f.spine_up = spine_up;
  f.core_groups = spines_per_pod;
  f.cores_per_group = cores_per_group;
}

}  // namespace aiscale::topology

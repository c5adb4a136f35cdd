#include "topology/dragonfly.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "models/error.hpp"

namespace aiscale::topology {

int dragonfly_max_groups(int routers_per_group, int global_links_per_router) {
  return routers_per_group * global_links_per_router + 1;
}

DragonflyShape check_dragonfly(const ClusterSpec& c) {
  const ScaleOut& so = c.scale_out;
  const int k = so.switch_radix;
  const std::int64_t endpoints = static_cast<std::int64_t>(c.nodes) * so.nics_per_node;
  if (so.dragonfly_groups < 0) throw Error("cluster.scale_out.dragonfly_groups", "must be >= 1 (0 = automatic)");
  if (so.routers_per_group < 0) throw Error("cluster.scale_out.routers_per_group", "must be >= 1 (0 = automatic)");
  if (so.global_links_per_router < 0)
    throw Error("cluster.scale_out.global_links_per_router", "must be >= 1 (0 = automatic)");
  // Balanced dragonfly (Kim et al. §3.1): a = 2p = 2h, so radix k = p + (a - 1) + h = 4h - 1.
  const int h = so.global_links_per_router > 0 ? so.global_links_per_router : std::max(1, (k + 1) / 4);
  const int a = so.routers_per_group > 0 ? so.routers_per_group : 2 * h;
  const int free_ports = k - (a - 1) - h;  // ports left for hosts
  if (free_ports < 1)
    throw Error(so.routers_per_group > 0 ? "cluster.scale_out.routers_per_group" : "cluster.scale_out.switch_radix",
                "a router with " + std::to_string(a - 1) + " local and " + std::to_string(h) +
                    " global ports has no port left for hosts on a radix-" + std::to_string(k) +
                    " switch; use fewer routers per group or a larger radix");
  int g = so.dragonfly_groups;
  if (g == 0) g = static_cast<int>((endpoints + static_cast<std::int64_t>(a) * free_ports - 1) / (a * free_ports));
  const int max_groups = dragonfly_max_groups(a, h);
  if (g > max_groups)
    throw Error(so.dragonfly_groups > 0 ? "cluster.scale_out.dragonfly_groups" : "cluster.scale_out.switch_radix",
                std::to_string(g) + " groups cannot all be joined pairwise: " + std::to_string(a) + " routers x " +
                    std::to_string(h) + " global links reach at most a*h + 1 = " + std::to_string(max_groups) +
                    " groups (Kim et al. 2008); lower dragonfly_groups or raise routers_per_group / "
                    "global_links_per_router");
  const std::int64_t routers = static_cast<std::int64_t>(g) * a;
  const int p = static_cast<int>((endpoints + routers - 1) / routers);
  if (p > free_ports)
    throw Error(so.dragonfly_groups > 0 ? "cluster.scale_out.dragonfly_groups" : "cluster.scale_out.switch_radix",
                std::to_string(endpoints) + " NIC ports need " + std::to_string(p) + " host ports per router on " +
                    std::to_string(routers) + " routers, but a radix-" + std::to_string(k) + " router has " +
                    std::to_string(free_ports) + " left after " + std::to_string(a - 1) + " local and " +
                    std::to_string(h) + " global ports; add groups or use a larger radix");
  return {h, a, g, p};
}

void build_dragonfly(Topology& topo) {
  const ClusterSpec& c = topo.spec();
  const ScaleOut& so = c.scale_out;
  const auto [h, a, g, p] = check_dragonfly(c);
  const int k = so.switch_radix;
  const std::int64_t endpoints = static_cast<std::int64_t>(c.nodes) * so.nics_per_node;
  const std::int64_t routers = static_cast<std::int64_t>(g) * a;
  const double bw = so.nic();
  const double lat = so.latency();
  // Within a group (a cabinet) links are short electrical ones; global links are long optical ones -- the
  // technology split the dragonfly is designed around (Kim et al. §2).
  std::vector<Vertex> r;
  r.reserve(static_cast<size_t>(routers));
  for (int gi = 0; gi < g; ++gi)
    for (int i = 0; i < a; ++i) r.push_back(topo.add_vertex(VertexKind::Router, -1, i, gi));
  for (int n = 0; n < c.nodes; ++n) {
    const auto& nic = topo.node_nics(n);
    for (int j = 0; j < so.nics_per_node; ++j) {
      const std::int64_t e = static_cast<std::int64_t>(n) * so.nics_per_node + j;
      topo.add_link(nic[static_cast<size_t>(j)], r[static_cast<size_t>(e / p)], bw, lat, Medium::Copper,
                    LinkTier::Access);
    }
  }
  for (int gi = 0; gi < g; ++gi)
    for (int i = 0; i < a; ++i)
      for (int j = i + 1; j < a; ++j)
        topo.add_link(r[static_cast<size_t>(gi * a + i)], r[static_cast<size_t>(gi * a + j)], bw, lat, Medium::Copper,
                      LinkTier::DragonflyLocal);
  // Global links: every group pair gets the same number of links; each group hands out its a*h global ports in
  // order, router q/h owning port q, so every router carries at most h global links.
  const int per_pair = g > 1 ? (a * h) / (g - 1) : 0;
  std::vector<int> next_port(static_cast<size_t>(g), 0);
  for (int x = 0; x < g; ++x)
    for (int y = x + 1; y < g; ++y)
      for (int l = 0; l < per_pair; ++l) {
        const Vertex u = r[static_cast<size_t>(x * a + next_port[static_cast<size_t>(x)]++ / h)];
        const Vertex v = r[static_cast<size_t>(y * a + next_port[static_cast<size_t>(y)]++ / h)];
        auto [e, exists] = boost::edge(u, v, topo.graph());
        if (exists)
          ++topo.mutable_props(e).count;
        else
          topo.add_link(u, v, bw, lat, Medium::Optical, LinkTier::DragonflyGlobal);
      }

  FabricShape& f = topo.fabric();
  f.kind = "dragonfly";
  f.radix = k;
  f.endpoints = static_cast<int>(endpoints);
  f.nic_bandwidth = bw;
  f.groups = g;
  f.routers_per_group = a;
  f.hosts_per_router = p;
  f.global_links_per_router = h;
  f.global_links_per_group_pair = per_pair;
}

}  // namespace aiscale::topology

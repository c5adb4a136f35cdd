#include "topology/analysis.hpp"

#include <algorithm>
#include <boost/graph/push_relabel_max_flow.hpp>
#include <cmath>
#include <cstdint>
#include <limits>

namespace aiscale::topology {

namespace {

using FlowTraits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using FlowGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<boost::edge_capacity_t, long long,
                    boost::property<boost::edge_residual_capacity_t, long long,
                                    boost::property<boost::edge_reverse_t, FlowTraits::edge_descriptor>>>>;

// Adds arcs a->b (capacity ab) and b->a (capacity ba), each the other's reverse.
void add_arc_pair(FlowGraph& g, size_t a, size_t b, long long ab, long long ba) {
  auto cap = boost::get(boost::edge_capacity, g);
  auto rev = boost::get(boost::edge_reverse, g);
  const auto e1 = boost::add_edge(a, b, g).first;
  const auto e2 = boost::add_edge(b, a, g).first;
  cap[e1] = ab;
  cap[e2] = ba;
  rev[e1] = e2;
  rev[e2] = e1;
}

// Full-bisection reference: half the GPUs injecting at their scale-out (or, on one node, scale-up) rate.
double full_bisection(const Topology& topo) {
  const ClusterSpec& c = topo.spec();
  if (topo.fabric().kind == "none") return c.gpus() / 2.0 * c.scale_up.bandwidth();
  return topo.fabric().endpoints / 2.0 * topo.fabric().nic_bandwidth;
}

}  // namespace

std::vector<char> bisection_sides(const Topology& topo) {
  const ClusterSpec& c = topo.spec();
  const int gpus = c.gpus();
  std::vector<char> sides(static_cast<size_t>(gpus), 0);
  const FabricShape& f = topo.fabric();
  if (f.kind == "torus") {
    // Cut across the largest dimension: the narrowest cut of a k-ary n-cube (Dally & Towles 2004, §3.3).
    size_t m = 0;
    for (size_t d = 1; d < f.torus_dims.size(); ++d)
      if (f.torus_dims[d] > f.torus_dims[m]) m = d;
    long long stride = 1;
    for (size_t d = 0; d < m; ++d) stride *= f.torus_dims[d];
    const int size = f.torus_dims[m];
    for (int i = 0; i < gpus; ++i) {
      const long long x = (i / c.gpus_per_node / stride) % size;
      sides[static_cast<size_t>(i)] = x >= size / 2 ? 1 : 0;
    }
    return sides;
  }
  for (int i = gpus / 2; i < gpus; ++i) sides[static_cast<size_t>(i)] = 1;
  return sides;
}

double bisection_max_flow(const Topology& topo, const std::vector<char>& sides) {
  const Graph& g = topo.graph();
  const size_t n = boost::num_vertices(g);
  FlowGraph fg(n + 2);
  const size_t s = n, t = n + 1;
  // Capacities in bytes/s as integers: exact arithmetic, no floating-point ties in push-relabel.
  for (auto [e, end] = boost::edges(g); e != end; ++e) {
    const auto cap = static_cast<long long>(std::llround(g[*e].capacity()));
    // Two independent directed arcs per full-duplex bundle, each with a zero-capacity reverse as push-relabel wants.
    add_arc_pair(fg, boost::source(*e, g), boost::target(*e, g), cap, 0);
    add_arc_pair(fg, boost::target(*e, g), boost::source(*e, g), cap, 0);
  }
  // Super-source and super-sink arcs carry what a GPU's own links can (an "infinite" capacity would overflow the
  // excess sums of push-relabel).
  const auto& gpus = topo.gpus();
  for (size_t i = 0; i < gpus.size(); ++i) {
    long long cap = 0;
    for (auto [e, end] = boost::out_edges(gpus[i], g); e != end; ++e) cap += std::llround(g[*e].capacity());
    if (sides[i] == 0)
      add_arc_pair(fg, s, gpus[i], cap, 0);
    else
      add_arc_pair(fg, gpus[i], t, cap, 0);
  }
  return static_cast<double>(boost::push_relabel_max_flow(fg, s, t));
}

double bisection_tier_cut(const Topology& topo, const std::vector<char>& sides) {
  const Graph& g = topo.graph();
  const size_t n = boost::num_vertices(g);
  // Which halves each vertex serves: GPUs by their side, every other vertex the union over the vertices below it.
  std::vector<std::uint8_t> mask(n, 0);
  std::vector<std::vector<Vertex>> by_level(5);
  for (Vertex v = 0; v < n; ++v) by_level[static_cast<size_t>(vertex_level(g[v].kind))].push_back(v);
  const auto& gpus = topo.gpus();
  for (size_t i = 0; i < gpus.size(); ++i) mask[gpus[i]] = sides[i] ? 2 : 1;
  for (int level = 1; level < 5; ++level)
    for (Vertex v : by_level[static_cast<size_t>(level)])
      for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) {
        const Vertex u = boost::target(*e, g);
        if (vertex_level(g[u].kind) < level) mask[v] |= mask[u];
      }
  double best = std::numeric_limits<double>::infinity();
  for (std::uint8_t side : {std::uint8_t{1}, std::uint8_t{2}})
    for (int level = 0; level < 5; ++level) {
      auto inside = [&](Vertex v) { return mask[v] == side && vertex_level(g[v].kind) <= level; };
      double cut = 0;
      for (auto [e, end] = boost::edges(g); e != end; ++e)
        if (inside(boost::source(*e, g)) != inside(boost::target(*e, g))) cut += g[*e].capacity();
      best = std::min(best, cut);
    }
  return best;
}

std::optional<double> bisection_closed_form(const Topology& topo) {
  const ClusterSpec& c = topo.spec();
  const FabricShape& f = topo.fabric();
  const int gpus = c.gpus();
  if (gpus < 2 || gpus % 2 != 0) return std::nullopt;
  if (f.kind == "none") {
    // One non-blocking NVSwitch or PCIe switch domain: each GPU of one half sends at its full rate.
    const bool one_domain = c.scale_up.kind == "pcie" || c.scale_up.domain_size >= c.gpus_per_node;
    if (!one_domain) return std::nullopt;
    return gpus / 2.0 * c.scale_up.bandwidth();
  }
  const double b = f.nic_bandwidth;
  const double half = f.endpoints / 2.0 * b;
  if (c.nodes % 2 != 0) return std::nullopt;
  if (f.kind == "fat-tree" || f.kind == "rail-optimized") {
    if (f.tiers == 1) return half;
    const bool rail = f.kind == "rail-optimized";
    const int unit = rail ? c.scale_out.nics_per_node : 1;
    if (rail ? c.nodes % f.scalable_unit_nodes != 0 : f.endpoints % f.leaf_down != 0) return std::nullopt;
    const long long leaves =
        rail ? static_cast<long long>(c.nodes / f.scalable_unit_nodes) * unit : f.endpoints / f.leaf_down;
    if ((leaves / unit) % 2 != 0) return std::nullopt;
    // Half the leaves send through their uplinks (Al-Fares et al. 2008; 1/oversubscription of full bisection).
    double cut = std::min(half, leaves / 2.0 * f.leaf_up * b);
    if (f.tiers == 3) {
      if (f.pods % 2 != 0 || leaves != static_cast<long long>(f.pods) * f.pod_leaves) return std::nullopt;
      cut = std::min(cut, f.pods / 2.0 * f.spines_per_pod * f.spine_up * b);
    }
    return cut;
  }
  if (f.kind == "dragonfly") {
    // Half the groups talk to the other half over (g/2)^2 group pairs (Kim et al. 2008).
    if (f.groups % 2 != 0 || f.endpoints != f.groups * f.routers_per_group * f.hosts_per_router) return std::nullopt;
    const double g2 = f.groups / 2.0;
    return std::min(half, g2 * g2 * f.global_links_per_group_pair * b);
  }
  if (f.kind == "torus") {
    // A k-ary n-cube cut across its largest dimension k crosses 2N/k links (wrap-around doubles the N/k).
    const int k = *std::max_element(f.torus_dims.begin(), f.torus_dims.end());
    if (k % 2 != 0) return std::nullopt;
    const double link_bw = c.scale_out.nics_per_node * b / (2.0 * static_cast<double>(f.torus_dims.size()));
    return std::min(half, 2.0 * c.nodes / k * link_bw);
  }
  return std::nullopt;
}

Bisection bisection(const Topology& topo, BisectionMethod method, size_t max_flow_max_vertices) {
  const std::vector<char> sides = bisection_sides(topo);
  if (method == BisectionMethod::Auto)
    method = topo.num_vertices() <= max_flow_max_vertices ? BisectionMethod::MaxFlow : BisectionMethod::TierCut;
  Bisection r;
  if (method == BisectionMethod::MaxFlow) {
    r.bandwidth = bisection_max_flow(topo, sides);
    r.method = "max-flow";
  } else {
    r.bandwidth = bisection_tier_cut(topo, sides);
    r.method = "tier-cut";
  }
  r.closed_form = bisection_closed_form(topo);
  r.full = full_bisection(topo);
  return r;
}

HopStats hop_stats(const Topology& topo, int exact_max_gpus, int sources) {
  const Graph& g = topo.graph();
  const auto& gpus = topo.gpus();
  const int n_gpus = static_cast<int>(gpus.size());
  HopStats h;
  std::vector<int> src;
  if (n_gpus <= exact_max_gpus) {
    for (int i = 0; i < n_gpus; ++i) src.push_back(i);
    h.exact = true;
  } else {
    // Evenly spread sources, last GPU included: symmetric fabrics look the same from every GPU of a class.
    for (int i = 0; i < sources; ++i) src.push_back(static_cast<int>(static_cast<long long>(i) * n_gpus / sources));
    src.push_back(n_gpus - 1);
    std::sort(src.begin(), src.end());
    src.erase(std::unique(src.begin(), src.end()), src.end());
  }
  std::vector<int> dist(boost::num_vertices(g)), sw(boost::num_vertices(g));
  std::vector<Vertex> queue;
  queue.reserve(dist.size());
  double sum = 0;
  long long pairs = 0;
  for (int i : src) {
    std::fill(dist.begin(), dist.end(), -1);
    const Vertex s = gpus[static_cast<size_t>(i)];
    queue.clear();
    queue.push_back(s);
    dist[s] = 0;
    sw[s] = 0;
    for (size_t head = 0; head < queue.size(); ++head) {
      const Vertex u = queue[head];
      if (u != s && g[u].kind == VertexKind::Gpu) {
        sum += dist[u];
        ++pairs;
        h.diameter = std::max(h.diameter, dist[u]);
        h.diameter_switches = std::max(h.diameter_switches, sw[u]);
        continue;  // GPUs do not forward
      }
      for (auto [e, end] = boost::out_edges(u, g); e != end; ++e) {
        const Vertex v = boost::target(*e, g);
        if (dist[v] < 0) {
          dist[v] = dist[u] + 1;
          sw[v] = sw[u] + (is_switch(g[v].kind) ? 1 : 0);
          queue.push_back(v);
        }
      }
    }
  }
  h.sources = static_cast<int>(src.size());
  h.mean = pairs > 0 ? sum / static_cast<double>(pairs) : 0;
  return h;
}

Analysis analyse(const Topology& topo, const AnalysisOptions& options) {
  const Graph& g = topo.graph();
  const ClusterSpec& c = topo.spec();
  const FabricShape& f = topo.fabric();
  Analysis a;
  a.gpus = c.gpus();
  a.nodes = c.nodes;
  for (int k = 0; k <= static_cast<int>(VertexKind::TorusRouter); ++k) {
    const auto kind = static_cast<VertexKind>(k);
    const auto& vs = topo.vertices(kind);
    if (vs.empty()) continue;
    DeviceStats d;
    d.kind = kind;
    d.count = static_cast<long long>(vs.size());
    const bool fabric_switch =
        kind == VertexKind::Leaf || kind == VertexKind::Spine || kind == VertexKind::Core || kind == VertexKind::Router;
    d.radix = fabric_switch ? f.radix : 0;
    for (Vertex v : vs) {
      int used = 0;
      for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) used += g[*e].count;
      d.max_ports_used = std::max(d.max_ports_used, used);
      d.ports_used += used;
    }
    a.devices.push_back(d);
  }
  std::vector<TierStats> tiers(kLinkTierCount);
  std::vector<bool> present(kLinkTierCount, false);
  for (auto [e, end] = boost::edges(g); e != end; ++e) {
    const LinkProps& l = g[*e];
    const auto i = static_cast<size_t>(l.tier);
    TierStats& t = tiers[i];
    present[i] = true;
    t.tier = l.tier;
    t.links += l.count;
    (l.medium == Medium::Board ? t.board : l.medium == Medium::Copper ? t.copper : t.optical) += l.count;
    t.link_bandwidth = std::max(t.link_bandwidth, l.bandwidth);
    t.capacity += l.capacity();
  }
  for (size_t i = 0; i < tiers.size(); ++i) {
    if (!present[i]) continue;
    TierStats& t = tiers[i];
    t.transceivers = 2 * t.optical;
    t.per_gpu = a.gpus > 0 ? t.capacity / a.gpus : 0;
    a.cables += t.copper + t.optical;
    a.transceivers += t.transceivers;
    a.tiers.push_back(t);
  }
  a.bisection = bisection(topo, options.bisection, options.max_flow_max_vertices);
  a.hops = hop_stats(topo, options.exact_hops_max_gpus, options.hop_sources);
  if ((f.kind == "fat-tree" || f.kind == "rail-optimized") && f.tiers >= 2) {
    a.leaf_oversubscription = static_cast<double>(f.leaf_down) / f.leaf_up;
    if (f.tiers == 3) a.spine_oversubscription = static_cast<double>(f.spine_down) / f.spine_up;
  }
  return a;
}

}  // namespace aiscale::topology

#include "topology/export.hpp"

#include <cstdio>
#include <map>
#include <sstream>

#include "topology/routing.hpp"

namespace aiscale::topology {

namespace {

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

// DOT and XML ids here are generated names ([a-z0-9._-]), so no escaping is needed.
const char* dot_style(VertexKind k) {
  switch (k) {
    case VertexKind::Gpu:
      return "shape=box,style=filled,fillcolor=\"#76b900\"";
    case VertexKind::NvSwitch:
      return "shape=hexagon,style=filled,fillcolor=\"#c0e080\"";
    case VertexKind::PcieSwitch:
      return "shape=hexagon,style=filled,fillcolor=\"#dddddd\"";
    case VertexKind::Nic:
      return "shape=ellipse,style=filled,fillcolor=\"#a0c4ff\"";
    case VertexKind::Leaf:
      return "shape=box3d,style=filled,fillcolor=\"#ffd6a5\"";
    case VertexKind::Spine:
      return "shape=box3d,style=filled,fillcolor=\"#ffadad\"";
    case VertexKind::Core:
      return "shape=box3d,style=filled,fillcolor=\"#bdb2ff\"";
    case VertexKind::Router:
      return "shape=octagon,style=filled,fillcolor=\"#ffc6ff\"";
    case VertexKind::TorusRouter:
      return "shape=octagon,style=filled,fillcolor=\"#caffbf\"";
  }
  return "";
}

// Canonical direction of a bundle: from its lower-numbered vertex.
std::pair<Vertex, Vertex> ends(const Graph& g, Edge e) {
  const Vertex a = boost::source(e, g), b = boost::target(e, g);
  return a < b ? std::make_pair(a, b) : std::make_pair(b, a);
}

}  // namespace

std::string to_dot(const Topology& topo) {
  const Graph& g = topo.graph();
  std::ostringstream out;
  out << "graph cluster {\n  graph [overlap=false,splines=true];\n  node [fontname=\"Helvetica\",fontsize=10];\n";
  for (Vertex v = 0; v < boost::num_vertices(g); ++v)
    out << "  \"" << topo.name(v) << "\" [" << dot_style(g[v].kind) << "];\n";
  for (auto [e, end] = boost::edges(g); e != end; ++e) {
    const auto [a, b] = ends(g, *e);
    const LinkProps& l = g[*e];
    out << "  \"" << topo.name(a) << "\" -- \"" << topo.name(b) << "\" [label=\""
        << (l.count > 1 ? std::to_string(l.count) + "x" : "") << format_bandwidth(l.bandwidth) << "\""
        << (l.medium == Medium::Optical ? ",style=dashed" : "") << "];\n";
  }
  out << "}\n";
  return out.str();
}

nlohmann::ordered_json to_json(const Topology& topo, const Analysis& a) {
  const ClusterSpec& c = topo.spec();
  const FabricShape& f = topo.fabric();
  nlohmann::ordered_json j;
  j["schema"] = "aiscale/topology/v1";
  j["gpus"] = a.gpus;
  j["nodes"] = a.nodes;
  j["gpu"] = c.gpu.name;
  j["gpus_per_node"] = c.gpus_per_node;
  j["scale_up"] = {{"kind", c.scale_up.kind},
                   {"domain_size", c.scale_up.kind == "pcie" ? c.gpus_per_node : c.scale_up.domain_size},
                   {"bandwidth_per_gpu_Bps", c.scale_up.bandwidth()}};
  nlohmann::ordered_json fab{{"kind", f.kind}};
  if (f.kind != "none") {
    fab["radix"] = f.radix;
    fab["endpoints"] = f.endpoints;
    fab["nic_bandwidth_Bps"] = f.nic_bandwidth;
  }
  if (f.kind == "fat-tree" || f.kind == "rail-optimized") {
    fab["tiers"] = f.tiers;
    fab["leaf_ports"] = {{"down", f.leaf_down}, {"up", f.leaf_up}};
    if (f.kind == "rail-optimized") fab["scalable_unit_nodes"] = f.scalable_unit_nodes;
    if (f.tiers >= 2) fab["spines_per_pod"] = f.spines_per_pod;
    if (f.tiers == 3) {
      fab["pods"] = f.pods;
      fab["leaves_per_pod"] = f.pod_leaves;
      fab["spine_ports"] = {{"down", f.spine_down}, {"up", f.spine_up}};
      fab["core_groups"] = f.core_groups;
      fab["cores_per_group"] = f.cores_per_group;
    }
    fab["leaf_oversubscription"] = a.leaf_oversubscription;
    if (f.tiers == 3) fab["spine_oversubscription"] = a.spine_oversubscription;
  } else if (f.kind == "dragonfly") {
    fab["groups"] = f.groups;
    fab["routers_per_group"] = f.routers_per_group;
    fab["hosts_per_router"] = f.hosts_per_router;
    fab["global_links_per_router"] = f.global_links_per_router;
    fab["global_links_per_group_pair"] = f.global_links_per_group_pair;
  } else if (f.kind == "torus") {
    fab["dims"] = f.torus_dims;
  }
  if (f.kind != "none") fab["routing"] = topo.spec().scale_out.routing;
  j["fabric"] = fab;
  nlohmann::ordered_json devices = nlohmann::ordered_json::array();
  for (const auto& d : a.devices)
    devices.push_back({{"kind", to_string(d.kind)},
                       {"count", d.count},
                       {"radix", d.radix},
                       {"max_ports_used", d.max_ports_used},
                       {"ports_used", d.ports_used}});
  j["devices"] = devices;
  nlohmann::ordered_json tiers = nlohmann::ordered_json::array();
  for (const auto& t : a.tiers)
    tiers.push_back({{"tier", to_string(t.tier)},
                     {"links", t.links},
                     {"board", t.board},
                     {"copper", t.copper},
                     {"optical", t.optical},
                     {"transceivers", t.transceivers},
                     {"link_bandwidth_Bps", t.link_bandwidth},
                     {"capacity_Bps", t.capacity},
                     {"per_gpu_Bps", t.per_gpu}});
  j["links"] = tiers;
  j["cables"] = a.cables;
  j["transceivers"] = a.transceivers;
  nlohmann::ordered_json bis{{"bandwidth_Bps", a.bisection.bandwidth},
                             {"method", a.bisection.method},
                             {"full_bisection_Bps", a.bisection.full},
                             {"ratio", a.bisection.ratio()},
                             {"per_gpu_Bps", a.gpus > 0 ? a.bisection.bandwidth / (a.gpus / 2.0) : 0.0}};
  bis["closed_form_Bps"] = a.bisection.closed_form ? nlohmann::ordered_json(*a.bisection.closed_form) : nullptr;
  j["bisection"] = bis;
  j["hops"] = {{"diameter_links", a.hops.diameter},
               {"diameter_switches", a.hops.diameter_switches},
               {"mean_links", a.hops.mean},
               {"sources", a.hops.sources},
               {"exact", a.hops.exact}};
  return j;
}

std::string simgrid_host_name(int gpu) { return "gpu" + std::to_string(gpu); }

std::string simgrid_link_name(const Topology& topo, Edge e) {
  const auto [a, b] = ends(topo.graph(), e);
  return topo.name(a) + "-" + topo.name(b);
}

std::string to_simgrid_platform(const Topology& topo, const SimgridOptions& options) {
  const Graph& g = topo.graph();
  const int n_gpus = static_cast<int>(topo.gpus().size());
  bool full = options.routing == SimgridOptions::Routing::Full ||
              (options.routing == SimgridOptions::Routing::Auto && n_gpus <= options.full_max_gpus);
  std::ostringstream out;
  out << "<?xml version='1.0'?>\n"
      << "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
      << "<platform version=\"4.1\">\n"
      << "  <zone id=\"" << options.zone_id << "\" routing=\"" << (full ? "Full" : "Dijkstra") << "\">\n";
  // Host speed: the GPU's dense BF16 peak; the engine scales exec amounts by its own efficiency model.
  const double speed = topo.spec().gpu.peak_bf16() > 0 ? topo.spec().gpu.peak_bf16() : 1e12;
  for (int i = 0; i < n_gpus; ++i)
    out << "    <host id=\"" << simgrid_host_name(i) << "\" speed=\"" << num(speed) << "f\"/>\n";
  if (!full)
    for (Vertex v = 0; v < boost::num_vertices(g); ++v)
      if (g[v].kind != VertexKind::Gpu) out << "    <router id=\"" << topo.name(v) << "\"/>\n";
  // One SPLITDUPLEX link per bundle: each direction has the full capacity, as on real full-duplex links. UP is
  // the direction from the lower-numbered vertex.
  for (auto [e, end] = boost::edges(g); e != end; ++e)
    out << "    <link id=\"" << simgrid_link_name(topo, *e) << "\" bandwidth=\"" << num(g[*e].capacity())
        << "Bps\" latency=\"" << num(g[*e].latency) << "s\" sharing_policy=\"SPLITDUPLEX\"/>\n";
  auto netpoint = [&](Vertex v) { return g[v].kind == VertexKind::Gpu ? simgrid_host_name(g[v].index) : topo.name(v); };
  auto link_ctn = [&](Vertex from, Vertex to) {
    const Edge e = boost::edge(from, to, g).first;
    return "<link_ctn id=\"" + simgrid_link_name(topo, e) + "\" direction=\"" + (from < to ? "UP" : "DOWN") + "\"/>";
  };
  if (full) {
    Router router(topo, options.seed, 4);
    for (int d = 0; d < n_gpus; ++d)
      for (int s = 0; s < n_gpus; ++s) {
        if (s == d) continue;
        const Path p = router.route_flow(topo.gpu(s), topo.gpu(d), s, d);
        if (p.vertices.empty()) continue;
        out << "    <route src=\"" << simgrid_host_name(s) << "\" dst=\"" << simgrid_host_name(d)
            << "\" symmetrical=\"NO\">";
        for (size_t i = 0; i + 1 < p.vertices.size(); ++i) out << link_ctn(p.vertices[i], p.vertices[i + 1]);
        out << "</route>\n";
      }
  } else {
    for (auto [e, end] = boost::edges(g); e != end; ++e) {
      const auto [a, b] = ends(g, *e);
      out << "    <route src=\"" << netpoint(a) << "\" dst=\"" << netpoint(b) << "\" symmetrical=\"NO\">"
          << link_ctn(a, b) << "</route>\n";
      out << "    <route src=\"" << netpoint(b) << "\" dst=\"" << netpoint(a) << "\" symmetrical=\"NO\">"
          << link_ctn(b, a) << "</route>\n";
    }
  }
  out << "  </zone>\n</platform>\n";
  return out.str();
}

}  // namespace aiscale::topology

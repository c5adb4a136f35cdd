#pragma once
// Exports: GraphViz DOT, a JSON summary (schema aiscale/topology/v1), and the SimGrid platform the event engine
// loads.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "topology/analysis.hpp"
#include "topology/graph.hpp"

namespace aiscale::topology {

// GraphViz DOT of the whole graph: vertices by kind (shape/colour), edges labelled with bandwidth and link count.
std::string to_dot(const Topology& topo);

// JSON summary of the cluster, its fabric shape and the analyses (ordered keys, deterministic).
nlohmann::ordered_json to_json(const Topology& topo, const Analysis& analysis);

struct SimgridOptions {
  // Full: one explicit route per ordered GPU pair, chosen as the cluster routes (scale_out.routing: D-Mod-K or ECMP;
  // exact, O(GPUs^2) size).
  // Dijkstra: one route per link direction; SimGrid picks lowest-latency paths itself and may forward through a
  // GPU host (as NCCL's PXN does), unlike Router. Auto: Full up to full_max_gpus GPUs, else Dijkstra.
  // Routes are available once the platform is sealed (Engine::seal_platform() or run()).
  enum class Routing { Auto, Full, Dijkstra };
  Routing routing = Routing::Auto;
  int full_max_gpus = 64;
  std::uint64_t seed = 0;  // ECMP seed for Full routing under scale_out.routing "ecmp"
  std::string zone_id = "cluster";
};

// SimGrid platform XML (DTD version 4.1): one host per GPU (id = simgrid_host_name(i), speed = dense BF16 peak),
// one router per switch/NIC, one SPLITDUPLEX link per link bundle (capacity = bundle bandwidth), and routes.
std::string to_simgrid_platform(const Topology& topo, const SimgridOptions& options = {});
// The SimGrid host id of GPU i ("gpu12"): ranks map to hosts through this.
std::string simgrid_host_name(int gpu);
// The SimGrid link id of a bundle ("l42_nic3.1-leaf0").
std::string simgrid_link_name(const Topology& topo, Edge e);

}  // namespace aiscale::topology

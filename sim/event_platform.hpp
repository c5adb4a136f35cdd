#pragma once
// The network the event engine simulates: directed links of the cluster graph and GPU-to-GPU routes taken from
// topology/ routing (D-Mod-K by destination, or a per-flow ECMP hash: cluster.scale_out.routing), plus the SimGrid
// platform built from them.
#include <simgrid/forward.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "topology/graph.hpp"
#include "topology/routing.hpp"

namespace aiscale {

// One direction of a link bundle. A GPU's NVLink bundles to the NVSwitch planes of its domain are merged into one
// port per direction: NCCL stripes every transfer over all NVLinks (channels) and NVSwitch is non-blocking.
struct EventLink {
  int edge = -1;   // bundle index in the topology's edge order; -1 for a merged NVLink port
  int gpu = -1;    // merged NVLink port: its GPU
  bool up = true;  // direction: from the lower-numbered vertex (bundle) or out of the GPU (port)
  topology::LinkTier tier = topology::LinkTier::NvLink;
  double capacity = 0;  // bytes/s
  double latency = 0;   // s
  // Carries exactly the flows of another link of no larger capacity (a GPU's PCIe link to a NIC that serves only
  // it, in series with that NIC's one switch link): its max-min constraint can never bind alone, so SimGrid routes
  // leave it out (its latency stays in the route's). Routes, and the per-link load summary, still list it.
  bool implied = false;
};

// Links of one GPU-to-GPU path and its summed latency.
struct EventRoute {
  std::vector<int> links;
  double latency = 0;
};

class EventNetwork {
 public:
  // Indexes the topology's links; routes follow cluster.scale_out.routing, and `seed` drives the ECMP choices (as
  // topology::Router's seed) when that is "ecmp".
  EventNetwork(const topology::Topology& topo, std::uint64_t seed);

  int gpus() const { return static_cast<int>(topo_.gpus().size()); }
  const std::vector<EventLink>& links() const { return links_; }
  const topology::Topology& topology() const { return topo_; }
  // Route of flow src -> dst (GPU indices), computed on first use and cached. ECMP flow id = src * gpus + dst, as in
  // the SimGrid platform export; D-Mod-K key = the destination NIC's place in a leaf-by-leaf numbering.
  const EventRoute& route(int src, int dst);
  // Readable name of a directed link: "<bundle>:up|down" or "gpu3-nvlink:up|down".
  std::string link_name(int link) const;
  size_t routes_cached() const { return routes_.size(); }

 private:
  void compute_route(int src, int dst, EventRoute& out);
  // Bundle index of the link between two adjacent vertices.
  int directed(topology::Vertex from, topology::Vertex to) const;

  const topology::Topology& topo_;
  topology::Router router_;
  std::vector<EventLink> links_;
  std::vector<topology::Edge> edges_;                 // bundle index -> edge
  std::vector<int> bundle_link_;                      // bundle index -> its up link (down = up + 1), -1 merged
  std::unordered_map<std::uint64_t, int> bundle_of_;  // (min vertex, max vertex) -> bundle index
  std::vector<int> nv_port_;                          // GPU -> first of its two port links, -1 if none
  std::unordered_map<std::uint64_t, std::unique_ptr<EventRoute>> routes_;
};

// Creates the SimGrid platform inside the current s4u::Engine: one host per GPU ("gpu<i>", speed `host_speed`
// flop/s), one link per EventLink, and a root zone that answers route queries from `net`. Returns the hosts.
std::vector<simgrid::s4u::Host*> create_simgrid_platform(EventNetwork& net, double host_speed);

// Sets the network model every aiscale simulation (and the raw-SimGrid baseline) runs under: CM02 max-min sharing
// with latencies and bandwidths as given, no TCP corrections (gamma window, cross-traffic, latency/bandwidth
// factors, weight-S).
void configure_network_model(simgrid::s4u::Engine& engine);

// The SimGrid engine every aiscale run uses (one per process): logging down to critical, the network model above,
// and small actor stacks (rank actors are shallow, and there can be thousands).
std::unique_ptr<simgrid::s4u::Engine> create_engine();

}  // namespace aiscale

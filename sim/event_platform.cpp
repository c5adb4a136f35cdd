#include "sim/event_platform.hpp"

#include <xbt/log.h>

#include <simgrid/kernel/routing/NetPoint.hpp>
#include <simgrid/kernel/routing/NetZoneImpl.hpp>
#include <simgrid/s4u.hpp>

#include "models/error.hpp"
#include "topology/export.hpp"

namespace aiscale {

namespace {

using topology::LinkTier;
using topology::Vertex;
using topology::VertexKind;

std::uint64_t pair_key(std::uint64_t a, std::uint64_t b) { return a < b ? (a << 32) | b : (b << 32) | a; }

// Root zone whose routes come from EventNetwork: no O(GPUs^2) routing table, routes built only for the GPU pairs
// that exchange data.
class RouteZone : public simgrid::kernel::routing::NetZoneImpl {
 public:
  explicit RouteZone(EventNetwork& net) : NetZoneImpl("aiscale"), net_(net) {}

  void get_local_route(const simgrid::kernel::routing::NetPoint* src, const simgrid::kernel::routing::NetPoint* dst,
                       simgrid::kernel::routing::Route* into, double* latency) override {
    const EventRoute& r = net_.route(gpu_of_[src->id()], gpu_of_[dst->id()]);
    for (int l : r.links)
      if (!net_.links()[static_cast<size_t>(l)].implied) into->link_list_.push_back(impl_[static_cast<size_t>(l)]);
    if (latency) *latency += r.latency;
  }

  std::vector<int> gpu_of_;  // netpoint id -> GPU
  std::vector<simgrid::kernel::resource::StandardLinkImpl*> impl_;

 private:
  EventNetwork& net_;
};

}  // namespace

EventNetwork::EventNetwork(const topology::Topology& topo, std::uint64_t seed)
    : topo_(topo),
      router_(topo, seed,
              topo.vertices(VertexKind::Leaf).size() + topo.vertices(VertexKind::Router).size() +
                  topo.vertices(VertexKind::TorusRouter).size() + 16) {
  const topology::Graph& g = topo.graph();
  const int n = gpus();
  nv_port_.assign(static_cast<size_t>(n), -1);
  std::vector<double> port_bw(static_cast<size_t>(n), 0.0), port_lat(static_cast<size_t>(n), 0.0);
  for (auto [e, end] = boost::edges(g); e != end; ++e) {
    const Vertex a = boost::source(*e, g), b = boost::target(*e, g);
    const topology::LinkProps& lp = g[*e];
    const int idx = static_cast<int>(edges_.size());
    edges_.push_back(*e);
    bundle_of_[pair_key(a, b)] = idx;
    if (lp.tier == LinkTier::NvLink && (g[a].kind == VertexKind::Gpu || g[b].kind == VertexKind::Gpu)) {
      const int gpu = g[a].kind == VertexKind::Gpu ? g[a].index : g[b].index;
      port_bw[static_cast<size_t>(gpu)] += lp.capacity();
      port_lat[static_cast<size_t>(gpu)] = lp.latency;
      bundle_link_.push_back(-1);
      continue;  // merged into the GPU's port
    }
    bundle_link_.push_back(static_cast<int>(links_.size()));
    links_.push_back({idx, -1, true, lp.tier, lp.capacity(), lp.latency});
    links_.push_back({idx, -1, false, lp.tier, lp.capacity(), lp.latency});
  }
  // A GPU whose single NIC serves it alone and has one switch link: the GPU-NIC and NIC-switch links carry the same
  // flows in each direction, so the one of larger capacity (the PCIe link on a tie) is implied by the other.
  const std::vector<topology::GpuUplink>& up = router_.uplinks();
  for (int i = 0; i < n; ++i) {
    const topology::GpuUplink& u = up[static_cast<size_t>(i)];
    if (u.nic < 0) continue;
    const Vertex gpu = topo.gpu(i), nic = static_cast<Vertex>(u.nic), acc = static_cast<Vertex>(u.access);
    int gpus_on_nic = 0;
    for (auto [e, end] = boost::out_edges(nic, g); e != end; ++e)
      gpus_on_nic += g[boost::target(*e, g)].kind == VertexKind::Gpu ? 1 : 0;
    const auto pi = bundle_of_.find(pair_key(gpu, nic)), ai = bundle_of_.find(pair_key(nic, acc));
    if (gpus_on_nic != 1 || pi == bundle_of_.end() || ai == bundle_of_.end()) continue;
    const int pcie = bundle_link_[static_cast<size_t>(pi->second)],
              access = bundle_link_[static_cast<size_t>(ai->second)];
    if (pcie < 0 || access < 0) continue;
    // Outbound: GPU->NIC then NIC->switch; inbound: the reverse directions (up = from the lower-numbered vertex).
    const int p_out = pcie + (gpu < nic ? 0 : 1), a_out = access + (nic < acc ? 0 : 1);
    const int p_in = pcie + (gpu < nic ? 1 : 0), a_in = access + (nic < acc ? 1 : 0);
    for (const auto& [p, a] : {std::pair{p_out, a_out}, std::pair{p_in, a_in}}) {
      EventLink &lp = links_[static_cast<size_t>(p)], &la = links_[static_cast<size_t>(a)];
      (lp.capacity >= la.capacity ? lp : la).implied = true;
    }
  }
  for (int i = 0; i < n; ++i) {
    if (port_bw[static_cast<size_t>(i)] <= 0) continue;
    nv_port_[static_cast<size_t>(i)] = static_cast<int>(links_.size());
    links_.push_back(
        {-1, i, true, LinkTier::NvLink, port_bw[static_cast<size_t>(i)], port_lat[static_cast<size_t>(i)]});
    links_.push_back(
        {-1, i, false, LinkTier::NvLink, port_bw[static_cast<size_t>(i)], port_lat[static_cast<size_t>(i)]});
  }
}

int EventNetwork::directed(Vertex from, Vertex to) const {
  const auto it = bundle_of_.find(pair_key(from, to));
  if (it == bundle_of_.end()) throw std::logic_error("event engine: route uses a missing link");
  return it->second;
}

const EventRoute& EventNetwork::route(int src, int dst) {
  const std::uint64_t key =
      static_cast<std::uint64_t>(src) * static_cast<std::uint64_t>(gpus()) + static_cast<std::uint64_t>(dst);
  auto it = routes_.find(key);
  if (it != routes_.end()) return *it->second;
  auto r = std::make_unique<EventRoute>();
  compute_route(src, dst, *r);
  return *routes_.emplace(key, std::move(r)).first->second;
}

void EventNetwork::compute_route(int src, int dst, EventRoute& out) {
  const topology::Graph& g = topo_.graph();
  const Vertex vs = topo_.gpu(src), vd = topo_.gpu(dst);
  auto routed = [&](Vertex a, Vertex b) { return router_.route_flow(a, b, src, dst); };
  auto add = [&](int link) {
    out.links.push_back(link);
    out.latency += links_[static_cast<size_t>(link)].latency;
  };
  // Same NVLink domain: out of the source port, into the destination port.
  const int ps = nv_port_[static_cast<size_t>(src)], pd = nv_port_[static_cast<size_t>(dst)];
  if (ps >= 0 && pd >= 0 && g[vs].group == g[vd].group) {
    add(ps);
    add(pd + 1);
    return;
  }
  std::vector<Vertex> path;
  // A GPU with exactly one NIC whose NIC has exactly one fabric link leaves the node through them; the switch-level
  // part of its routes is then asked of the Router between fabric switches (same choices, far fewer BFS roots).
  const topology::GpuUplink& us = router_.uplinks()[static_cast<size_t>(src)];
  const topology::GpuUplink& ud = router_.uplinks()[static_cast<size_t>(dst)];
  const int as = us.access, ad = ud.access;
  if (as >= 0 && ad >= 0) {
    path = {vs, static_cast<Vertex>(us.nic)};
    if (as != ad) {
      const topology::Path mid = routed(static_cast<Vertex>(as), static_cast<Vertex>(ad));
      if (mid.vertices.empty())
        throw Error("cluster", "GPU " + std::to_string(dst) + " is unreachable from GPU " + std::to_string(src));
      path.insert(path.end(), mid.vertices.begin(), mid.vertices.end());
    } else {
      path.push_back(static_cast<Vertex>(as));
    }
    path.push_back(static_cast<Vertex>(ud.nic));
    path.push_back(vd);
  } else {
    const topology::Path p = routed(vs, vd);
    if (p.vertices.empty())
      throw Error("cluster", "GPU " + std::to_string(dst) + " is unreachable from GPU " + std::to_string(src));
    path = p.vertices;
  }
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const Vertex a = path[i], b = path[i + 1];
    const topology::LinkProps& lp = g[boost::edge(a, b, g).first];
    if (lp.tier == LinkTier::NvLink && g[a].kind == VertexKind::Gpu && nv_port_[static_cast<size_t>(g[a].index)] >= 0) {
      add(nv_port_[static_cast<size_t>(g[a].index)]);
      continue;
    }
    if (lp.tier == LinkTier::NvLink && g[b].kind == VertexKind::Gpu && nv_port_[static_cast<size_t>(g[b].index)] >= 0) {
      add(nv_port_[static_cast<size_t>(g[b].index)] + 1);
      continue;
    }
    const int first = bundle_link_[static_cast<size_t>(directed(a, b))];
    if (first < 0) throw std::logic_error("event engine: route crosses a merged NVLink bundle between switches");
    add(first + (a < b ? 0 : 1));
  }
}

std::string EventNetwork::link_name(int link) const {
  const EventLink& l = links_[static_cast<size_t>(link)];
  const std::string dir = l.up ? ":up" : ":down";
  if (l.edge < 0) return "gpu" + std::to_string(l.gpu) + "-nvlink" + dir;
  return topology::simgrid_link_name(topo_, edges_[static_cast<size_t>(l.edge)]) + dir;
}

std::vector<simgrid::s4u::Host*> create_simgrid_platform(EventNetwork& net, double host_speed) {
  auto* zone = new RouteZone(net);
  simgrid::s4u::NetZone* iface = zone->get_iface();
  std::vector<simgrid::s4u::Host*> hosts;
  const int n = net.gpus();
  hosts.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    simgrid::s4u::Host* h = iface->create_host(topology::simgrid_host_name(i), host_speed);
    h->seal();
    const unsigned long id = h->get_netpoint()->id();
    if (zone->gpu_of_.size() <= id) zone->gpu_of_.resize(id + 1, -1);
    zone->gpu_of_[id] = i;
    hosts.push_back(h);
  }
  const auto& links = net.links();
  zone->impl_.reserve(links.size());
  for (size_t i = 0; i < links.size(); ++i) {
    std::string id("l");  // appended, not operator+: GCC 12 warns falsely (-Wrestrict) on "l" + to_string
    id += std::to_string(i);
    simgrid::s4u::Link* l = iface->create_link(id, links[i].capacity);
    l->set_latency(links[i].latency);
    l->seal();
    zone->impl_.push_back(l->get_impl());
  }
  iface->seal();
  return hosts;
}

std::unique_ptr<simgrid::s4u::Engine> create_engine() {
  xbt_log_control_set("root.thresh:critical");
  int argc = 1;
  char name[] = "aiscale";
  char* argv[] = {name, nullptr};
  auto engine = std::make_unique<simgrid::s4u::Engine>(&argc, argv);
  configure_network_model(*engine);
  engine->set_config("contexts/stack-size:256");  // KiB
  return engine;
}

void configure_network_model(simgrid::s4u::Engine& engine) {
  // CM02 is max-min bandwidth sharing with the link latencies as given; SimGrid's default (LV08) scales latency by
  // 13.01 and bandwidth by 0.97 for TCP, and its TCP window (gamma) would cap a flow at gamma / (2 x latency), far
  // below NVLink rates. Cross-traffic (ACKs on the reverse path) is a TCP effect too.
  engine.set_config("network/model:CM02");
  engine.set_config("network/latency-factor:1");
  engine.set_config("network/bandwidth-factor:1");
  engine.set_config("network/weight-S:0");
  engine.set_config("network/TCP-gamma:0");
  engine.set_config("network/crosstraffic:0");
}

}  // namespace aiscale

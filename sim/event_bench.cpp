#include "sim/event_bench.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <simgrid/s4u.hpp>
#include <stdexcept>
#include <string>

#include "sim/event_platform.hpp"
#include "topology/builder.hpp"

namespace aiscale {

namespace {

double raw_run(int n, long flows) {
  namespace sg4 = simgrid::s4u;
  const std::unique_ptr<sg4::Engine> e = create_engine();  // the same model as the engine, so the rates compare
  auto* zone = sg4::create_star_zone("star");
  std::vector<sg4::Host*> hosts;
  for (int i = 0; i < n; ++i) {
    std::string host("h"), link("l");  // appended, not operator+: GCC 12 warns falsely (-Wrestrict) on "h" + ...
    host += std::to_string(i);
    link += std::to_string(i);
    auto* h = zone->create_host(host, 1e12);
    auto* l = zone->create_split_duplex_link(link, 25e9)->set_latency(1e-6);
    zone->add_route(h->get_netpoint(), nullptr, nullptr, nullptr, {{l, sg4::LinkInRoute::Direction::UP}}, true);
    hosts.push_back(h);
  }
  zone->seal();
  const long per = flows / n;
  for (int i = 0; i < n; ++i)
    sg4::Actor::create("sender", hosts[static_cast<size_t>(i)], [&hosts, i, n, per] {
      for (long k = 0; k < per; ++k)
        sg4::Comm::sendto_async(hosts[static_cast<size_t>(i)], hosts[static_cast<size_t>((i + 1 + k) % n)], 1000000)
            ->wait();
    });
  const auto t0 = std::chrono::steady_clock::now();
  e->run();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Raw SimGrid on the scenario's own platform (its topology, links and ECMP routes, the engine's network model):
// `conc` actors spread over the GPUs, each sending 1 MB flows one at a time to GPUs of the same rail on other
// nodes (the pattern of data-parallel rings), so `conc` flows are in flight.
double raw_platform_run(const Scenario& sc, int conc, long flows) {
  namespace sg4 = simgrid::s4u;
  const topology::Topology topo = topology::build_topology(sc.cluster);
  EventNetwork net(topo, sc.seed);
  const std::unique_ptr<sg4::Engine> e = create_engine();
  std::vector<sg4::Host*> hosts = create_simgrid_platform(net, 1e12);
  const int n = static_cast<int>(hosts.size()), gpn = std::max(1, sc.cluster.gpus_per_node);
  const int nodes = std::max(1, n / gpn);
  conc = std::clamp(conc, 1, n);
  const long per = std::max(1L, flows / conc);
  for (int i = 0; i < conc; ++i) {
    const int src = static_cast<int>(static_cast<long>(i) * n / conc);
    sg4::Actor::create("sender", hosts[static_cast<size_t>(src)], [&hosts, src, n, gpn, nodes, per] {
      for (long k = 0; k < per; ++k) {
        const int hop = nodes > 1 ? gpn * static_cast<int>(1 + k % (nodes - 1)) : 1 + static_cast<int>(k % (n - 1));
        sg4::Comm::sendto_async(hosts[static_cast<size_t>(src)], hosts[static_cast<size_t>((src + hop) % n)], 1000000)
            ->wait();
      }
    });
  }
  const auto t0 = std::chrono::steady_clock::now();
  e->run();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs `run` in a child process (SimGrid allows one engine per process) and returns its wall time.
template <class F>
double in_child(F run) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("bench: cannot create a pipe");
  std::cout.flush();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    const double wall = run();
    if (::write(fds[1], &wall, sizeof wall) != sizeof wall) ::_exit(1);
    ::_exit(0);
  }
  ::close(fds[1]);
  double wall = 0;
  const bool ok = ::read(fds[0], &wall, sizeof wall) == sizeof wall;
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!ok) throw std::runtime_error("bench: the raw SimGrid run failed");
  return wall;
}

}  // namespace

RawFlowBench bench_raw_platform(const Scenario& sc, int concurrency, long flows) {
  RawFlowBench b;
  b.hosts = std::clamp(concurrency, 1, sc.cluster.gpus());
  b.flows = std::max(1L, flows / b.hosts) * b.hosts;
  b.wall_s = in_child([&] { return raw_platform_run(sc, b.hosts, flows); });
  b.flows_per_s = b.wall_s > 0 ? double(b.flows) / b.wall_s : 0;
  return b;
}

RawFlowBench bench_raw_sendto(int hosts, long flows) {
  RawFlowBench b;
  b.hosts = hosts;
  b.flows = flows / hosts * hosts;
  b.wall_s = in_child([&] { return raw_run(hosts, flows); });
  b.flows_per_s = b.wall_s > 0 ? double(b.flows) / b.wall_s : 0;
  return b;
}

nlohmann::json scaling_scenario(int gpus) {
  const int dp = std::max(1, gpus / 32);
  return {{"schema", "aiscale/scenario/v1"},
          {"name", "bench-llama3-70b-" + std::to_string(gpus) + "xh100"},
          {"model", "llama3-70b"},
          {"cluster",
           {{"gpu", "h100-sxm"},
            {"nodes", gpus / 8},
            {"scale_out", {{"topology", "fat-tree"}, {"nic", "400Gbps"}, {"nics_per_node", 8}, {"switch_radix", 64}}}}},
          {"parallelism",
           {{"tp", 8},
            {"pp", 4},
            {"dp", dp},
            {"sequence_parallel", true},
            {"zero", 1},
            {"recompute", "selective"},
            {"micro_batch", 1},
            {"overlap_grad_reduce", true},
            {"overlap_param_gather", true}}},
          {"training", {{"global_batch", 16 * dp}, {"seq_len", 8192}, {"precision", "bf16"}}}};
}

nlohmann::json llama3_405b_16k_scenario() {
  nlohmann::json model = {{"layers", 128},       {"hidden", 16384}, {"heads", 128},       {"kv_heads", 8},
                          {"ffn_hidden", 53248}, {"vocab", 128256}, {"ffn_act", "swiglu"}};
  return {
      {"schema", "aiscale/scenario/v1"},
      {"name", "bench-llama3-405b-16384xh100"},
      {"model", model},
      {"cluster",
       {{"gpu", "h100-sxm"},
        {"nodes", 2048},
        {"scale_out",
         {{"topology", "fat-tree"}, {"tiers", 3}, {"nic", "400Gbps"}, {"nics_per_node", 8}, {"switch_radix", 64}}}}},
      {"parallelism",
       {{"tp", 8},
        {"pp", 16},
        {"dp", 128},
        {"sequence_parallel", true},
        {"zero", 1},
        {"recompute", "full"},
        {"micro_batch", 1},
        {"overlap_grad_reduce", true},
        {"overlap_param_gather", true},
        {"tp_comm_overlap", true}}},
      {"training", {{"global_batch", 2048}, {"seq_len", 8192}, {"precision", "bf16"}}}};
}

}  // namespace aiscale

// Builds and analyses a 100,000-GPU 3-tier fat-tree and prints wall time and peak RSS. A program, not a test:
//   topology_bench            the 100K-GPU benchmark
//   topology_bench --bom      also print the bill of materials of a 128-node DGX A100 rail-optimized cluster
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "topology/analysis.hpp"
#include "topology/bom.hpp"
#include "topology/builder.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

aiscale::ClusterSpec dgx_h100(int nodes, const char* topology, int radix) {
  aiscale::ClusterSpec c;
  c.gpu.name = "h100-sxm";
  c.gpu.peak_bf16 = aiscale::FlopRate(989e12);
  c.node_type = "dgx-h100";
  c.nodes = nodes;
  c.gpus_per_node = 8;
  c.scale_up.kind = "nvswitch";
  c.scale_up.bandwidth = aiscale::Bandwidth(450e9);
  c.scale_up.domain_size = 8;
  c.scale_out.topology = topology;
  c.scale_out.nic = aiscale::Bandwidth(50e9);  // ConnectX-7 400 Gb/s
  c.scale_out.nics_per_node = 8;
  c.scale_out.switch_radix = radix;
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace aiscale::topology;
  if (argc > 1 && std::strcmp(argv[1], "--bom") == 0) {
    aiscale::ClusterSpec c = dgx_h100(128, "rail-optimized", 40);
    c.gpu.name = "a100-sxm4-80gb";
    c.gpu.peak_bf16 = aiscale::FlopRate(312e12);
    c.node_type = "dgx-a100";
    c.scale_up.bandwidth = aiscale::Bandwidth(300e9);
    c.scale_out.nic = aiscale::Bandwidth(25e9);  // HDR 200 Gb/s
    const Topology t = build_topology(c);
    std::fputs(render_bom(t, analyse(t), "128 x DGX A100, rail-optimized HDR").c_str(), stdout);
    std::puts("");
  }
  // 12,500 DGX H100 = 100,000 GPUs and 100,000 NIC ports. Radix 64 tops out at k^3/4 = 65,536 ports, so the
  // fabric uses 128-port switches (Spectrum-4 SN5600 as 128 x 400GbE): 3 tiers, non-blocking.
  const auto t0 = Clock::now();
  const Topology topo = build_topology(dgx_h100(12500, "fat-tree", 128));
  const double build_s = seconds_since(t0);
  const auto t1 = Clock::now();
  const Analysis a = analyse(topo);
  const double analyse_s = seconds_since(t1);
  std::printf("100,000-GPU 3-tier fat-tree: %zu vertices, %zu link bundles\n", topo.num_vertices(), topo.num_edges());
  std::printf("  leaves %zu, spines %zu, cores %zu, pods %d\n", topo.vertices(VertexKind::Leaf).size(),
              topo.vertices(VertexKind::Spine).size(), topo.vertices(VertexKind::Core).size(), topo.fabric().pods);
  std::printf("  bisection %.3f TB/s (%s, %.0f%% of full), diameter %d links (%d sources)\n",
              a.bisection.bandwidth / 1e12, a.bisection.method.c_str(), a.bisection.ratio() * 100, a.hops.diameter,
              a.hops.sources);
  std::printf("  build %.3f s, analyse %.3f s, total %.3f s, peak RSS %.1f MiB\n", build_s, analyse_s,
              build_s + analyse_s, peak_rss_mib());
  // The tier cut, the method for graphs beyond the max-flow limit, on the same graph.
  const auto t2 = Clock::now();
  const double cut = bisection_tier_cut(topo, bisection_sides(topo));
  std::printf("  tier-cut bisection %.3f TB/s in %.3f s\n", cut / 1e12, seconds_since(t2));
  return 0;
}

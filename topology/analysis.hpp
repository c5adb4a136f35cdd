#pragma once
// Analyses of a built cluster: component counts, cabling per tier, bisection bandwidth, hop counts, bandwidth per
// GPU at each tier.
#include <optional>
#include <string>
#include <vector>

#include "topology/graph.hpp"

namespace aiscale::topology {

// Links of one tier. Cabling rule: links inside a chassis are board traces (no cable); NVL72 NVLink spine, NIC to a
// top-of-rack leaf and dragonfly/torus links inside a rack row are copper; everything that leaves the rack (leaf to
// spine, spine to core, rail leaves, dragonfly global links) is optical with one transceiver at each end.
struct TierStats {
  LinkTier tier = LinkTier::NvLink;
  long long links = 0;  // physical links (bundles expanded)
  long long board = 0, copper = 0, optical = 0;
  long long transceivers = 0;  // 2 per optical link
  double link_bandwidth = 0;   // bytes/s per physical link, one direction (largest in the tier)
  double capacity = 0;         // bytes/s summed over the tier, one direction
  double per_gpu = 0;          // capacity / GPUs
};

// Devices of one kind and how many of their ports are cabled.
struct DeviceStats {
  VertexKind kind = VertexKind::Gpu;
  long long count = 0;
  int radix = 0;             // ports per switch (fabric switches), 0 where not meaningful
  int max_ports_used = 0;    // most links on one device
  long long ports_used = 0;  // links over all devices of the kind
};

enum class BisectionMethod { Auto, MaxFlow, TierCut };

struct Bisection {
  double bandwidth = 0;  // bytes/s one direction across the split: what half the GPUs can send the other half
  std::string method;    // "max-flow" or "tier-cut"
  std::optional<double> closed_form;  // where a formula applies to this shape
  double full = 0;  // the non-blocking figure: half the GPUs' scale-out injection (or scale-up for one node)
  double ratio() const { return full > 0 ? bandwidth / full : 0; }  // 1 = full bisection
};

struct HopStats {
  int diameter = 0;           // most links between two GPUs
  int diameter_switches = 0;  // most switch chips traversed between two GPUs
  double mean = 0;            // mean links over GPU pairs from the sampled sources
  int sources = 0;            // GPUs BFS ran from
  bool exact = false;         // true when every GPU was a source
};

struct Analysis {
  int gpus = 0, nodes = 0;
  std::vector<DeviceStats> devices;  // in VertexKind order, kinds present only
  std::vector<TierStats> tiers;      // in LinkTier order, tiers present only
  long long cables = 0, transceivers = 0;
  Bisection bisection;
  HopStats hops;
  double leaf_oversubscription = 0, spine_oversubscription = 0;  // down:up ports actually cabled (0 if absent)
};

struct AnalysisOptions {
  BisectionMethod bisection = BisectionMethod::Auto;
  // Auto uses max-flow up to this many vertices, the tier cut above (push-relabel takes about 1 s and 300 MB on the
  // 254K-vertex graph of 100,000 GPUs on a 2-core machine; the tier cut is linear, about 0.2 s there).
  size_t max_flow_max_vertices = 300000;
  int exact_hops_max_gpus = 256;  // BFS from every GPU up to this size, else from hop_sources spread GPUs
  int hop_sources = 16;
};

// Runs every analysis.
Analysis analyse(const Topology& topo, const AnalysisOptions& options = {});

// Side of each GPU in the balanced split used for bisection: 0 = first half, 1 = second half. First half of the
// GPUs by index, except a torus, which is cut across its largest dimension.
std::vector<char> bisection_sides(const Topology& topo);
// Max-flow (push-relabel) from the first half of the GPUs to the second over the link capacities.
double bisection_max_flow(const Topology& topo, const std::vector<char>& sides);
// Smallest of the cuts around each tier's vertices that serve only one half (GPUs, in-node devices, leaves, spines,
// cores): a valid cut, so never below the max flow, and equal to it for tree-aligned splits of symmetric fabrics.
double bisection_tier_cut(const Topology& topo, const std::vector<char>& sides);
// The textbook figure for this shape where one applies (fully populated symmetric fat-tree with an even number of
// blocks, full dragonfly with even groups, torus with an even largest dimension, single NVSwitch/PCIe domain).
std::optional<double> bisection_closed_form(const Topology& topo);
// Bisection by the requested method, with the closed form alongside.
Bisection bisection(const Topology& topo, BisectionMethod method = BisectionMethod::Auto,
                    size_t max_flow_max_vertices = 300000);
// Hop statistics between GPUs by BFS (GPUs never forward).
HopStats hop_stats(const Topology& topo, int exact_max_gpus = 256, int sources = 16);

}  // namespace aiscale::topology

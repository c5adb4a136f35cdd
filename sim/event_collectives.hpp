#pragma once
// Collectives as point-to-point flows: ring, double binary tree, hierarchical (NVLink inside the node, per-rail
// rings across nodes), pairwise all-to-all and send/recv, with the algorithm picked by size and scope as NCCL's
// tuner does, or forced.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "models/collectives.hpp"

namespace aiscale {

enum class CollAlgorithm { automatic, ring, tree, hierarchical, pairwise, direct };
std::string to_string(CollAlgorithm a);
// Parses "auto", "ring", "tree", "hierarchical", "pairwise", "direct"; throws Error(path, ...) otherwise.
CollAlgorithm parse_algorithm(const std::string& name, const std::string& path);
// Parses a collective op name ("all_reduce", ...); throws Error(path, ...) otherwise.
CollOp parse_coll_op(const std::string& name, const std::string& path);

// One point-to-point transfer between GPUs.
struct FlowSpec {
  int src = 0, dst = 0;
  double bytes = 0;
};
// Flows that run at the same time; a collective's phases run one after another.
using FlowPhase = std::vector<FlowSpec>;

// Figures the algorithm choice weighs: per-GPU bandwidths and per-step latencies of the two scopes.
struct AlgorithmCosts {
  double nvlink_bw = 0, network_bw = 0;      // bytes/s per GPU, one direction
  double nvlink_step = 0, network_step = 0;  // seconds per algorithm step
};

// NCCL-like choice: send/recv direct, all-to-all pairwise, all-gather/reduce-scatter ring (hierarchical across nodes
// when several ranks share a node and that is cheaper), all-reduce the cheapest of ring, tree and hierarchical by an
// alpha-beta estimate. `forced` (if not automatic) wins when it applies to the op.
CollAlgorithm choose_algorithm(CollOp op, double bytes, const GroupPlacement& g, const AlgorithmCosts& costs,
                               CollAlgorithm forced = CollAlgorithm::automatic);

// Flows of `op` on a buffer of `bytes` over `ranks` (GPU ids in communicator order). `node_of` maps a GPU to its
// node. Aggregated (exact = false): each ring is one bandwidth-equivalent flow per neighbour pair; exact: one
// phase per algorithm step.
std::vector<FlowPhase> decompose(CollOp op, CollAlgorithm alg, const std::vector<int>& ranks, double bytes,
                                 const std::function<int(int)>& node_of, bool exact);

}  // namespace aiscale

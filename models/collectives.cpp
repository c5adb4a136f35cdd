#include "models/collectives.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace aiscale {

std::string to_string(CollOp op) {
  switch (op) {
    case CollOp::all_reduce: return "all_reduce";
    case CollOp::all_gather: return "all_gather";
    case CollOp::reduce_scatter: return "reduce_scatter";
    case CollOp::all_to_all: return "all_to_all";
    case CollOp::send_recv: return "send_recv";
  }
  return "";
}

GroupPlacement place_group(int size, int stride, int gpus_per_node) {
  GroupPlacement g;
  g.size = size;
  g.ranks_per_node = stride < gpus_per_node ? std::clamp(gpus_per_node / stride, 1, size) : 1;
  g.nodes = std::max(1, (size + g.ranks_per_node - 1) / g.ranks_per_node);
  return g;
}

CollectiveModel::CollectiveModel(const ClusterSpec& cluster, const CalibrationProfile& profile)
    : nv_(profile.nvlink),
      net_(profile.network),
      nic_bw_(cluster.scale_out.nic.value * profile.network.nic_efficiency),
      nics_(cluster.scale_out.nics_per_node),
      gpus_per_node_(cluster.gpus_per_node),
      oversubscription_(cluster.scale_out.oversubscription) {
  // A scenario's own scale-up bandwidth caps the measured NVLink rates (e.g. an H800's 400 GB/s NVLink).
  const double cap = cluster.scale_up.bandwidth.value;
  for (Bandwidth* b : {&nv_.all_reduce_busbw, &nv_.all_gather_busbw, &nv_.reduce_scatter_busbw, &nv_.all_to_all_busbw,
                       &nv_.send_recv_bw})
    b->value = std::min(b->value, cap);
  for (const auto& c : profile.collective_curves) {
    // Curves of a forced NCCL algorithm are diagnostics; NCCL's own choice is what a training job gets.
    if (c.scope != "nvlink" || !c.algo.empty()) continue;
    nv_curves_.push_back(c);
    for (auto& g : nv_curves_.back().regimes) g.busbw.value = std::min(g.busbw.value, cap);
  }
}

double CollectiveModel::bus_factor(CollOp op, int n) {
  if (n <= 1) return 0;
  switch (op) {
    case CollOp::all_reduce: return 2.0 * (n - 1) / n;
    case CollOp::all_gather:
    case CollOp::reduce_scatter:
    case CollOp::all_to_all: return double(n - 1) / n;
    case CollOp::send_recv: return 1.0;
  }
  return 1.0;
}

double CollectiveModel::nvlink_busbw(CollOp op) const {
  switch (op) {
    case CollOp::all_reduce: return nv_.all_reduce_busbw.value;
    case CollOp::all_gather: return nv_.all_gather_busbw.value;
    case CollOp::reduce_scatter: return nv_.reduce_scatter_busbw.value;
    case CollOp::all_to_all: return nv_.all_to_all_busbw.value;
    case CollOp::send_recv: return nv_.send_recv_bw.value;
  }
  return nv_.all_reduce_busbw.value;
}

double CollectiveModel::time(CollOp op, double bytes, const GroupPlacement& g) const {
  const int n = g.size;
  if (n <= 1 || bytes <= 0) return 0;
  const double nv_bw = nvlink_busbw(op);
  if (g.nodes <= 1) {
    // A fitted curve measured inside a node replaces the single alpha-beta pair when the profile has one.
    const CollectiveCurve* best = nullptr;
    for (const auto& c : nv_curves_)
      if (c.op == to_string(op) && (!best || std::abs(c.ranks - n) < std::abs(best->ranks - n))) best = &c;
    // Below the sizes it was measured at, a regime's latency is an extrapolation: keep the scalar model there.
    if (best && bytes >= best->measured_from) return best->time(bytes, bus_factor(op, n) * bytes);
    return nv_.latency.value + bus_factor(op, n) * bytes / nv_bw;
  }

  // NIC bandwidth this group gets per node: a group with r ranks on a node uses r of its rail NICs
  // (r * nics / gpus_per_node when all groups of its kind run at once and split them); an oversubscribed leaf
  // tier divides what leaves the rack (analytic simplification: every cross-node flow is charged the ratio).
  const int r = g.ranks_per_node;
  const double node_bw =
      double(nics_) * nic_bw_ * std::min(1.0, double(r) / gpus_per_node_) / oversubscription_;
  const double step = net_.step_latency.value;

  if (op == CollOp::send_recv) return net_.latency.value + bytes / (node_bw / r);

  if (op == CollOp::all_to_all) {
    // Pairwise exchange: the share bound for other nodes leaves through the NICs, the rest over NVLink.
    const double remote = bytes * double(n - r) / n * r;  // bytes leaving one node
    const double local = bytes * double(r - 1) / n;
    return net_.latency.value + (n - 1) * step + std::max(remote / node_bw, local / nv_bw);
  }

  // Ring over all ranks: every ring hop carries factor*bytes; the slowest hop is the node boundary.
  const double ring_steps = op == CollOp::all_reduce ? 2.0 * (n - 1) : double(n - 1);
  const double ring = net_.latency.value + ring_steps * step + bus_factor(op, n) * bytes / std::min(nv_bw, node_bw);
  // NCCL runs all-gather and reduce-scatter as rings only (its Tree algorithm is for all-reduce): every one of
  // the n-1 steps pays the per-step latency, which dominates at thousands of ranks.
  if (r <= 1 || op != CollOp::all_reduce) return ring;
  // All-reduce may instead take NCCL's tree: reduce inside the node over NVLink, a double binary tree across nodes
  // (2 log2(nodes) latency steps, the node's NICs carrying the 1/r shard of each rank), broadcast back, at NCCL's
  // tree bandwidth factor.
  const int nn = g.nodes;
  const double intra = nv_.latency.value + double(r - 1) / r * bytes / nv_bw;
  const double tree_steps = 2.0 * std::ceil(std::log2(double(nn)));
  const double tree =
      2 * intra + net_.latency.value + tree_steps * step + 2.0 * (nn - 1) / nn * bytes / (kTreeBusBwFactor * node_bw);
  return std::min(ring, tree);
}

}  // namespace aiscale

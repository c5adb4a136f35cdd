#pragma once
// Collective communication cost: alpha-beta per topology tier (NVLink inside a node, NICs across nodes) for ring,
// hierarchical and pairwise algorithms, the fastest chosen as NCCL's tuner does.
#include <string>
#include <vector>

#include "models/calibration_profile.hpp"
#include "models/cluster.hpp"

namespace aiscale {

// NCCL's tuner rates its Tree algorithm's bus bandwidth at 0.92 of the Ring's (NVIDIA/nccl src/graph/tuning.cc,
// "busBw*.92" for NCCL_ALGO_TREE), so large all-reduces, whose bandwidth terms otherwise tie, run as rings.
inline constexpr double kTreeBusBwFactor = 0.92;

enum class CollOp { all_reduce, all_gather, reduce_scatter, all_to_all, send_recv };
std::string to_string(CollOp op);

// Where a communicator's ranks sit: `size` ranks, `ranks_per_node` of them on each of `nodes` nodes.
struct GroupPlacement {
  int size = 1;
  int ranks_per_node = 1;
  int nodes = 1;
};

// Megatron-LM rank order (tp fastest, then cp, dp, pp): a group whose consecutive members are `stride` ranks apart.
GroupPlacement place_group(int size, int stride, int gpus_per_node);

class CollectiveModel {
 public:
  CollectiveModel(const ClusterSpec& cluster, const CalibrationProfile& profile);

  // Time for `op` on a buffer of `bytes` (the full, gathered size for all-gather / reduce-scatter).
  double time(CollOp op, double bytes, const GroupPlacement& g) const;
  // Bus-bandwidth factor: bytes each rank moves per byte of buffer (2(n-1)/n for all-reduce, ...).
  static double bus_factor(CollOp op, int n);

 private:
  double nvlink_busbw(CollOp op) const;
  CollectiveScope nv_;
  std::vector<CollectiveCurve> nv_curves_;  // fitted NVLink-scope curves from the profile, capped like nv_
  NetworkCal net_;
  double nic_bw_ = 0;  // achievable bytes/s per NIC
  int nics_ = 8, gpus_per_node_ = 8;
  double oversubscription_ = 1.0;
};

}  // namespace aiscale

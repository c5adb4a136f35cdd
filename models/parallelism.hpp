#pragma once
// Parallelism plan (TP/SP, PP with its schedule, DP with ZeRO, CP, EP, recompute, micro-batching) and its validation.
#include <string>

#include "models/error.hpp"

namespace aiscale {

enum class Schedule { gpipe, one_f_one_b, interleaved };
enum class Recompute { none, selective, full };

struct ParallelPlan {
  int tp = 1, pp = 1, dp = 1, cp = 1, ep = 1, vpp = 1;
  Schedule schedule = Schedule::one_f_one_b;
  bool sequence_parallel = false;
  int zero = 0;  // 0 none, 1 optimizer states, 2 + gradients, 3 + parameters (FSDP)
  Recompute recompute = Recompute::none;
  int micro_batch = 1;
  bool overlap_grad_reduce = false;
  bool overlap_param_gather = false;
  bool tp_comm_overlap = false;
};

std::string to_string(Schedule s);
std::string to_string(Recompute r);

struct TransformerConfig;
struct ClusterSpec;
struct TrainingSpec;

// Checks the plan against model, cluster and batch; records every violation (field path + reason) in `diag`
// and returns warnings (legal but usually slow choices, e.g. TP wider than a node).
std::vector<std::string> validate_plan(const ParallelPlan& plan, const TransformerConfig& model,
                                       const ClusterSpec& cluster, const TrainingSpec& training, Diagnostics& diag);

// Micro-batches per step per pipeline: global_batch / (micro_batch * dp).
int microbatches(const ParallelPlan& plan, int global_batch);

}  // namespace aiscale

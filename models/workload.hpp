#pragma once
// Workload IR: the ops one GPU runs per layer and micro-batch (forward, backward with recompute), its stage's
// embedding/head work, and the once-per-step work (gradient sync, optimizer). Both engines consume it.
#include <string>
#include <vector>

#include "models/collectives.hpp"
#include "models/parallelism.hpp"
#include "models/scenario.hpp"

namespace aiscale {

enum class OpKind { gemm, attention, memory, collective };
enum class Phase { forward, backward, recompute };
// Communicator groups: tensor, context, data (dense gradients) and pipeline parallelism, and for MoE layers the
// expert-parallel all-to-all group, the expert tensor-parallel group and the expert data-parallel group
// (expert gradients).
enum class Group { tp, cp, dp, pp, ep, etp, edp };
inline constexpr int kGroups = 7;
std::string to_string(Group g);

struct Op {
  const char* name = "";
  OpKind kind = OpKind::memory;
  Phase phase = Phase::forward;
  double m = 0, n = 0, k = 0, batch = 1;  // GEMM shape
  double flops = 0;                       // GEMM or attention work
  double bytes = 0;                       // memory traffic, or the collective's buffer size
  CollOp coll = CollOp::all_reduce;
  Group group = Group::tp;
  bool overlapped = false;  // collective that may hide under compute (TP overlap, ZeRO-3 prefetch)
  bool wgrad = false;       // a weight-gradient GEMM (the W pass that zero-bubble schedules defer)
  double params = 0;        // gradient/parameter syncs: the parameters they carry
};

struct Placements {
  GroupPlacement tp, cp, dp, pp, ep, etp, edp;
};

// The ops of one layer of one kind (dense FFN or MoE FFN) for one micro-batch on one GPU.
struct LayerOps {
  std::vector<Op> fwd, bwd;  // bwd includes recompute ops
  double params = 0;         // local parameters (non-expert + expert)
};

// Once-per-step work of one GPU of a pipeline stage.
struct StageStep {
  double params = 0;          // parameters held by the GPU (before ZeRO sharding)
  std::vector<Op> grad_sync;  // DP gradient all-reduce or reduce-scatter (dense over dp, experts over edp)
  std::vector<Op> param_sync; // distributed optimizer parameter all-gather
  Op optimizer;               // Adam update, memory-bound
};

struct Workload {
  int pp = 1, vpp = 1, microbatches = 1;
  Placements groups;
  std::vector<LayerOps> kinds;           // [0] dense layer, [1] MoE layer (MoE models only)
  std::vector<int> layer_kind;           // kind of each layer of the model
  std::vector<ChunkSpan> chunks;         // layers of chunk c of stage s at [s * vpp + c]
  const LayerOps& layer(int i) const { return kinds[static_cast<size_t>(layer_kind[static_cast<size_t>(i)])]; }
  // Layers of each kind in a chunk.
  std::vector<int> kind_counts(int stage, int chunk) const;
  std::vector<Op> embed_fwd, embed_bwd;  // first stage, first chunk
  std::vector<Op> head_fwd, head_bwd;    // last stage, last chunk (final norm, logits, loss)
  double p2p_bytes = 0;                  // activation sent to the next stage per micro-batch
  std::vector<StageStep> stage_steps;    // one per pipeline stage
  double model_flops = 0, hardware_flops = 0;  // per step, whole cluster
};

Workload build_workload(const Scenario& sc);

// Parameters per gradient bucket when gradient reduction overlaps backward: Megatron-Core's default
// DistributedDataParallelConfig.bucket_size, max(40M, 1M x data-parallel size); one NCCL call per bucket.
double grad_bucket_params(const ParallelPlan& plan);

}  // namespace aiscale

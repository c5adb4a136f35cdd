#pragma once
// Parallelism plan (TP/SP, PP with its schedule, DP with ZeRO, CP, EP, recompute, micro-batching) and its validation.
#include <string>
#include <vector>

#include "models/error.hpp"

namespace aiscale {

enum class Schedule { gpipe, one_f_one_b, interleaved, zb_h1 };
// How context-parallel ranks exchange keys and values: Megatron-Core's ring of point-to-point KV blocks overlapped
// with attention (cp_comm_type "p2p"), or one all-gather of K and V before attention (Llama 3, "all_gather").
enum class CpComm { p2p, all_gather };
enum class Recompute { none, selective, full };

// The training software a scenario targets. A framework version runs only some of the plans aiscale can time; the
// checks in validate_plan (and so the planner's search) follow what each version's code accepts.
//   any               every plan aiscale models (uneven pipeline stages, ZB-H1, FSDP, ...)
//   megatron-lm-2.5   Megatron-LM v2.5 (August 2021), the code of Narayanan et al., SC21
//   megatron-core-0.8 Megatron-Core core_r0.8.0 (August 2024), the code of the Megatron-Core H100 table
enum class Framework { any, megatron_lm_2_5, megatron_core_0_8 };
std::string to_string(Framework f);
// The names to_string gives, in enum order, for the scenario field training.framework.
const std::vector<std::string>& framework_names();
Framework parse_framework(const std::string& name);  // a name from framework_names(); else Framework::any
// Whether the framework has sequence parallelism (the planner turns it on with tensor parallelism when it can).
bool has_sequence_parallel(Framework f);
// Whether the framework can overlap the gradient reduction with the backward pass for a plan of `pp` stages:
// Megatron-LM v2.5 does it only through PyTorch DDP, which it allows without pipelining only.
bool can_overlap_grad_reduce(Framework f, int pp);

struct ParallelPlan {
  int tp = 1, pp = 1, dp = 1, cp = 1, ep = 1, vpp = 1;
  int etp = 0;  // expert tensor parallelism (Megatron expert_tensor_parallel_size); 0: same as tp
  Schedule schedule = Schedule::one_f_one_b;
  CpComm cp_comm = CpComm::p2p;
  // Uneven pipeline stages (Megatron decoder_first/last_pipeline_num_layers): layers on the first and the last
  // stage, the rest split evenly over the stages in between; 0 = even split.
  int first_stage_layers = 0, last_stage_layers = 0;
  bool sequence_parallel = false;
  int zero = 0;  // 0 none, 1 optimizer states, 2 + gradients, 3 + parameters (FSDP)
  Recompute recompute = Recompute::none;
  int micro_batch = 1;
  bool overlap_grad_reduce = false;
  bool overlap_param_gather = false;
  bool tp_comm_overlap = false;
  // EP all-to-alls hidden under another micro-batch's compute (Megatron-Core --overlap-moe-expert-parallel-comm,
  // DeepSeek-V3's DualPipe); otherwise they sit on the critical path.
  bool ep_comm_overlap = false;
  // Gradients kept and reduced in bf16 instead of fp32 (Megatron-LM --grad-reduce-in-bf16; PyTorch FSDP
  // MixedPrecision(reduce_dtype=bfloat16), e.g. Composer's "PURE").
  bool grad_reduce_bf16 = false;
};

std::string to_string(Schedule s);
std::string to_string(CpComm c);
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
// The most micro-batches per step a plan may have: the engines schedule each one (the analytic engine keeps a few
// hundred bytes per micro-batch and stage), and real runs stay far below (Llama 3 405B: 16M tokens as 2,048 sequences
// of 8,192, about 16 micro-batches per pipeline).
constexpr int kMaxMicrobatches = 100000;

// The largest parallelism degree (tp, pp, dp, cp, ep, vpp, etp) and micro-batch size a scenario may ask for, 2^20:
// far beyond any machine, and small enough that validate_plan's 64-bit products of them cannot overflow.
constexpr int kMaxParallelism = 1048576;

// Expert tensor-parallel size (etp, or tp when unset) and expert data-parallel size: the ranks of one pipeline
// stage, tp*cp*dp, regrouped as etp*ep*edp for the expert layers (Megatron-Core MoE parallel folding).
int expert_tp(const ParallelPlan& plan);
int expert_dp(const ParallelPlan& plan);

// Layers of each pipeline stage (uneven first/last stages as the plan says) and, for stage s and model chunk c,
// the index of its first layer and its layer count (Megatron numbering: chunk c of every stage, then chunk c+1;
// an uneven stage gives its first chunks one layer more).
std::vector<int> stage_layers(const TransformerConfig& model, const ParallelPlan& plan);
struct ChunkSpan {
  int first = 0, count = 0;
};
std::vector<ChunkSpan> chunk_spans(const TransformerConfig& model, const ParallelPlan& plan);  // [s * vpp + c]

}  // namespace aiscale

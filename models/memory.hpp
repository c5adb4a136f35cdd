#pragma once
// Memory per GPU: weights, gradients and optimizer states by ZeRO stage and precision, activations by
// recompute/SP/schedule (Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models").
#include <string>

#include "models/catalog.hpp"
#include "models/parallelism.hpp"
#include "models/transformer.hpp"

namespace aiscale {

struct MemoryBreakdown {
  // bytes; activations: those stored for the backward, plus the larger of the last stage's fp32 logits and the
  // recompute working set (one layer re-run for one micro-batch)
  double weights = 0, gradients = 0, optimizer = 0, activations = 0;
  double fp8_state = 0;  // FP8 recipes: cached FP8 weight copies and per-tensor scaling history (in weights too)
  double runtime = 0;    // CUDA context and NCCL communicator buffers (runtime_bytes), held by every GPU
  double peak = 0;       // sum of the above (fp8_state aside) on the worst pipeline stage
  double capacity = 0;   // HBM of the GPU
  int stage = 0;         // pipeline stage with the peak
  bool fits = false;
};

// Bytes per parameter for weights, gradients and optimizer states (Adam) before ZeRO sharding, following
// Megatron-LM's distributed-optimizer table: bf16 2+4+12 (fp32 main grads), fp16 2+2+16, fp32 4+4+8.
struct BytesPerParam {
  double weights, gradients, optimizer;
};
BytesPerParam bytes_per_param(Precision p);
// The same for a plan: gradients in 2 bytes when the plan keeps and reduces them in bf16.
BytesPerParam bytes_per_param(Precision p, const ParallelPlan& plan);

// Parameters held by one GPU of pipeline stage `stage`: the non-expert part (layers of that stage / tp, plus
// embeddings or head), sharded by ZeRO over dp*cp, and the routed experts (experts / ep, each / etp), sharded by
// ZeRO over the expert data-parallel ranks.
struct StageParams {
  double dense = 0, expert = 0;
  double total() const { return dense + expert; }
};
StageParams stage_params(const TransformerConfig& m, const ParallelPlan& plan, int stage);
// The same with the plan's chunk spans computed beforehand (chunk_spans(m, plan)).
StageParams stage_params(const TransformerConfig& m, const ParallelPlan& plan, int stage,
                         const std::vector<ChunkSpan>& spans);
double stage_params_per_gpu(const TransformerConfig& m, const ParallelPlan& plan, int stage);
// Local parameters of one layer of each kind on one GPU: {non-expert, routed-expert}.
StageParams layer_params_per_gpu(const TransformerConfig& m, const ParallelPlan& plan, bool moe_layer);

// Routed-expert tokens one GPU computes per micro-batch in an MoE layer: its share of the tokens times top_k,
// gathered over the expert tensor-parallel group, times the capacity factor (padded to capacity) or the routing
// imbalance (dropless, the busiest rank).
double expert_tokens_per_gpu(const TransformerConfig& m, const ParallelPlan& plan, double micro_batch, double seq);

// Activation bytes of one layer for one micro-batch on one GPU (Korthikanti et al. 2022, Table 2, generalised to
// GQA/MLA, gated FFNs and MoE FFNs; FP8 recipes keep linear-layer inputs in 1 byte, as Transformer Engine does).
double layer_activation_bytes(const TransformerConfig& m, const ParallelPlan& plan, double micro_batch, double seq,
                              bool flash_attention, bool moe_layer = false, Precision precision = Precision::bf16);

// Micro-batches whose activations stage `stage` holds at its peak, counted in layer-chunks of that stage.
double inflight_microbatches(const ParallelPlan& plan, int stage, int microbatches);

// Memory the training software holds on every GPU besides the model's tensors: the CUDA context, whose size
// depends on whether CUDA loads its kernels lazily (CUDA >= 11.7; not in the 2021 software of megatron-lm-2.5),
// and the buffers of each NCCL communicator of a parallel group with more than one GPU (tp, cp, dp, pp, ep).
double runtime_bytes(const ParallelPlan& plan, Framework framework);

MemoryBreakdown memory_per_gpu(const TransformerConfig& m, const ParallelPlan& plan, const GpuSpec& gpu,
                               Precision precision, int global_batch, int seq, bool flash_attention,
                               Framework framework = Framework::any);

}  // namespace aiscale

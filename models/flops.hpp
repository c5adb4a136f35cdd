#pragma once
// FLOP counts per training step in the two published conventions (model FLOPs and hardware FLOPs).
#include "models/parallelism.hpp"
#include "models/transformer.hpp"

namespace aiscale {

struct StepFlops {
  double model = 0;     // fwd+bwd, no recompute, full (non-causal) attention score matrix as Megatron counts it
  double hardware = 0;  // model + recomputed forward work
};

// Forward FLOPs of one layer for `tokens` tokens of sequence length `seq`: GEMMs (for an MoE layer the router,
// the shared experts and top_k routed experts per token) and attention (QK^T, AV).
double layer_forward_gemm_flops(const TransformerConfig& m, double tokens, bool moe_layer = false);
double layer_forward_attention_flops(const TransformerConfig& m, double tokens, double seq);
// Weights of the attention block's GEMMs (no biases or norms): Q, K, V and output projections, or MLA's low-rank
// projections.
double attention_gemm_params(const TransformerConfig& m);
// Forward FLOPs of the LM head (logits) for `tokens` tokens.
double lm_head_forward_flops(const TransformerConfig& m, double tokens);

// Model and hardware FLOPs for one step of `global_batch` sequences of length `seq`.
// MoE layers count the experts a token goes through (6 * active parameters * tokens, as MoE papers count).
// Model FLOPs reduce to 72*B*s*l*h^2*(1 + s/6h + V/12lh) for GPT shapes (Megatron-Core MFU convention, and
// 6*N*tokens plus attention as in the Llama 3 paper); with full recompute hardware FLOPs reduce to
// Megatron-LM SC21 eq. 3, 96*B*s*l*h^2*(1 + s/6h + V/16lh).
StepFlops step_flops(const TransformerConfig& m, const ParallelPlan& plan, double global_batch, double seq);

}  // namespace aiscale

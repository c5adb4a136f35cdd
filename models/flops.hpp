#pragma once
// FLOP counts per training step in the two published conventions (model FLOPs and hardware FLOPs).
#include "models/parallelism.hpp"
#include "models/transformer.hpp"

namespace aiscale {

struct StepFlops {
  double model = 0;     // fwd+bwd, no recompute, full (non-causal) attention score matrix as Megatron counts it
  double hardware = 0;  // model + recomputed forward work
};

// Forward FLOPs of one layer for `tokens` tokens of sequence length `seq`: GEMMs and attention (QK^T, AV).
double layer_forward_gemm_flops(const TransformerConfig& m, double tokens);
double layer_forward_attention_flops(const TransformerConfig& m, double tokens, double seq);
// Forward FLOPs of the LM head (logits) for `tokens` tokens.
double lm_head_forward_flops(const TransformerConfig& m, double tokens);

// Model and hardware FLOPs for one step of `global_batch` sequences of length `seq`.
// Model FLOPs reduce to 72*B*s*l*h^2*(1 + s/6h + V/12lh) for GPT shapes (Megatron-Core MFU convention, and
// 6*N*tokens plus attention as in the Llama 3 paper); with full recompute hardware FLOPs reduce to
// Megatron-LM SC21 eq. 3, 96*B*s*l*h^2*(1 + s/6h + V/16lh).
StepFlops step_flops(const TransformerConfig& m, const ParallelPlan& plan, double global_batch, double seq);

}  // namespace aiscale

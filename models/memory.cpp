#include "models/memory.hpp"

#include <algorithm>

namespace aiscale {

BytesPerParam bytes_per_param(Precision p) {
  switch (p) {
    case Precision::fp16: return {2, 2, 16};  // fp16 params and grads; fp32 master params, grads, Adam m and v
    case Precision::fp32:
    case Precision::tf32: return {4, 4, 8};  // fp32 params and grads; Adam m and v
    case Precision::bf16:
    case Precision::fp8:  // FP8 training keeps bf16 weights and fp32 main grads (Transformer Engine)
      return {2, 4, 12};  // bf16 params, fp32 main grads; fp32 master params, Adam m and v
  }
  return {2, 4, 12};
}

double stage_params_per_gpu(const TransformerConfig& m, const ParallelPlan& plan, int stage) {
  const double layers = double(m.layers) / plan.pp;
  double p = layers * m.layer_params() / plan.tp;
  // Vocabulary-parallel embedding on the first stage; the LM head (or, when tied, Megatron's copy of the
  // embedding) on the last stage.
  if (stage == 0) p += double(m.vocab) * m.hidden / plan.tp + double(m.learned_positions) * m.hidden;
  if (stage == plan.pp - 1) {
    if (!m.tied_embeddings || plan.pp > 1) p += double(m.vocab) * m.hidden / plan.tp;
    p += m.final_norm_params();
  }
  return p;
}

double layer_activation_bytes(const TransformerConfig& m, const ParallelPlan& plan, double b, double s,
                              bool flash_attention) {
  s /= plan.cp;
  const double h = m.hidden, t = plan.tp, a = m.heads, kv = m.kv_dim(), f = m.ffn_hidden;
  const double sp = plan.sequence_parallel ? t : 1.0;
  if (plan.recompute == Recompute::full) return 2 * s * b * h / sp;  // only the layer input is kept
  // Replicated across TP ranks unless sequence-parallel: norm inputs, QKV and FC1 inputs, two dropout masks.
  const double replicated = s * b * h * (2 + 2 + 1 + 2 + 2 + 1);
  // Sharded by TP: Q, K, V, projection input, FFN activation input(s) and FC2 input.
  const double act_in = m.ffn_act == FfnAct::swiglu ? 2 * f : f;
  const double sharded = s * b * (2 * h + 4 * kv + 2 * h + 2 * act_in + 2 * f);
  // Attention scores, softmax output and dropout mask: 5*a*s^2*b bytes, gone with fused/flash attention or
  // selective recompute.
  const bool keep_scores = plan.recompute == Recompute::none && !flash_attention;
  const double scores = keep_scores ? 5 * a * s * s * b : 0.0;
  return replicated / sp + (sharded + scores) / t;
}

double inflight_microbatches(const ParallelPlan& plan, int stage, int microbatches) {
  const double m = microbatches;
  switch (plan.schedule) {
    case Schedule::gpipe: return m;
    case Schedule::one_f_one_b: return std::min<double>(plan.pp - stage, m);
    case Schedule::interleaved:
      // Korthikanti et al. 2022 §4.2.3: the first stage holds (1 + (p-1)/(p*v)) times the 1F1B amount.
      return std::min<double>(plan.pp - stage, m) *
             (1.0 + double(plan.pp - 1 - stage) / (double(plan.pp - stage) * plan.vpp));
  }
  return m;
}

MemoryBreakdown memory_per_gpu(const TransformerConfig& m, const ParallelPlan& plan, const GpuSpec& gpu,
                               Precision precision, int global_batch, int seq, bool flash_attention) {
  const BytesPerParam bpp = bytes_per_param(precision);
  const int mb_count = microbatches(plan, global_batch);
  const double shard = double(plan.dp) * plan.cp;  // ZeRO shards over the data-parallel (and context) ranks
  const double layer_act = layer_activation_bytes(m, plan, plan.micro_batch, seq, flash_attention);
  const double layers_per_stage = double(m.layers) / plan.pp;
  const double s_local = double(seq) / plan.cp, b = plan.micro_batch, h = m.hidden;
  MemoryBreakdown best;
  for (int st = 0; st < plan.pp; ++st) {
    MemoryBreakdown mb;
    const double params = stage_params_per_gpu(m, plan, st);
    mb.weights = params * bpp.weights / (plan.zero >= 3 ? shard : 1.0);
    mb.gradients = params * bpp.gradients / (plan.zero >= 2 ? shard : 1.0);
    mb.optimizer = params * bpp.optimizer / (plan.zero >= 1 ? shard : 1.0);
    const double inflight = inflight_microbatches(plan, st, mb_count);
    mb.activations = layers_per_stage * layer_act * inflight;
    // Embedding output and its dropout mask on the first stage (3 bytes per element).
    if (st == 0) mb.activations += 3 * s_local * b * h / (plan.sequence_parallel ? plan.tp : 1) * inflight;
    // fp32 logits for the cross-entropy on the last stage: 4*s*b*V/t (Korthikanti et al. 2022 §4.3).
    if (st == plan.pp - 1) mb.activations += 4 * s_local * b * m.vocab / plan.tp;
    mb.peak = mb.weights + mb.gradients + mb.optimizer + mb.activations;
    mb.stage = st;
    if (st == 0 || mb.peak > best.peak) best = mb;
  }
  best.capacity = gpu.hbm_capacity.value;
  best.fits = best.peak <= best.capacity;
  return best;
}

}  // namespace aiscale

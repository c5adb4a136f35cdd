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

StageParams layer_params_per_gpu(const TransformerConfig& m, const ParallelPlan& plan, bool moe_layer) {
  StageParams p;
  if (!moe_layer) {
    p.dense = double(m.dense_layer_params()) / plan.tp;
    return p;
  }
  // Attention, norms, shared experts and router follow the dense TP split; routed experts are spread over ep ranks
  // and each split over etp ranks.
  p.dense = double(m.attention_params() + m.norm_params() + m.shared_expert_params() + m.router_params()) / plan.tp;
  p.expert = double(m.moe.experts) / plan.ep * double(m.expert_params()) / expert_tp(plan);
  return p;
}

StageParams stage_params(const TransformerConfig& m, const ParallelPlan& plan, int stage) {
  return stage_params(m, plan, stage, chunk_spans(m, plan));
}

StageParams stage_params(const TransformerConfig& m, const ParallelPlan& plan, int stage,
                         const std::vector<ChunkSpan>& spans) {
  StageParams p;
  const StageParams dense = layer_params_per_gpu(m, plan, false), moe = layer_params_per_gpu(m, plan, true);
  for (int c = 0; c < plan.vpp; ++c) {
    const ChunkSpan& sp = spans[static_cast<size_t>(stage * plan.vpp + c)];
    for (int i = sp.first; i < sp.first + sp.count; ++i) {
      const StageParams& l = m.is_moe_layer(i) ? moe : dense;
      p.dense += l.dense;
      p.expert += l.expert;
    }
  }
  // Vocabulary-parallel embedding on the first stage; the LM head (or, when tied, Megatron's copy of the
  // embedding) on the last stage.
  if (stage == 0) p.dense += double(m.vocab) * m.hidden / plan.tp + double(m.learned_positions) * m.hidden;
  if (stage == plan.pp - 1) {
    if (!m.tied_embeddings || plan.pp > 1) p.dense += double(m.vocab) * m.hidden / plan.tp;
    p.dense += m.final_norm_params();
  }
  return p;
}

double stage_params_per_gpu(const TransformerConfig& m, const ParallelPlan& plan, int stage) {
  return stage_params(m, plan, stage).total();
}

double expert_tokens_per_gpu(const TransformerConfig& m, const ParallelPlan& plan, double b, double s) {
  // Tokens entering the router on this GPU: sequence split by CP, and by TP under sequence parallelism.
  const double tokens = b * s / plan.cp / (plan.sequence_parallel ? plan.tp : 1);
  const double load = m.moe.capacity_factor > 0 ? m.moe.capacity_factor : m.moe.imbalance;
  return tokens * m.moe.top_k * expert_tp(plan) * load;
}

BytesPerParam bytes_per_param(Precision p, const ParallelPlan& plan) {
  BytesPerParam b = bytes_per_param(p);
  if (plan.grad_reduce_bf16) b.gradients = std::min(b.gradients, 2.0);
  return b;
}

double layer_activation_bytes(const TransformerConfig& m, const ParallelPlan& plan, double b, double s,
                              bool flash_attention, bool moe_layer, Precision precision) {
  const double seq = s;
  s /= plan.cp;
  const double h = m.hidden, t = plan.tp, a = m.heads, f = m.ffn_hidden;
  const double q = double(m.q_width()), k = double(m.k_width()), v = double(m.v_width());
  const double sp = plan.sequence_parallel ? t : 1.0;
  if (plan.recompute == Recompute::full) return 2 * s * b * h / sp;  // only the layer input is kept
  // Transformer Engine's FP8 recipe saves the FP8 cast of each linear layer's input: 1 byte instead of 2.
  const double lin = precision == Precision::fp8 ? 1 : 2;
  // Replicated across TP ranks unless sequence-parallel: two norm inputs, the QKV and FC1 inputs, two dropout masks.
  const double replicated = s * b * h * (2 + 2 + lin + lin + 1 + 1);
  // Sharded by TP: Q, K, V, projection input; FFN activation input(s) and FC2 input.
  const double o_in = double(m.heads) * m.v_head_dim();  // output-projection input
  const double attn_sharded = s * b * (2 * q + 2 * k + 2 * v + lin * o_in);
  const bool gated = m.ffn_act == FfnAct::swiglu;
  auto ffn = [&](double width) { return (gated ? 2 * 2 * width : 2 * width) + lin * width; };
  double ffn_sharded = 0, expert_bytes = 0;
  if (!moe_layer) {
    ffn_sharded = s * b * ffn(f);
  } else {
    // Shared experts follow the dense TP split. Routed experts: router probabilities (fp32), then per routed
    // token the permuted input (FC1 input), the expert FFN activations and the expert output kept for the
    // weighted combine, split over etp.
    ffn_sharded = s * b * m.moe.shared_experts * ffn(m.shared_ffn_hidden());
    const double et = expert_tokens_per_gpu(m, plan, b, seq);
    expert_bytes = 4.0 * s * b / sp * m.moe.experts + et * (lin * h + ffn(m.moe.expert_ffn_hidden) / expert_tp(plan) + 2 * h);
  }
  // Attention scores, softmax output and dropout mask: 5*a*s^2*b bytes, gone with fused/flash attention or
  // selective recompute.
  const bool keep_scores = plan.recompute == Recompute::none && !flash_attention;
  const double scores = keep_scores ? 5 * a * s * s * b : 0.0;
  return replicated / sp + (attn_sharded + ffn_sharded + scores) / t + expert_bytes;
}

double inflight_microbatches(const ParallelPlan& plan, int stage, int microbatches) {
  const double m = microbatches;
  switch (plan.schedule) {
    case Schedule::gpipe: return m;
    case Schedule::one_f_one_b: return std::min<double>(plan.pp - stage, m);
    case Schedule::zb_h1:
      // ZB-H1 (Qi et al. 2024) lets every stage hold up to pp micro-batches whose weight gradients are pending,
      // the peak of 1F1B's first stage; counted as whole micro-batches (a pending W keeps only part of them).
      return std::min<double>(plan.pp, m);
    case Schedule::interleaved:
      // Korthikanti et al. 2022 §4.2.3: the first stage holds (1 + (p-1)/(p*v)) times the 1F1B amount.
      return std::min<double>(plan.pp - stage, m) *
             (1.0 + double(plan.pp - 1 - stage) / (double(plan.pp - stage) * plan.vpp));
  }
  return m;
}

double runtime_bytes(const ParallelPlan& plan, Framework framework) {
  // CUDA context: "around 400MB if CUDA >= 11.7 is used and lazy module loading enabled"; before 11.7 every kernel
  // was loaded with the library, "which took >1000MB" (maintainer answers in pytorch/pytorch#109888 and #107667).
  const double context = framework == Framework::megatron_lm_2_5 ? 1.0e9 : 0.4e9;
  // NCCL: a PyTorch process group of 2 GPUs holds 544 MB per GPU after its first all-reduce, one of 3 or more
  // 688 MB (4 A100 with NVLink, NVIDIA/nccl#964); more communicators take more memory (NVIDIA/nccl#986). One
  // communicator per parallel group of this GPU.
  auto comm = [](long long size) { return size <= 1 ? 0.0 : size == 2 ? 544e6 : 688e6; };
  return context + comm(plan.tp) + comm(plan.cp) + comm(plan.dp) + comm(plan.pp) + comm(plan.ep);
}

MemoryBreakdown memory_per_gpu(const TransformerConfig& m, const ParallelPlan& plan, const GpuSpec& gpu,
                               Precision precision, int global_batch, int seq, bool flash_attention,
                               Framework framework) {
  const BytesPerParam bpp = bytes_per_param(precision, plan);
  const int mb_count = microbatches(plan, global_batch);
  const double shard = double(plan.dp) * plan.cp;  // ZeRO shards dense parameters over dp (and cp) ranks
  const double eshard = expert_dp(plan);           // and expert parameters over the expert data-parallel ranks
  const double b = plan.micro_batch;
  const double dense_act = layer_activation_bytes(m, plan, b, seq, flash_attention, false, precision);
  const double moe_act = m.moe.enabled() ? layer_activation_bytes(m, plan, b, seq, flash_attention, true, precision) : 0;
  // Recompute re-creates one layer's activations during its backward: everything a layer without recompute
  // keeps (full), or the attention scores (selective, without fused attention), less what is stored anyway.
  double recompute_working = 0;
  if (plan.recompute != Recompute::none) {
    ParallelPlan keep_all = plan;
    keep_all.recompute = Recompute::none;
    for (bool moe : {false, true}) {
      if (moe && !m.moe.enabled()) continue;
      const double stored = moe ? moe_act : dense_act;
      recompute_working = std::max(
          recompute_working, layer_activation_bytes(m, keep_all, b, seq, flash_attention, moe, precision) - stored);
    }
  }
  const std::vector<ChunkSpan> spans = chunk_spans(m, plan);
  const double s_local = double(seq) / plan.cp, h = m.hidden;
  // FP8 (Transformer Engine): each GEMM weight is also kept as an FP8 copy and its FP8 transpose between
  // micro-batches (2 B per weight), plus an amax history of 1,024 fp32 values for input, weight and gradient of
  // every GEMM (TE DelayedScaling default amax_history_len = 1024).
  const bool fp8 = precision == Precision::fp8;
  const double runtime = runtime_bytes(plan, framework);  // the same on every stage
  MemoryBreakdown best;
  for (int st = 0; st < plan.pp; ++st) {
    MemoryBreakdown mb;
    const StageParams params = stage_params(m, plan, st, spans);
    auto sharded = [&](double bytes_per, int from_stage) {
      return params.dense * bytes_per / (plan.zero >= from_stage ? shard : 1.0) +
             params.expert * bytes_per / (plan.zero >= from_stage ? eshard : 1.0);
    };
    mb.weights = sharded(bpp.weights, 3);
    mb.gradients = sharded(bpp.gradients, 2);
    mb.optimizer = sharded(bpp.optimizer, 1);
    double layer_act = 0;
    int layers = 0;
    for (int c = 0; c < plan.vpp; ++c) {
      const ChunkSpan& sp = spans[static_cast<size_t>(st * plan.vpp + c)];
      for (int i = sp.first; i < sp.first + sp.count; ++i) layer_act += m.is_moe_layer(i) ? moe_act : dense_act;
      layers += sp.count;
    }
    if (fp8) {
      const double gemm_weights = params.total() - (st == 0 ? double(m.vocab) * m.hidden / plan.tp : 0.0) -
                                  (st == plan.pp - 1 ? double(m.vocab) * m.hidden / plan.tp : 0.0);
      const double gemms_per_layer = m.moe.enabled() ? 4.0 + 2.0 * m.moe.experts / plan.ep : 4.0;
      mb.fp8_state = 2.0 * std::max(0.0, gemm_weights) / (plan.zero >= 3 ? shard : 1.0) +
                     layers * gemms_per_layer * 3 * 1024 * 4.0;
      mb.weights += mb.fp8_state;
    }
    // inflight counts micro-batches of the whole stage's activations (Korthikanti et al. 2022 §4.2.3).
    const double inflight = inflight_microbatches(plan, st, mb_count);
    mb.activations = layer_act * inflight;
    // Embedding output and its dropout mask on the first stage (3 bytes per element).
    if (st == 0) mb.activations += 3 * s_local * b * h / (plan.sequence_parallel ? plan.tp : 1) * inflight;
    // Transient tensors on top of the stored activations, never live at the same time: the fp32 logits of the
    // cross-entropy on the last stage, 4*s*b*V/t (Korthikanti et al. 2022 §4.3), freed before the layers'
    // backward begins; and the recompute working set, the one layer being re-run for one micro-batch (Chen et al.
    // 2016, 'Training Deep Nets with Sublinear Memory Cost', arXiv:1604.06174 §3: checkpoints plus the segment
    // being recomputed).
    const double logits = st == plan.pp - 1 ? 4 * s_local * b * m.vocab / plan.tp : 0.0;
    mb.activations += std::max(logits, recompute_working);
    mb.runtime = runtime;
    mb.peak = mb.weights + mb.gradients + mb.optimizer + mb.activations + mb.runtime;
    mb.stage = st;
    if (st == 0 || mb.peak > best.peak) best = mb;
  }
  best.capacity = gpu.hbm_capacity.value;
  best.fits = best.peak <= best.capacity;
  return best;
}

}  // namespace aiscale

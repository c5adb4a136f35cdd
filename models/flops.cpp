#include "models/flops.hpp"

namespace aiscale {

double attention_gemm_params(const TransformerConfig& m) {
  const double h = m.hidden;
  if (m.mla.enabled()) {
    const double qr = m.mla.q_lora_rank, kvr = m.mla.kv_lora_rank;
    const double q = qr > 0 ? h * qr + qr * m.q_width() : h * m.q_width();
    return q + h * (kvr + m.mla.qk_rope_head_dim) + kvr * m.heads * (m.mla.qk_nope_head_dim + m.mla.v_head_dim) +
           double(m.heads) * m.v_head_dim() * h;
  }
  return h * double(m.q_width() + m.k_width() + m.v_width()) + double(m.heads) * m.v_head_dim() * h;
}

double layer_forward_gemm_flops(const TransformerConfig& m, double tokens, bool moe_layer) {
  const double h = m.hidden;
  const double ffn_mats = m.ffn_act == FfnAct::swiglu ? 3 : 2;
  double ffn = ffn_mats * h * m.ffn_hidden;
  if (moe_layer)
    ffn = ffn_mats * h *
              (double(m.moe.top_k) * m.moe.expert_ffn_hidden + double(m.moe.shared_experts) * m.shared_ffn_hidden()) +
          double(m.moe.experts) * h;
  // 2 FLOPs per multiply-add: attention projections, then the FFN matrices.
  return 2 * tokens * (attention_gemm_params(m) + ffn);
}

double layer_forward_attention_flops(const TransformerConfig& m, double tokens, double seq) {
  // QK^T and softmax(QK^T)V over the full s x s matrix: 2 * s * heads * (d_qk + d_v) per token (4 * s * h for
  // standard attention).
  return 2 * tokens * seq * m.heads * double(m.qk_head_dim() + m.v_head_dim());
}

double lm_head_forward_flops(const TransformerConfig& m, double tokens) { return 2 * tokens * m.hidden * m.vocab; }

StepFlops step_flops(const TransformerConfig& m, const ParallelPlan& plan, double global_batch, double seq) {
  const double tokens = global_batch * seq;
  const double moe_layers = m.moe_layers(), dense_layers = m.layers - moe_layers;
  const double attn = layer_forward_attention_flops(m, tokens, seq);
  const double layers_fwd = dense_layers * layer_forward_gemm_flops(m, tokens, false) +
                            moe_layers * layer_forward_gemm_flops(m, tokens, true) + m.layers * attn;
  const double head_fwd = lm_head_forward_flops(m, tokens);
  StepFlops f;
  // Backward costs twice the forward (input and weight gradients).
  f.model = 3 * (layers_fwd + head_fwd);
  double recompute = 0;
  if (plan.recompute == Recompute::full) recompute = layers_fwd;
  if (plan.recompute == Recompute::selective) recompute = m.layers * attn;
  f.hardware = f.model + recompute;
  return f;
}

}  // namespace aiscale

#include "models/flops.hpp"

namespace aiscale {

double layer_forward_gemm_flops(const TransformerConfig& m, double tokens) {
  const double h = m.hidden, kv = m.kv_dim(), f = m.ffn_hidden;
  const double ffn_mats = m.ffn_act == FfnAct::swiglu ? 3 : 2;
  // 2 FLOPs per multiply-add: Q, K, V and output projections, then the FFN matrices.
  return 2 * tokens * (h * h + 2 * h * kv + h * h + ffn_mats * h * f);
}

double layer_forward_attention_flops(const TransformerConfig& m, double tokens, double seq) {
  // QK^T and softmax(QK^T)V: 2 * 2 * s * h per token, counting the full s x s matrix.
  return 4 * tokens * seq * m.hidden;
}

double lm_head_forward_flops(const TransformerConfig& m, double tokens) { return 2 * tokens * m.hidden * m.vocab; }

StepFlops step_flops(const TransformerConfig& m, const ParallelPlan& plan, double global_batch, double seq) {
  const double tokens = global_batch * seq;
  const double layer_fwd = layer_forward_gemm_flops(m, tokens) + layer_forward_attention_flops(m, tokens, seq);
  const double head_fwd = lm_head_forward_flops(m, tokens);
  StepFlops f;
  // Backward costs twice the forward (input and weight gradients).
  f.model = 3 * (m.layers * layer_fwd + head_fwd);
  double recompute = 0;
  if (plan.recompute == Recompute::full) recompute = m.layers * layer_fwd;
  if (plan.recompute == Recompute::selective) recompute = m.layers * layer_forward_attention_flops(m, tokens, seq);
  f.hardware = f.model + recompute;
  return f;
}

}  // namespace aiscale

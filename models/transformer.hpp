#pragma once
// Decoder-only transformer shapes (MHA/GQA/MLA, GeLU/SwiGLU, dense or mixture-of-experts FFN), presets, and exact
// parameter counts.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace aiscale {

enum class FfnAct { gelu, swiglu };

// Mixture-of-experts FFN (Shazeer et al. 2017; Mixtral, Qwen2-MoE, DeepSeek-V3 style). Absent when experts == 0.
struct MoeConfig {
  int experts = 0;             // routed experts per MoE layer
  int top_k = 0;               // routed experts per token
  int shared_experts = 0;      // experts every token goes through (DeepSeekMoE, Qwen2-MoE)
  int expert_ffn_hidden = 0;   // FFN width of one routed expert
  int shared_ffn_hidden = 0;   // FFN width of one shared expert (defaults to expert_ffn_hidden)
  int every = 1;               // an MoE FFN every `every` layers (Megatron moe_layer_freq)
  int first_dense = 0;         // leading layers with a dense FFN (DeepSeek first_k_dense_replace)
  bool shared_gate = false;    // a sigmoid gate [h x 1] on the shared expert output (Qwen2-MoE)
  // Training-time routing behaviour (not part of the checkpoint): tokens an expert may take, as a multiple of
  // the mean (0 = dropless), and the busiest expert's load over the mean when dropless (1 = perfectly balanced).
  double capacity_factor = 0;
  double imbalance = 1.0;
  bool enabled() const { return experts > 0; }
};

// Multi-head latent attention (DeepSeek-V2/V3): low-rank query and key/value projections. Absent when
// kv_lora_rank == 0.
struct MlaConfig {
  int q_lora_rank = 0;  // 0: queries projected directly from the hidden state
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0, qk_rope_head_dim = 0, v_head_dim = 0;
  bool enabled() const { return kv_lora_rank > 0; }
};

struct TransformerConfig {
  std::string name;
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;  // == heads for MHA
  int ffn_hidden = 0;
  int vocab = 0;
  FfnAct ffn_act = FfnAct::gelu;
  bool tied_embeddings = false;
  bool bias = false;                // linear-layer biases (GPT-2/3, Megatron GPT) or none (Llama)
  bool qkv_bias = false;            // biases on the Q, K, V projections only (Qwen2)
  bool rmsnorm = false;             // RMSNorm has one weight vector; LayerNorm has weight and bias
  int learned_positions = 0;        // rows of a learned position table (GPT); 0 for RoPE/ALiBi
  // Whether the publisher's "active parameters" figure counts the input embedding (a table lookup, no GEMM).
  // Mistral AI (Mixtral 12.9B) and Qwen (Qwen1.5-MoE 2.7B) count it; DeepSeek (V2 21B, V3 37B) does not.
  bool active_counts_input_embedding = true;
  MoeConfig moe;
  MlaConfig mla;
  std::string source;               // where the shape comes from

  int head_dim() const { return hidden / heads; }
  int kv_dim() const { return kv_heads * head_dim(); }
  // Per-head widths of queries/keys and of values (MLA: nope + rope and v_head_dim), and the full widths of the
  // attention's Q, K and V tensors after projection.
  int qk_head_dim() const { return mla.enabled() ? mla.qk_nope_head_dim + mla.qk_rope_head_dim : head_dim(); }
  int v_head_dim() const { return mla.enabled() ? mla.v_head_dim : head_dim(); }
  int64_t q_width() const { return int64_t(heads) * qk_head_dim(); }
  int64_t k_width() const { return int64_t(kv_heads) * qk_head_dim(); }
  int64_t v_width() const { return int64_t(kv_heads) * v_head_dim(); }

  // Whether layer `i` (0-based) has a mixture-of-experts FFN.
  bool is_moe_layer(int i) const {
    return moe.enabled() && i >= moe.first_dense && (i - moe.first_dense) % std::max(moe.every, 1) == 0;
  }
  int moe_layers() const;
  int shared_ffn_hidden() const { return moe.shared_ffn_hidden > 0 ? moe.shared_ffn_hidden : moe.expert_ffn_hidden; }

  // Parameter counts of the parts of a layer.
  int64_t attention_params() const;      // projections (and their biases) of the attention block
  int64_t norm_params() const;           // the layer's two norms
  int64_t dense_ffn_params() const;      // a dense FFN of width ffn_hidden
  int64_t expert_params() const;         // one routed expert
  int64_t shared_expert_params() const;  // all shared experts together, with their gate
  int64_t router_params() const;         // the router [h x experts]
  // Per-layer parameter count (attention + FFN + norms); MoE layers count every expert.
  int64_t layer_params(int i) const;
  // A layer of each kind: dense FFN, or MoE FFN (all experts).
  int64_t dense_layer_params() const { return attention_params() + norm_params() + dense_ffn_params(); }
  int64_t moe_layer_params() const;
  // Parameters one token passes through in a MoE layer: top_k routed experts, shared experts, router.
  int64_t moe_layer_active_params() const;
  // Input embedding (+ learned positions) and, when untied, the LM head; plus the final norm.
  int64_t embedding_params() const;
  int64_t lm_head_params() const;  // 0 when tied
  int64_t final_norm_params() const;
  int64_t total_params() const;
  // Parameters a token passes through (top_k routed experts, not all of them), LM head and final norm included,
  // and the input embedding too unless the publisher leaves it out (active_counts_input_embedding); equals
  // total_params() for a dense model.
  int64_t active_params() const;
};

// Built-in presets (exact shapes from their public papers and configs).
const std::vector<TransformerConfig>& model_presets();
const TransformerConfig* find_model(const std::string& name);
std::vector<std::string> model_names();

// Reads a Hugging Face config.json: Llama, Mistral, Qwen2, GPT-2 style dense models and the Mixtral,
// Qwen2-MoE and DeepSeek-V2/V3 mixture-of-experts models (with MLA).
// The model is named by the config's "_name_or_path", else `name`.
TransformerConfig model_from_hf_config(const nlohmann::json& cfg, const std::string& field,
                                       const std::string& name = "hf-model");

std::string to_string(FfnAct a);

}  // namespace aiscale

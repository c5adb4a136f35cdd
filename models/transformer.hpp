#pragma once
// Dense decoder-only transformer shapes (MHA/GQA, GeLU/SwiGLU), presets, and exact parameter counts.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace aiscale {

enum class FfnAct { gelu, swiglu };

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
  bool rmsnorm = false;             // RMSNorm has one weight vector; LayerNorm has weight and bias
  int learned_positions = 0;        // rows of a learned position table (GPT); 0 for RoPE/ALiBi
  std::string source;               // where the shape comes from

  int head_dim() const { return hidden / heads; }
  int kv_dim() const { return kv_heads * head_dim(); }
  // Per-layer parameter count (attention + FFN + norms).
  int64_t layer_params() const;
  // Input embedding (+ learned positions) and, when untied, the LM head; plus the final norm.
  int64_t embedding_params() const;
  int64_t lm_head_params() const;  // 0 when tied
  int64_t final_norm_params() const;
  int64_t total_params() const;
};

// Built-in presets (exact shapes from their public papers and configs).
const std::vector<TransformerConfig>& model_presets();
const TransformerConfig* find_model(const std::string& name);
std::vector<std::string> model_names();

// Reads a Hugging Face config.json (LlamaForCausalLM / MistralForCausalLM / GPT2-style keys).
TransformerConfig model_from_hf_config(const nlohmann::json& cfg, const std::string& field);

std::string to_string(FfnAct a);

}  // namespace aiscale

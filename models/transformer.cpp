#include "models/transformer.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>

#include "models/catalog.hpp"
#include "models/error.hpp"
#include "models/json_reader.hpp"

namespace aiscale {

int64_t TransformerConfig::attention_params() const {
  const int64_t h = hidden;
  if (mla.enabled()) {
    // DeepSeek-V2/V3 MLA (modeling_deepseek.py): q_a_proj, q_a_layernorm, q_b_proj (or q_proj), kv_a_proj_with_mqa,
    // kv_a_layernorm, kv_b_proj, o_proj; no biases.
    const int64_t qr = mla.q_lora_rank, kvr = mla.kv_lora_rank, rope = mla.qk_rope_head_dim;
    const int64_t q = qr > 0 ? h * qr + qr + qr * q_width() : h * q_width();
    const int64_t kv = h * (kvr + rope) + kvr + kvr * int64_t(heads) * (mla.qk_nope_head_dim + mla.v_head_dim);
    return q + kv + int64_t(heads) * mla.v_head_dim * h;
  }
  const int64_t kv = kv_dim();
  int64_t attn = h * q_width() + 2 * h * kv + q_width() * h;  // Q, K, V, output projection
  if (bias) attn += q_width() + 2 * kv + h;
  else if (qkv_bias) attn += q_width() + 2 * kv;
  return attn;
}

int64_t TransformerConfig::norm_params() const { return 2 * (rmsnorm ? int64_t(hidden) : 2 * int64_t(hidden)); }

namespace {
int64_t ffn_params(int64_t h, int64_t f, FfnAct act, bool bias) {
  const int64_t mats = act == FfnAct::swiglu ? 3 : 2;
  return mats * h * f + (bias ? (mats - 1) * f + h : 0);
}
}  // namespace

int64_t TransformerConfig::dense_ffn_params() const { return ffn_params(hidden, ffn_hidden, ffn_act, bias); }
int64_t TransformerConfig::expert_params() const { return ffn_params(hidden, moe.expert_ffn_hidden, ffn_act, bias); }
int64_t TransformerConfig::shared_expert_params() const {
  return moe.shared_experts * ffn_params(hidden, shared_ffn_hidden(), ffn_act, bias) +
         (moe.shared_gate && moe.shared_experts > 0 ? hidden : 0);
}
int64_t TransformerConfig::router_params() const { return int64_t(moe.experts) * hidden; }

int64_t TransformerConfig::moe_layer_params() const {
  return attention_params() + norm_params() + int64_t(moe.experts) * expert_params() + shared_expert_params() +
         router_params();
}

int64_t TransformerConfig::moe_layer_active_params() const {
  return attention_params() + norm_params() + int64_t(moe.top_k) * expert_params() + shared_expert_params() +
         router_params();
}

int TransformerConfig::moe_layers() const {
  int n = 0;
  for (int i = 0; i < layers; ++i) n += is_moe_layer(i);
  return n;
}

int64_t TransformerConfig::layer_params(int i) const {
  return is_moe_layer(i) ? moe_layer_params() : dense_layer_params();
}

int64_t TransformerConfig::embedding_params() const {
  return int64_t(vocab) * hidden + int64_t(learned_positions) * hidden;
}

int64_t TransformerConfig::lm_head_params() const { return tied_embeddings ? 0 : int64_t(vocab) * hidden; }

int64_t TransformerConfig::final_norm_params() const { return rmsnorm ? hidden : 2 * int64_t(hidden); }

int64_t TransformerConfig::total_params() const {
  const int64_t moe_n = moe_layers();
  return (layers - moe_n) * dense_layer_params() + moe_n * moe_layer_params() + embedding_params() +
         lm_head_params() + final_norm_params();
}

int64_t TransformerConfig::active_params() const {
  const int64_t moe_n = moe_layers();
  if (!moe.enabled()) return total_params();
  return (layers - moe_n) * dense_layer_params() + moe_n * moe_layer_active_params() +
         (active_counts_input_embedding ? embedding_params() : 0) + lm_head_params() + final_norm_params();
}

std::string to_string(FfnAct a) { return a == FfnAct::swiglu ? "swiglu" : "gelu"; }

namespace {

// Megatron GPT as in SC21: MHA, FFN 4h with GeLU, biases, LayerNorm, learned positions, tied embeddings,
// vocabulary 51,200 (GPT-2 BPE padded), sequence 2,048.
TransformerConfig megatron_gpt(std::string name, int l, int h, int a, std::string src) {
  TransformerConfig c;
  c.name = std::move(name);
  c.layers = l;
  c.hidden = h;
  c.heads = a;
  c.kv_heads = a;
  c.ffn_hidden = 4 * h;
  c.vocab = 51200;
  c.ffn_act = FfnAct::gelu;
  c.tied_embeddings = true;
  c.bias = true;
  c.learned_positions = 2048;
  c.source = std::move(src);
  return c;
}

// Megatron-Core GPT shapes of the H100 weak-scaling table: vocabulary 131,072, sequence 4,096, FFN 4h.
// Activation, biases and embedding tying are not stated; GeLU, no biases, RoPE and untied embeddings assumed
// (the FLOP convention used for that table does not depend on them).
TransformerConfig mcore_gpt(std::string name, int l, int h, int a) {
  TransformerConfig c = megatron_gpt(std::move(name), l, h, a,
                                     "NVIDIA/Megatron-LM README 'Training Speed and Scalability' (Megatron-Core "
                                     "r0.8.0 model table, H100)");
  c.vocab = 131072;
  c.tied_embeddings = false;
  c.bias = false;
  c.learned_positions = 0;
  return c;
}

// Llama family: no biases, RMSNorm, SwiGLU, RoPE, untied embeddings.
TransformerConfig llama(std::string name, int l, int h, int a, int kv, int f, int v, std::string src) {
  TransformerConfig c;
  c.name = std::move(name);
  c.layers = l;
  c.hidden = h;
  c.heads = a;
  c.kv_heads = kv;
  c.ffn_hidden = f;
  c.vocab = v;
  c.ffn_act = FfnAct::swiglu;
  c.tied_embeddings = false;
  c.bias = false;
  c.rmsnorm = true;
  c.source = std::move(src);
  return c;
}

std::vector<TransformerConfig> make_presets() {
  const std::string sc21 =
      "Narayanan et al., Efficient Large-Scale Language Model Training on GPU Clusters Using Megatron-LM, SC21 "
      "(arXiv:2104.04473), Table 1";
  std::vector<TransformerConfig> m{
      megatron_gpt("gpt-1.7b", 24, 2304, 24, sc21),
      megatron_gpt("gpt-3.6b", 30, 3072, 32, sc21),
      megatron_gpt("gpt-7.5b", 36, 4096, 32, sc21),
      megatron_gpt("gpt-18.4b", 40, 6144, 48, sc21),
      megatron_gpt("gpt-39.1b", 48, 8192, 64, sc21),
      megatron_gpt("gpt-76.1b", 60, 10240, 80, sc21),
      megatron_gpt("gpt-145.6b", 80, 12288, 96, sc21),
      megatron_gpt("gpt-310.1b", 96, 16384, 128, sc21),
      megatron_gpt("gpt-529.6b", 105, 20480, 128, sc21),
      megatron_gpt("gpt-1008b", 128, 25600, 160, sc21),
  };
  // GPT-3 175B: Brown et al., Language Models are Few-Shot Learners (2020), Table 2.1; GPT-2 BPE vocab 50,257.
  TransformerConfig gpt3 = megatron_gpt("gpt3-175b", 96, 12288, 96,
                                        "Brown et al. 2020, Language Models are Few-Shot Learners, Table 2.1");
  gpt3.vocab = 50257;
  m.push_back(gpt3);
  m.push_back(mcore_gpt("mcore-1.7b", 24, 2048, 16));
  m.push_back(mcore_gpt("mcore-7.1b", 30, 4096, 32));
  m.push_back(mcore_gpt("mcore-16b", 32, 6144, 48));
  m.push_back(mcore_gpt("mcore-32b", 48, 7168, 56));
  m.push_back(mcore_gpt("mcore-70b", 84, 8192, 64));
  m.push_back(mcore_gpt("mcore-119b", 92, 10240, 80));
  m.push_back(mcore_gpt("mcore-177b", 96, 12288, 96));
  m.push_back(mcore_gpt("mcore-314b", 96, 16384, 128));
  m.push_back(mcore_gpt("mcore-462b", 112, 18432, 144));
  const std::string l2 = "Touvron et al. 2023, Llama 2 (arXiv:2307.09288); meta-llama/Llama-2-*-hf config.json";
  m.push_back(llama("llama2-7b", 32, 4096, 32, 32, 11008, 32000, l2));
  m.push_back(llama("llama2-13b", 40, 5120, 40, 40, 13824, 32000, l2));
  m.push_back(llama("llama2-70b", 80, 8192, 64, 8, 28672, 32000, l2));
  const std::string l3 = "Llama 3 Herd of Models (arXiv:2407.21783) Table 3; meta-llama/Meta-Llama-3*-hf config.json";
  m.push_back(llama("llama3-8b", 32, 4096, 32, 8, 14336, 128256, l3));
  m.push_back(llama("llama3-70b", 80, 8192, 64, 8, 28672, 128256, l3));
  m.push_back(llama("llama3-405b", 126, 16384, 128, 8, 53248, 128256, l3));

  // Mixtral: Llama-style blocks whose FFN is 8 SwiGLU experts, top-2 routing, every layer.
  auto mixtral = [](std::string name, int l, int h, int a, int f, int v, std::string src) {
    TransformerConfig c = llama(std::move(name), l, h, a, 8, f, v, std::move(src));
    c.moe.experts = 8;
    c.moe.top_k = 2;
    c.moe.expert_ffn_hidden = f;
    return c;
  };
  m.push_back(mixtral("mixtral-8x7b", 32, 4096, 32, 14336, 32000,
                      "Jiang et al. 2024, Mixtral of Experts (arXiv:2401.04088) Table 1; "
                      "mistralai/Mixtral-8x7B-v0.1 config.json (46.7B total, 12.9B active)"));
  m.push_back(mixtral("mixtral-8x22b", 56, 6144, 48, 16384, 32768,
                      "mistral.ai/news/mixtral-8x22b (141B total, 39B active); "
                      "mistralai/Mixtral-8x22B-Instruct-v0.1 config.json (tokenizer v3, vocabulary 32,768)"));
  // DeepSeek's published active counts leave out the input embedding: V2 comes to 20.85B without it ("21B") and
  // 21.38B with it, V3 to 36.63B ("37B") and 37.55B, V2-Lite to 2.45B ("2.4B") and 2.66B.
  auto deepseek = [](std::string name, int l, int h, int f, int v, MlaConfig mla, int experts, int top_k,
                     int shared, int expert_f, int first_dense, std::string src) {
    TransformerConfig c = llama(std::move(name), l, h, 128, 128, f, v, std::move(src));
    c.mla = mla;
    c.moe.experts = experts;
    c.moe.top_k = top_k;
    c.moe.shared_experts = shared;
    c.moe.expert_ffn_hidden = expert_f;
    c.moe.first_dense = first_dense;
    c.active_counts_input_embedding = false;
    return c;
  };
  // DeepSeek-V2: 60 layers, MLA, the first FFN dense (12,288 wide), then 160 routed experts (top 6) and 2 shared,
  // 1,536 wide.
  m.push_back(deepseek("deepseek-v2", 60, 5120, 12288, 102400, {1536, 512, 128, 64, 128}, 160, 6, 2, 1536, 1,
                       "DeepSeek-AI, DeepSeek-V2 (arXiv:2405.04434) Sec. 3.1.1; deepseek-ai/DeepSeek-V2 config.json "
                       "(236B total, 21B activated)"));
  // DeepSeek-V3: 61 layers, MLA attention, the first 3 FFNs dense (18,432 wide), then DeepSeekMoE with 256 routed
  // experts (top 8) and 1 shared expert, 2,048 wide. The multi-token-prediction module (14B) is not included.
  m.push_back(deepseek("deepseek-v3", 61, 7168, 18432, 129280, {1536, 512, 128, 64, 128}, 256, 8, 1, 2048, 3,
                       "DeepSeek-AI, DeepSeek-V3 Technical Report (arXiv:2412.19437) Sec. 4.2; "
                       "deepseek-ai/DeepSeek-V3 config.json (671B total, 37B activated)"));
  return m;
}

// Reads a Hugging Face config's values with ObjectReader's checks. HF writes null for "not set" (DeepSeek-V2-Lite's
// q_lora_rank), so a null integer reads as absent; names and flags cannot be null there and are errors.
class HfReader {
 public:
  HfReader(const nlohmann::json& cfg, Diagnostics& diag) : cfg_(cfg), r_(cfg, "", diag), diag_(diag) {}
  // The first of `keys` present (aliases: GPT-2 names n_layer, Llama num_hidden_layers), at least `min_value`.
  int count(std::initializer_list<const char*> keys, int min_value, std::optional<int> fallback = std::nullopt) {
    for (const char* k : keys)
      if (r_.has(k)) return r_.count(k, fallback.value_or(min_value), min_value);
    if (!fallback) diag_.error(*keys.begin(), "is required (an integer; the config has none)");
    return fallback.value_or(min_value);
  }
  std::string text(const char* key, const std::string& fallback) {
    return not_null(key) ? r_.text(key, fallback) : fallback;
  }
  bool flag(const char* key, bool fallback) { return not_null(key) ? r_.flag(key, fallback) : fallback; }

 private:
  bool not_null(const char* key) {
    const auto it = cfg_.find(key);
    if (it == cfg_.end() || !it->is_null()) return true;
    diag_.error(key, "must not be null");
    return false;
  }
  const nlohmann::json& cfg_;
  ObjectReader r_;
  Diagnostics& diag_;
};

}  // namespace

const std::vector<TransformerConfig>& model_presets() {
  static const std::vector<TransformerConfig> presets = make_presets();
  return presets;
}

const TransformerConfig* find_model(const std::string& name) {
  const std::string c = canonical_name(name);
  for (const auto& m : model_presets())
    if (m.name == c) return &m;
  return nullptr;
}

std::vector<std::string> model_names() {
  std::vector<std::string> out;
  for (const auto& m : model_presets()) out.push_back(m.name);
  return out;
}

TransformerConfig model_from_hf_config(const nlohmann::json& cfg, const std::string& field, const std::string& name) {
  if (!cfg.is_object()) throw Error(field, "Hugging Face config is not a JSON object");
  Diagnostics diag;
  HfReader r(cfg, diag);
  TransformerConfig c;
  c.name = r.text("_name_or_path", name);
  const std::string type = r.text("model_type", "");
  c.layers = r.count({"num_hidden_layers", "n_layer"}, 1);
  c.hidden = r.count({"hidden_size", "n_embd"}, 1);
  c.heads = r.count({"num_attention_heads", "n_head"}, 1);
  c.kv_heads = r.count({"num_key_value_heads"}, 1, c.heads);
  c.vocab = r.count({"vocab_size"}, 1);
  const std::string act = r.text("hidden_act", r.text("activation_function", "gelu"));
  const bool gated = act == "silu" || act == "swish" || type == "llama" || type == "mistral" || type == "qwen2" ||
                     type == "mixtral" || type == "qwen2_moe" || type.rfind("deepseek", 0) == 0;
  c.ffn_act = gated ? FfnAct::swiglu : FfnAct::gelu;
  c.ffn_hidden = r.count({"intermediate_size", "n_inner"}, 1, 4 * std::min(c.hidden, 500000000));
  c.tied_embeddings = r.flag("tie_word_embeddings", type == "gpt2");
  c.rmsnorm = cfg.contains("rms_norm_eps");
  c.bias = r.flag("attention_bias", type == "gpt2") && type.rfind("deepseek", 0) != 0;
  c.qkv_bias = type == "qwen2" || type == "qwen2_moe";  // Qwen2: biases on q, k and v only
  c.learned_positions = type == "gpt2" ? r.count({"n_positions"}, 1, 1024) : 0;
  c.source = "Hugging Face config.json";

  // Mixture of experts: Mixtral (num_local_experts), Qwen2-MoE (num_experts, shared_expert_intermediate_size,
  // decoder_sparse_step), DeepSeek-V2/V3 (n_routed_experts, n_shared_experts, first_k_dense_replace, moe_layer_freq).
  const int experts = r.count({"num_local_experts", "num_experts", "n_routed_experts"}, 1, 0);
  if (experts > 0) {
    c.moe.experts = experts;
    c.moe.top_k = r.count({"num_experts_per_tok"}, 1);
    c.moe.expert_ffn_hidden = r.count({"moe_intermediate_size"}, 1, c.ffn_hidden);
    c.moe.every = r.count({"decoder_sparse_step", "moe_layer_freq"}, 1, 1);
    c.moe.first_dense = r.count({"first_k_dense_replace"}, 0, 0);
    if (type == "qwen2_moe") {
      const int shared = r.count({"shared_expert_intermediate_size"}, 0, 0);
      c.moe.shared_experts = shared > 0 ? 1 : 0;
      c.moe.shared_ffn_hidden = shared;
      c.moe.shared_gate = shared > 0;
      // Qwen2-MoE puts the sparse block on layers (i + 1) % decoder_sparse_step == 0; with step 1 that is every layer.
      if (c.moe.every > 1) c.moe.first_dense = c.moe.every - 1;
      if (cfg.contains("mlp_only_layers") && cfg["mlp_only_layers"].is_array() && !cfg["mlp_only_layers"].empty())
        diag.error("mlp_only_layers", "Qwen2-MoE dense layers in between sparse ones are not supported");
    } else {
      c.moe.shared_experts = r.count({"n_shared_experts"}, 0, 0);
    }
    if (diag.empty() && (c.moe.top_k > experts || c.moe.first_dense >= c.layers))
      diag.error("num_experts_per_tok", "inconsistent mixture-of-experts sizes: top_k " + std::to_string(c.moe.top_k) +
                                            " of " + std::to_string(experts) + " experts, " +
                                            std::to_string(c.moe.first_dense) + " dense layers of " +
                                            std::to_string(c.layers));
  }
  // Multi-head latent attention (DeepSeek-V2/V3).
  const int kv_lora = r.count({"kv_lora_rank"}, 1, 0);
  if (kv_lora > 0) {
    c.mla.q_lora_rank = r.count({"q_lora_rank"}, 0, 0);
    c.mla.kv_lora_rank = kv_lora;
    c.mla.qk_nope_head_dim = r.count({"qk_nope_head_dim"}, 1);
    c.mla.qk_rope_head_dim = r.count({"qk_rope_head_dim"}, 1);
    c.mla.v_head_dim = r.count({"v_head_dim"}, 1);
    c.kv_heads = c.heads;  // MLA expands the latent into per-head keys and values
  }
  c.active_counts_input_embedding = type.rfind("deepseek", 0) != 0;  // as the publisher counts (see presets)
  if (!diag.empty()) {
    // Name the file (or whatever `field` says) before each key, as parse_profile does.
    std::vector<Issue> issues = diag.issues();
    for (auto& i : issues) i.path = field + ": " + i.path;
    if (issues.size() == 1) throw Error(issues[0].path, issues[0].message);
    throw ValidationError(issues);
  }
  return c;
}

}  // namespace aiscale

#include "models/transformer.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

#include "models/catalog.hpp"
#include "models/error.hpp"

namespace aiscale {

int64_t TransformerConfig::layer_params() const {
  const int64_t h = hidden, kv = kv_dim(), f = ffn_hidden;
  int64_t attn = h * h + 2 * h * kv + h * h;  // Q, K, V, output projection
  const int64_t ffn_mats = ffn_act == FfnAct::swiglu ? 3 : 2;
  int64_t ffn = ffn_mats * h * f;
  if (bias) {
    attn += h + 2 * kv + h;
    ffn += (ffn_mats - 1) * f + h;
  }
  const int64_t norms = 2 * (rmsnorm ? h : 2 * h);
  return attn + ffn + norms;
}

int64_t TransformerConfig::embedding_params() const {
  return int64_t(vocab) * hidden + int64_t(learned_positions) * hidden;
}

int64_t TransformerConfig::lm_head_params() const { return tied_embeddings ? 0 : int64_t(vocab) * hidden; }

int64_t TransformerConfig::final_norm_params() const { return rmsnorm ? hidden : 2 * int64_t(hidden); }

int64_t TransformerConfig::total_params() const {
  return int64_t(layers) * layer_params() + embedding_params() + lm_head_params() + final_norm_params();
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
  return m;
}

int get_int(const nlohmann::json& cfg, std::initializer_list<const char*> keys, const std::string& field,
            bool required = true, int fallback = 0) {
  for (const char* k : keys) {
    auto it = cfg.find(k);
    if (it != cfg.end() && it->is_number_integer()) return it->get<int>();
  }
  if (required) throw Error(field, std::string("Hugging Face config has no integer '") + *keys.begin() + "'");
  return fallback;
}

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

TransformerConfig model_from_hf_config(const nlohmann::json& cfg, const std::string& field) {
  if (!cfg.is_object()) throw Error(field, "Hugging Face config is not a JSON object");
  TransformerConfig c;
  c.name = cfg.value("_name_or_path", std::string("hf-model"));
  c.layers = get_int(cfg, {"num_hidden_layers", "n_layer"}, field);
  c.hidden = get_int(cfg, {"hidden_size", "n_embd"}, field);
  c.heads = get_int(cfg, {"num_attention_heads", "n_head"}, field);
  c.kv_heads = get_int(cfg, {"num_key_value_heads"}, field, false, c.heads);
  c.vocab = get_int(cfg, {"vocab_size"}, field);
  const std::string act = cfg.value("hidden_act", cfg.value("activation_function", std::string("gelu")));
  const std::string type = cfg.value("model_type", std::string(""));
  const bool gated = act == "silu" || act == "swish" || type == "llama" || type == "mistral" || type == "qwen2";
  c.ffn_act = gated ? FfnAct::swiglu : FfnAct::gelu;
  c.ffn_hidden = get_int(cfg, {"intermediate_size", "n_inner"}, field, false, 4 * c.hidden);
  c.tied_embeddings = cfg.value("tie_word_embeddings", type == "gpt2");
  c.rmsnorm = cfg.contains("rms_norm_eps");
  c.bias = cfg.value("attention_bias", type == "gpt2");
  c.learned_positions = type == "gpt2" ? get_int(cfg, {"n_positions"}, field, false, 1024) : 0;
  c.source = "Hugging Face config.json";
  if (c.layers <= 0 || c.hidden <= 0 || c.heads <= 0 || c.vocab <= 0 || c.kv_heads <= 0 || c.ffn_hidden <= 0)
    throw Error(field, "Hugging Face config has a zero or negative size");
  return c;
}

}  // namespace aiscale

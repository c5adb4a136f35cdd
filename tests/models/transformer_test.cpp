#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "models/transformer.hpp"

using namespace aiscale;

// Parameter counts published with the models' Hugging Face checkpoints (safetensors metadata) and papers.
TEST(Transformer, ExactParameterCounts) {
  EXPECT_EQ(find_model("llama2-7b")->total_params(), 6738415616LL);
  EXPECT_EQ(find_model("llama2-13b")->total_params(), 13015864320LL);
  EXPECT_EQ(find_model("llama2-70b")->total_params(), 68976648192LL);
  EXPECT_EQ(find_model("llama3-8b")->total_params(), 8030261248LL);
  EXPECT_EQ(find_model("llama3-70b")->total_params(), 70553706496LL);
  EXPECT_EQ(find_model("llama3-405b")->total_params(), 405853388800LL);
  // GPT-3 175B: 96 x (12h^2 + 13h) + (V + 2048) h + 2h = 174.6B, the figure of SC21 Table 2.
  EXPECT_EQ(find_model("gpt3-175b")->total_params(), 174604259328LL);
}

TEST(Transformer, Sc21FormulaMatchesPresets) {
  // SC21 §5.1: P = 12 l h^2 (1 + 13/(12h) + (V + s)/(12 l h)), tied embeddings, plus the final LayerNorm (2h).
  for (const char* n : {"gpt-1.7b", "gpt-39.1b", "gpt-1008b"}) {
    const TransformerConfig& m = *find_model(n);
    const double l = m.layers, h = m.hidden, V = m.vocab, s = 2048;
    const double p = 12 * l * h * h * (1 + 13 / (12 * h) + (V + s) / (12 * l * h)) + 2 * h;
    EXPECT_NEAR(double(m.total_params()), p, 1.0) << n;
  }
  EXPECT_NEAR(find_model("gpt-145.6b")->total_params() / 1e9, 145.6, 0.1);
  EXPECT_NEAR(find_model("gpt-529.6b")->total_params() / 1e9, 529.6, 0.1);
}

TEST(Transformer, HasAllPresetFamilies) {
  int sc21 = 0, mcore = 0;
  for (const auto& m : model_presets()) {
    sc21 += m.name.rfind("gpt-", 0) == 0;
    mcore += m.name.rfind("mcore-", 0) == 0;
  }
  EXPECT_EQ(sc21, 10);
  EXPECT_EQ(mcore, 9);
}

TEST(Transformer, ReadsHuggingFaceConfig) {
  const auto cfg = nlohmann::json::parse(R"({"model_type":"llama","hidden_size":4096,"intermediate_size":14336,
    "num_attention_heads":32,"num_key_value_heads":8,"num_hidden_layers":32,"vocab_size":128256,
    "rms_norm_eps":1e-5,"tie_word_embeddings":false,"hidden_act":"silu"})");
  const TransformerConfig m = model_from_hf_config(cfg, "model.hf_config");
  EXPECT_EQ(m.total_params(), find_model("llama3-8b")->total_params());
  EXPECT_THROW(model_from_hf_config(nlohmann::json::parse(R"({"hidden_size":1})"), "f"), std::exception);
}

#include <gtest/gtest.h>

#include "models/flops.hpp"

using namespace aiscale;

TEST(Flops, HardwareFlopsMatchSc21Equation3UnderFullRecompute) {
  const TransformerConfig& m = *find_model("gpt-145.6b");
  ParallelPlan p;
  p.recompute = Recompute::full;
  const double B = 2304, s = 2048, l = m.layers, h = m.hidden, V = m.vocab;
  const StepFlops f = step_flops(m, p, B, s);
  const double eq3 = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
  EXPECT_NEAR(f.hardware / eq3, 1.0, 1e-12);
  const double model = 72 * B * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h));
  EXPECT_NEAR(f.model / model, 1.0, 1e-12);
}

TEST(Flops, ModelFlopsAreSixNDPlusAttention) {
  const TransformerConfig& m = *find_model("llama3-8b");
  ParallelPlan p;
  const double B = 1, s = 8192;
  const StepFlops f = step_flops(m, p, B, s);
  // Non-embedding parameters plus the LM head: 6 * N * tokens, then 12 * l * h * s per token for attention.
  const double n = double(m.layers) * (m.dense_layer_params() - 2 * m.hidden) + double(m.vocab) * m.hidden;
  const double expected = 6 * n * B * s + 12.0 * m.layers * m.hidden * s * B * s;
  EXPECT_NEAR(f.model / expected, 1.0, 1e-9);
  EXPECT_DOUBLE_EQ(f.hardware, f.model);
  p.recompute = Recompute::selective;
  EXPECT_GT(step_flops(m, p, B, s).hardware, f.model);
}

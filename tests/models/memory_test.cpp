#include <gtest/gtest.h>

#include "models/catalog.hpp"
#include "models/memory.hpp"

using namespace aiscale;

namespace {
// 4 layers, h=1024, 16 heads, FFN 4096 GeLU, vocab 32000, untied, no biases: 12,587,008 parameters per layer.
TransformerConfig small_model() {
  TransformerConfig m;
  m.name = "small";
  m.layers = 4;
  m.hidden = 1024;
  m.heads = 16;
  m.kv_heads = 16;
  m.ffn_hidden = 4096;
  m.vocab = 32000;
  return m;
}
}  // namespace

// Hand-computed values (see the arithmetic in each comment); activations per Korthikanti et al. 2022, Table 2.
TEST(Memory, Zero0NoRecomputeNoFlash) {
  const TransformerConfig m = small_model();
  ASSERT_EQ(m.dense_layer_params(), 12587008);
  ParallelPlan p;
  p.dp = 8;
  p.micro_batch = 2;
  // s=1024, b=2: per layer sbh(34 + 5as/h) = 2,097,152 * 114 = 239,075,328 B.
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, p, 2, 1024, false), 239075328.0);
  const MemoryBreakdown r = memory_per_gpu(m, p, *find_gpu("h100-sxm"), Precision::bf16, 32, 1024, false);
  // P = 4*12,587,008 + 2*32000*1024 + 2048 = 115,886,080; bf16: 2 + 4 + 12 bytes per parameter.
  EXPECT_DOUBLE_EQ(r.weights, 231772160.0);
  EXPECT_DOUBLE_EQ(r.gradients, 463544320.0);
  EXPECT_DOUBLE_EQ(r.optimizer, 1390632960.0);
  // 4 layers x 1 in-flight micro-batch + embedding output 3sbh + fp32 logits 4sbV.
  EXPECT_DOUBLE_EQ(r.activations, 956301312.0 + 6291456.0 + 262144000.0);
  // CUDA context 0.4 GB + the dp=8 NCCL communicator 688 MB.
  EXPECT_DOUBLE_EQ(r.runtime, 1088e6);
  EXPECT_DOUBLE_EQ(r.peak, 3310686208.0 + 1088e6);
  EXPECT_TRUE(r.fits);
}

TEST(Memory, Zero1SelectiveRecomputeSequenceParallel) {
  const TransformerConfig m = small_model();
  ParallelPlan p;
  p.tp = 2;
  p.dp = 4;
  p.zero = 1;
  p.sequence_parallel = true;
  p.recompute = Recompute::selective;
  p.micro_batch = 2;
  // selective + SP: 34 sbh / t = 35,651,584 B per layer.
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, p, 2, 1024, false), 35651584.0);
  const MemoryBreakdown r = memory_per_gpu(m, p, *find_gpu("h100-sxm"), Precision::bf16, 32, 1024, false);
  // P = (50,348,032 + 65,536,000) / 2 + 2048 = 57,944,064; optimizer sharded over dp=4.
  EXPECT_DOUBLE_EQ(r.weights, 115888128.0);
  EXPECT_DOUBLE_EQ(r.gradients, 231776256.0);
  EXPECT_DOUBLE_EQ(r.optimizer, 173832192.0);
  EXPECT_DOUBLE_EQ(r.activations, 142606336.0 + 3145728.0 + 131072000.0);
  EXPECT_DOUBLE_EQ(r.runtime, 400e6 + 544e6 + 688e6);  // context, tp=2 and dp=4 communicators
  EXPECT_DOUBLE_EQ(r.peak, 798320640.0 + 1632e6);
}

TEST(Memory, Zero3FullRecomputePipeline) {
  const TransformerConfig m = small_model();
  ParallelPlan p;
  p.pp = 2;
  p.dp = 4;
  p.zero = 3;
  p.recompute = Recompute::full;
  p.micro_batch = 2;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(m, p, 2, 1024, false), 4194304.0);  // 2sbh
  EXPECT_DOUBLE_EQ(inflight_microbatches(p, 0, 4), 2.0);
  EXPECT_DOUBLE_EQ(inflight_microbatches(p, 1, 4), 1.0);
  const MemoryBreakdown r = memory_per_gpu(m, p, *find_gpu("h100-sxm"), Precision::bf16, 32, 1024, false);
  // Last stage: P = 25,174,016 + 32,768,000 + 2048 = 57,944,064, all of 18 B/param sharded by 4; activations
  // 2 layers x 2sbh x 1 + logits 262,144,000.
  EXPECT_EQ(r.stage, 1);
  EXPECT_DOUBLE_EQ(r.weights + r.gradients + r.optimizer, 4.5 * 57944064.0);
  EXPECT_DOUBLE_EQ(r.activations, 8388608.0 + 262144000.0);
  EXPECT_DOUBLE_EQ(r.peak, 531280896.0 + 400e6 + 544e6 + 688e6);  // + context, pp=2 and dp=4 communicators
}

TEST(Memory, FullRecomputeHoldsOneRecomputedLayer) {
  const TransformerConfig m = small_model();
  ParallelPlan p;
  p.dp = 8;
  p.recompute = Recompute::full;
  p.micro_batch = 2;
  const MemoryBreakdown r = memory_per_gpu(m, p, *find_gpu("h100-sxm"), Precision::bf16, 32, 2048, false);
  // s=2048, b=2, sbh = 4,194,304. Stored: 4 layers x 2sbh + embedding output 3sbh = 46,137,344 B. The layer being
  // back-propagated is re-run in full: sbh(34 + 5as/h) = 194 sbh, less its stored input 2sbh = 805,306,368 B,
  // larger than the fp32 logits 4sbV = 524,288,000 B (which are freed before the layers' backward).
  EXPECT_DOUBLE_EQ(r.activations, 46137344.0 + 805306368.0);
  // Selective recompute re-creates only the attention scores, 5as^2b = 671,088,640 B, above the logits too.
  p.recompute = Recompute::selective;
  const MemoryBreakdown s = memory_per_gpu(m, p, *find_gpu("h100-sxm"), Precision::bf16, 32, 2048, false);
  EXPECT_DOUBLE_EQ(s.activations, 4 * 34 * 4194304.0 + 3 * 4194304.0 + 671088640.0);
  // Fused attention keeps no scores: nothing is recomputed that is not stored, and the logits are the transient.
  const MemoryBreakdown f = memory_per_gpu(m, p, *find_gpu("h100-sxm"), Precision::bf16, 32, 2048, true);
  EXPECT_DOUBLE_EQ(f.activations, 4 * 34 * 4194304.0 + 3 * 4194304.0 + 524288000.0);
}

TEST(Memory, InterleavedHoldsMoreOnFirstStage) {
  ParallelPlan p;
  p.pp = 4;
  p.vpp = 2;
  p.schedule = Schedule::interleaved;
  // Korthikanti et al. 2022: first stage holds (1 + (p-1)/(p v)) times 1F1B's p micro-batches.
  EXPECT_DOUBLE_EQ(inflight_microbatches(p, 0, 16), 4 * (1 + 3.0 / 8));
}

TEST(Memory, FlashAttentionDropsScoreMatrix) {
  const TransformerConfig m = small_model();
  ParallelPlan p;
  EXPECT_LT(layer_activation_bytes(m, p, 1, 4096, true), layer_activation_bytes(m, p, 1, 4096, false));
}

// The software's own memory: a CUDA context (eager kernel loading before CUDA 11.7, as in 2021's Megatron-LM) and
// one NCCL communicator per parallel group of more than one GPU.
TEST(Memory, RuntimeReserveCountsContextAndCommunicators) {
  ParallelPlan p;
  EXPECT_DOUBLE_EQ(runtime_bytes(p, Framework::any), 400e6);
  EXPECT_DOUBLE_EQ(runtime_bytes(p, Framework::megatron_lm_2_5), 1e9);
  p.tp = 8, p.pp = 2, p.dp = 64, p.cp = 2, p.ep = 8;
  EXPECT_DOUBLE_EQ(runtime_bytes(p, Framework::megatron_core_0_8), 400e6 + 688e6 + 544e6 + 688e6 + 544e6 + 688e6);
  const MemoryBreakdown r = memory_per_gpu(small_model(), ParallelPlan{}, *find_gpu("h100-sxm"), Precision::bf16, 32,
                                           1024, false, Framework::megatron_lm_2_5);
  EXPECT_DOUBLE_EQ(r.runtime, 1e9);
  EXPECT_DOUBLE_EQ(r.peak, r.weights + r.gradients + r.optimizer + r.activations + r.runtime);
}

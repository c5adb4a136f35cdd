// Mixture-of-experts, MLA, context parallelism, FP8 and uneven pipeline stages: parameter counts against the
// published figures, communication volumes and activation memory against hand-computed values, and the plans
// that must be rejected.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "models/flops.hpp"
#include "models/memory.hpp"
#include "models/scenario.hpp"
#include "models/workload.hpp"
#include "tests/scenario_support.hpp"

using namespace aiscale;
using aiscale::test_support::has_issue;
using aiscale::test_support::issues_of;

namespace {

const Op* find_op(const std::vector<Op>& ops, const char* name, size_t nth = 0) {
  for (const Op& o : ops)
    if (std::strcmp(o.name, name) == 0 && nth-- == 0) return &o;
  return nullptr;
}

std::string source_path(const std::string& rel) { return std::string(AISCALE_SOURCE_DIR) + "/" + rel; }

}  // namespace

TEST(Moe, PresetParameterCountsMatchPublishedFigures) {
  const TransformerConfig* mx = find_model("mixtral-8x7b");
  ASSERT_NE(mx, nullptr);
  // Mixtral of Experts (arXiv:2401.04088): 46.7B total, 12.9B active.
  EXPECT_NEAR(mx->total_params() / 46.7e9, 1.0, 0.01);
  EXPECT_NEAR(mx->active_params() / 12.9e9, 1.0, 0.01);
  // 32 x (41,943,040 attention + 8,192 norms + 8 x 176,160,768 experts + 32,768 router) + 2 x 131,072,000 + 4,096.
  EXPECT_EQ(mx->total_params(), 46702792704LL);
  const TransformerConfig* m22 = find_model("mixtral-8x22b");
  EXPECT_NEAR(m22->total_params() / 141e9, 1.0, 0.01);
  EXPECT_NEAR(m22->active_params() / 39e9, 1.0, 0.01);
  // DeepSeek-V3 technical report: 671B total, 37B activated per token.
  const TransformerConfig* ds = find_model("deepseek-v3");
  EXPECT_NEAR(ds->total_params() / 671e9, 1.0, 0.01);
  EXPECT_EQ(ds->total_params(), 671026404352LL);
  EXPECT_EQ(ds->moe_layers(), 58);
  EXPECT_FALSE(ds->is_moe_layer(2));
  EXPECT_TRUE(ds->is_moe_layer(3));
  // The report's "37B activated" is 36.7B rounded (deepseek-ai/DeepSeek-V3 README_WEIGHTS.md: main model, 36.7B
  // activation parameters). DeepSeek's figures come out without the input embedding (a lookup):
  // 37.55B - 0.93B = 36.63B, -0.2% from 36.7B; every parameter counted would be 37.55B, +2.3%.
  EXPECT_FALSE(ds->active_counts_input_embedding);
  EXPECT_EQ(ds->active_params(), 37552282624LL - 129280LL * 7168);
  EXPECT_NEAR(ds->active_params() / 36.7e9, 1.0, 0.01);
  // DeepSeek-V2 (arXiv:2405.04434): 236B total, 21B activated, counted the same way. With the input embedding it
  // would be 21.38B (+1.8%), so the convention is DeepSeek's, not fitted to V3.
  const TransformerConfig* v2 = find_model("deepseek-v2");
  ASSERT_NE(v2, nullptr);
  EXPECT_NEAR(v2->total_params() / 236e9, 1.0, 0.01);
  EXPECT_NEAR(v2->active_params() / 21e9, 1.0, 0.01);
  EXPECT_EQ(v2->active_params() + int64_t(v2->vocab) * v2->hidden, 21375800320LL);
  // Mistral AI counts the embedding: without it Mixtral would be 12.75B (-1.2%).
  EXPECT_TRUE(mx->active_counts_input_embedding);
}

TEST(Moe, HuggingFaceConfigsImportMixtralQwenDeepSeekLlama) {
  auto hf = [](const std::string& dir) {
    return model_from_hf_config(read_json_file(source_path("scenarios/hf/" + dir + "/config.json")), "f");
  };
  // Each shipped config counts exactly as its preset, total and active.
  for (const auto& [dir, preset] :
       {std::pair{"mixtral-8x7b", "mixtral-8x7b"}, std::pair{"deepseek-v3", "deepseek-v3"},
        std::pair{"deepseek-v2", "deepseek-v2"}, std::pair{"llama-3.1-405b", "llama3-405b"}}) {
    const TransformerConfig m = hf(dir);
    EXPECT_EQ(m.total_params(), find_model(preset)->total_params()) << dir;
    EXPECT_EQ(m.active_params(), find_model(preset)->active_params()) << dir;
  }
  EXPECT_TRUE(hf("deepseek-v3").mla.enabled());
  // Qwen1.5-MoE-A2.7B model card: 14.3B parameters, 2.7B activated.
  const TransformerConfig qw = hf("qwen1.5-moe-a2.7b");
  EXPECT_EQ(qw.moe.experts, 60);
  EXPECT_EQ(qw.moe.shared_experts, 1);
  EXPECT_EQ(qw.shared_ffn_hidden(), 5632);
  EXPECT_NEAR(qw.total_params() / 14.3e9, 1.0, 0.01);
  EXPECT_NEAR(qw.active_params() / 2.7e9, 1.0, 0.01);
}

TEST(Moe, CustomModelParameterCountsByHand) {
  const Scenario sc = parse_scenario(test_support::small_moe_doc());
  const TransformerConfig& m = sc.model;
  // attention 1024*1024 + 2*1024*256 + 1024*1024 = 2,621,440; norms 2,048; experts 8 x 3*1024*1024;
  // shared 3,145,728; router 8,192.
  EXPECT_EQ(m.attention_params(), 2621440);
  EXPECT_EQ(m.moe_layer_params(), 30943232);
  EXPECT_EQ(m.total_params(), 4 * 30943232LL + 2 * 32000 * 1024LL + 1024);
  EXPECT_EQ(m.active_params(), 4 * 12068864LL + 2 * 32000 * 1024LL + 1024);
  // Per GPU: non-expert parts / tp; experts 8 / ep 4 = 2 local, each / etp 2.
  const StageParams sp = stage_params(m, sc.plan, 0);
  EXPECT_DOUBLE_EQ(sp.dense, 4 * 2888704.0 + 2 * 16384000.0 + 1024);
  EXPECT_DOUBLE_EQ(sp.expert, 4 * 3145728.0);
  EXPECT_EQ(expert_dp(sc.plan), 2);
  // ZeRO-1 shards Adam states (12 B/param) over dp*cp = 8 for the dense part, over edp = 2 for the experts.
  const MemoryBreakdown mem = memory_per_gpu(m, sc.plan, sc.cluster.gpu, Precision::bf16, 16, 2048, true);
  EXPECT_DOUBLE_EQ(mem.optimizer, sp.dense * 12 / 8 + sp.expert * 12 / 2);
}

TEST(Moe, ExpertParallelAllToAllVolume) {
  nlohmann::json doc = test_support::small_moe_doc();
  Workload w = build_workload(parse_scenario(doc));
  ASSERT_EQ(w.kinds.size(), 2u);
  const std::vector<Op>& f = w.kinds[1].fwd;
  // Tokens leaving a GPU: b*s/(cp*tp) = 1,024 (sequence parallel) x top-2 = 2,048 copies of h = 1,024 bf16
  // values: 4 MiB for the dispatch, the same for the combine.
  const Op* d = find_op(f, "ep_dispatch");
  const Op* c = find_op(f, "ep_combine");
  ASSERT_NE(d, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(d->coll, CollOp::all_to_all);
  EXPECT_EQ(d->group, Group::ep);
  EXPECT_DOUBLE_EQ(d->bytes, 4194304.0);
  EXPECT_DOUBLE_EQ(c->bytes, 4194304.0);
  // Each rank keeps 1/ep of it: 3/4 of the buffer crosses the wire.
  EXPECT_DOUBLE_EQ(CollectiveModel::bus_factor(CollOp::all_to_all, 4), 0.75);
  // Expert TP = 2 gathers the routed tokens: 4,096 token copies, 2 local experts of 2,048 tokens each,
  // FC1 [2,048 x 1,024] x [1,024 x 2*1,024/2].
  const Op* ag = find_op(f, "etp_ag");
  ASSERT_NE(ag, nullptr);
  EXPECT_DOUBLE_EQ(ag->bytes, 2.0 * 4096 * 1024);
  const Op* fc1 = find_op(f, "expert_fc1");
  EXPECT_DOUBLE_EQ(fc1->m, 2048);
  EXPECT_DOUBLE_EQ(fc1->n, 1024);
  EXPECT_DOUBLE_EQ(fc1->batch, 2);
  EXPECT_FALSE(d->overlapped);
  // Backward runs both all-to-alls again.
  EXPECT_NE(find_op(w.kinds[1].bwd, "ep_dispatch"), nullptr);
  EXPECT_NE(find_op(w.kinds[1].bwd, "ep_combine"), nullptr);
  // With ep_comm_overlap the all-to-alls hide under compute (Megatron-Core --overlap-moe-expert-parallel-comm).
  doc["parallelism"]["ep_comm_overlap"] = true;
  w = build_workload(parse_scenario(doc));
  EXPECT_TRUE(find_op(w.kinds[1].fwd, "ep_dispatch")->overlapped);
  doc["parallelism"].erase("ep_comm_overlap");
  // Routing imbalance and capacity factor scale the busiest rank's traffic.
  doc["training"]["moe_imbalance"] = 1.5;
  w = build_workload(parse_scenario(doc));
  EXPECT_DOUBLE_EQ(find_op(w.kinds[1].fwd, "ep_dispatch")->bytes, 1.5 * 4194304.0);
  doc["training"]["moe_capacity_factor"] = 1.25;
  w = build_workload(parse_scenario(doc));
  EXPECT_DOUBLE_EQ(find_op(w.kinds[1].fwd, "ep_dispatch")->bytes, 1.25 * 4194304.0);
  // Expert gradients are reduced over the expert data-parallel group, the rest over dp.
  const StageStep& ss = w.stage_steps[0];
  ASSERT_EQ(ss.grad_sync.size(), 2u);
  EXPECT_EQ(ss.grad_sync[0].group, Group::dp);
  EXPECT_EQ(ss.grad_sync[1].group, Group::edp);
  EXPECT_EQ(w.groups.edp.size, 2);
  EXPECT_EQ(w.groups.ep.size, 4);
}

TEST(Moe, ActivationMemoryOfAnMoeLayerByHand) {
  const Scenario sc = parse_scenario(test_support::small_moe_doc());
  // s = 2,048, b = 1, tp = 2 with SP, flash attention, no recompute:
  //   replicated sbh(2+2+2+2+1+1)/2                        = 10,485,760
  //   Q, K, V, proj input sb(2*1024 + 2*256 + 2*256 + 2*1024)/2 = 5,242,880
  //   shared expert sb(2*2*1024 + 2*1024)/2                = 6,291,456
  //   router probabilities 4 * 1,024 tokens * 8 experts   = 32,768
  //   4,096 expert tokens x (2h + (4*1024 + 2*1024)/etp + 2h) = 29,360,128
  EXPECT_DOUBLE_EQ(layer_activation_bytes(sc.model, sc.plan, 1, 2048, true, true), 51412992.0);
  EXPECT_DOUBLE_EQ(expert_tokens_per_gpu(sc.model, sc.plan, 1, 2048), 4096.0);
}

TEST(ContextParallel, KvExchangeVolumeAndVariants) {
  nlohmann::json doc = nlohmann::json::parse(R"({
    "schema": "aiscale/scenario/v1",
    "model": { "layers": 4, "hidden": 1024, "heads": 16, "kv_heads": 4, "vocab": 32000, "ffn_act": "swiglu" },
    "cluster": { "gpu": "h100-sxm", "nodes": 1 },
    "parallelism": { "cp": 2 },
    "training": { "global_batch": 8, "seq_len": 8192 }
  })");
  Workload w = build_workload(parse_scenario(doc));
  // K and V of the whole sequence: 2 bytes x 8,192 tokens x (256 + 256) = 8 MiB, a ring all-gather's volume,
  // overlapped with the blockwise attention (Megatron-Core cp_comm_type p2p).
  const Op* kv = find_op(w.kinds[0].fwd, "cp_kv_ring");
  ASSERT_NE(kv, nullptr);
  EXPECT_DOUBLE_EQ(kv->bytes, 8388608.0);
  EXPECT_EQ(kv->group, Group::cp);
  EXPECT_TRUE(kv->overlapped);
  // Backward: the KV blocks come round again and their gradients go back.
  const Op* b0 = find_op(w.kinds[0].bwd, "cp_kv_ring", 0);
  const Op* b1 = find_op(w.kinds[0].bwd, "cp_kv_ring", 1);
  ASSERT_NE(b1, nullptr);
  EXPECT_EQ(b0->coll, CollOp::all_gather);
  EXPECT_EQ(b1->coll, CollOp::reduce_scatter);
  // The Llama 3 variant gathers K and V before attention, on the critical path.
  doc["parallelism"]["cp_comm"] = "all_gather";
  w = build_workload(parse_scenario(doc));
  const Op* ag = find_op(w.kinds[0].fwd, "cp_kv_allgather");
  ASSERT_NE(ag, nullptr);
  EXPECT_FALSE(ag->overlapped);
  EXPECT_DOUBLE_EQ(ag->bytes, 8388608.0);
  // Each CP rank does 1/cp of the causal attention work and holds the activations of s/cp tokens.
  const Op* fa = find_op(w.kinds[0].fwd, "flash_attn");
  EXPECT_DOUBLE_EQ(fa->flops, 0.5 * 2 * 4096.0 * 8192 * 16 * 128);
  const Scenario sc = parse_scenario(doc);
  ParallelPlan one = sc.plan;
  one.cp = 1;
  EXPECT_DOUBLE_EQ(layer_activation_bytes(sc.model, sc.plan, 1, 8192, true),
                   layer_activation_bytes(sc.model, one, 1, 4096, true));
}

TEST(Fp8, MemoryKeepsFp8WeightCopiesAndScalingHistory) {
  nlohmann::json doc = nlohmann::json::parse(R"({
    "schema": "aiscale/scenario/v1",
    "model": { "layers": 4, "hidden": 1024, "heads": 16, "vocab": 32000 },
    "cluster": { "gpu": "h100-sxm", "nodes": 1 },
    "parallelism": { "dp": 8 },
    "training": { "global_batch": 8, "seq_len": 2048, "precision": "fp8" }
  })");
  const Scenario sc = parse_scenario(doc);
  const MemoryBreakdown f8 = memory_per_gpu(sc.model, sc.plan, sc.cluster.gpu, Precision::fp8, 8, 2048, true);
  const MemoryBreakdown bf = memory_per_gpu(sc.model, sc.plan, sc.cluster.gpu, Precision::bf16, 8, 2048, true);
  // 2 B per GEMM weight (the FP8 copy and its transpose) for 4 layers of 12,587,008 parameters and the final
  // norm (norm weights are counted too; they are 0.03% here), plus 1,024 fp32 amax values x 3 tensors x 4 GEMMs
  // x 4 layers.
  EXPECT_DOUBLE_EQ(f8.fp8_state, 2.0 * (4 * 12587008.0 + 2048) + 4 * 4 * 3 * 1024 * 4.0);
  EXPECT_DOUBLE_EQ(f8.weights - bf.weights, f8.fp8_state);
  // Linear-layer inputs are saved in FP8: fewer activation bytes.
  EXPECT_LT(f8.activations, bf.activations);
}

TEST(UnevenStages, LlamaThreeLayout) {
  nlohmann::json doc = nlohmann::json::parse(R"({
    "schema": "aiscale/scenario/v1", "model": "llama3-405b",
    "cluster": { "gpu": "h100-sxm", "nodes": 256 },
    "parallelism": { "tp": 8, "pp": 16, "dp": 16, "sequence_parallel": true,
                     "first_stage_layers": 7, "last_stage_layers": 7 },
    "training": { "global_batch": 256, "seq_len": 8192 }
  })");
  const Scenario sc = parse_scenario(doc);
  // Llama 3 (arXiv:2407.21783 §3.3.2): one layer fewer on the first and the last stage: 7 + 14 x 8 + 7 = 126.
  const std::vector<int> n = stage_layers(sc.model, sc.plan);
  ASSERT_EQ(n.size(), 16u);
  EXPECT_EQ(n.front(), 7);
  EXPECT_EQ(n[1], 8);
  EXPECT_EQ(n.back(), 7);
  const std::vector<ChunkSpan> spans = chunk_spans(sc.model, sc.plan);
  EXPECT_EQ(spans[1].first, 7);
  EXPECT_EQ(spans[15].first, 119);
  // The embedding stage holds fewer layer parameters than a middle stage.
  EXPECT_LT(stage_params(sc.model, sc.plan, 0).dense - 128256.0 * 16384 / 8, stage_params(sc.model, sc.plan, 1).dense);
  // Interleaving splits each stage's layers into vpp chunks; 7 layers split 4 + 3.
  doc["parallelism"]["vpp"] = 2;
  const Scenario il = parse_scenario(doc);
  const std::vector<ChunkSpan> s2 = chunk_spans(il.model, il.plan);
  EXPECT_EQ(s2[0].count, 4);
  EXPECT_EQ(s2[1].count, 3);
  EXPECT_EQ(s2[1].first, 64);  // chunk 1 of stage 0 follows chunk 0 of every stage: 4 + 14 x 4 + 4
  doc["parallelism"]["vpp"] = 8;
  EXPECT_TRUE(has_issue(issues_of(doc), "parallelism.vpp", "cannot hold vpp=8"));
}

TEST(ModernPlans, RejectedWithClearErrors) {
  nlohmann::json doc = test_support::small_moe_doc();
  doc["parallelism"]["ep"] = 3;
  auto v = issues_of(doc);
  EXPECT_TRUE(has_issue(v, "parallelism.ep", "8 experts are not divisible by ep=3"));
  doc = test_support::small_moe_doc();
  doc["parallelism"]["sequence_parallel"] = false;
  EXPECT_TRUE(has_issue(issues_of(doc), "parallelism.sequence_parallel", "need sequence parallelism"));
  doc = test_support::small_moe_doc();
  doc["parallelism"]["cp"] = 3;
  doc["training"]["seq_len"] = 2000;
  v = issues_of(doc);
  EXPECT_TRUE(has_issue(v, "parallelism.cp", "seq_len 2000 is not divisible by cp=3"));
  doc = test_support::small_moe_doc();
  doc["cluster"]["gpu"] = "a100-sxm4-80gb";
  doc["training"]["precision"] = "fp8";
  EXPECT_TRUE(has_issue(issues_of(doc), "training.precision", "no FP8"));
  doc = test_support::small_moe_doc();
  doc["model"].erase("moe");
  EXPECT_TRUE(has_issue(issues_of(doc), "parallelism.ep", "needs a mixture-of-experts model"));
  doc = test_support::small_moe_doc();
  doc["model"]["moe"]["top_k"] = 9;
  EXPECT_TRUE(has_issue(issues_of(doc), "model.moe.top_k", "exceeds"));
  doc = test_support::small_moe_doc();
  doc["parallelism"]["etp"] = 3;
  EXPECT_TRUE(has_issue(issues_of(doc), "parallelism.etp", "not divisible by the expert tensor-parallel size 3"));
  doc = default_scenario_json();
  doc["parallelism"]["schedule"] = "zb-h1";
  doc["parallelism"]["vpp"] = 2;
  EXPECT_TRUE(has_issue(issues_of(doc), "parallelism.schedule", "zb-h1"));
  doc = default_scenario_json();
  doc["training"]["moe_capacity_factor"] = 1.25;
  EXPECT_TRUE(has_issue(issues_of(doc), "training.moe_capacity_factor", "dense"));
  doc = default_scenario_json();
  doc["parallelism"]["first_stage_layers"] = 90;
  EXPECT_TRUE(has_issue(issues_of(doc), "parallelism.first_stage_layers", "do not split evenly"));
}

TEST(Moe, ModelFlopsCountActiveExperts) {
  const Scenario sc = parse_scenario(test_support::small_moe_doc());
  const TransformerConfig& m = sc.model;
  const double tokens = 16.0 * 2048;
  const StepFlops f = step_flops(m, sc.plan, 16, 2048);
  // 6 x (active GEMM weights: attention + router + top-2 and shared experts, and the LM head) x tokens
  // + 3 x attention (4 s h per token per layer).
  const double gemm_weights = 4.0 * (2621440 + 8192 + 3 * 3145728.0) + 32000.0 * 1024;
  EXPECT_DOUBLE_EQ(f.model, 6 * gemm_weights * tokens + 3 * 4 * (4 * tokens * 2048 * 1024));
  EXPECT_DOUBLE_EQ(f.hardware, f.model);
}

TEST(GradReduce, Bf16GradientsHalveGradientMemoryAndTraffic) {
  nlohmann::json doc = nlohmann::json::parse(R"({
    "schema": "aiscale/scenario/v1",
    "model": { "layers": 4, "hidden": 1024, "heads": 16, "vocab": 32000 },
    "cluster": { "gpu": "h100-sxm", "nodes": 1 },
    "parallelism": { "dp": 8, "zero": 1 },
    "training": { "global_batch": 8, "seq_len": 2048 }
  })");
  const Scenario f32 = parse_scenario(doc);
  doc["parallelism"]["grad_reduce_dtype"] = "bf16";
  const Scenario b16 = parse_scenario(doc);
  const MemoryBreakdown m32 = memory_per_gpu(f32.model, f32.plan, f32.cluster.gpu, Precision::bf16, 8, 2048, true);
  const MemoryBreakdown m16 = memory_per_gpu(b16.model, b16.plan, b16.cluster.gpu, Precision::bf16, 8, 2048, true);
  EXPECT_DOUBLE_EQ(m16.gradients, m32.gradients / 2);
  EXPECT_DOUBLE_EQ(build_workload(b16).stage_steps[0].grad_sync[0].bytes,
                   build_workload(f32).stage_steps[0].grad_sync[0].bytes / 2);
  // PyTorch FSDP (ZeRO-3) handles each layer's gradient in its post-backward hook: 2e + (e + r) + 2r + 2r/dp
  // bytes per parameter with bf16 compute (e = 2) and fp32 reduce (r = 4) on 8 ranks: 4 + 6 + 8 + 1 = 19.
  doc["parallelism"]["zero"] = 3;
  doc["parallelism"].erase("grad_reduce_dtype");
  const Workload w = build_workload(parse_scenario(doc));
  const Op* g = find_op(w.kinds[0].bwd, "fsdp_grad");
  ASSERT_NE(g, nullptr);
  EXPECT_DOUBLE_EQ(g->bytes, 19.0 * 12587008);
  EXPECT_EQ(find_op(w.kinds[0].bwd, "grad_accum"), nullptr);
}

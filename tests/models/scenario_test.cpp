#include <gtest/gtest.h>

#include "models/scenario.hpp"
#include "tests/scenario_support.hpp"

using namespace aiscale;
using aiscale::test_support::has_issue;
using aiscale::test_support::issues_of;

TEST(Scenario, DefaultParses) {
  const Scenario sc = parse_scenario(default_scenario_json());
  EXPECT_EQ(sc.cluster.gpus(), 1024);
  EXPECT_EQ(sc.plan.tp * sc.plan.pp * sc.plan.dp, 1024);
  EXPECT_EQ(sc.model.name, "gpt3-175b");
  EXPECT_DOUBLE_EQ(sc.cluster.scale_out.nic.value, 25e9);
  EXPECT_EQ(sc.training.precision, Precision::bf16);
  EXPECT_DOUBLE_EQ(sc.cost.gpu_hour.value, 2.0);
}

TEST(Scenario, UnknownKeySuggestsNearest) {
  auto doc = default_scenario_json();
  doc["parallelism"]["micro_bach"] = 2;
  const auto v = issues_of(doc);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(has_issue(v, "parallelism.micro_bach", "did you mean 'micro_batch'"));
}

TEST(Scenario, MissingUnitIsReported) {
  auto doc = default_scenario_json();
  doc["cluster"]["scale_out"]["nic"] = 400;
  EXPECT_TRUE(has_issue(issues_of(doc), "cluster.scale_out.nic", "needs a unit"));
}

TEST(Scenario, EveryPlanViolationAtOnce) {
  auto doc = default_scenario_json();
  doc["parallelism"]["tp"] = 5;   // 96 heads not divisible; product wrong
  doc["parallelism"]["pp"] = 7;   // 96 layers not divisible
  doc["training"]["global_batch"] = 1001;
  const auto v = issues_of(doc);
  EXPECT_TRUE(has_issue(v, "parallelism", "GPUs"));
  EXPECT_TRUE(has_issue(v, "parallelism.tp", "heads"));
  EXPECT_TRUE(has_issue(v, "parallelism.pp", "layers"));
  EXPECT_TRUE(has_issue(v, "training.global_batch", "divisible"));
  EXPECT_GE(v.size(), 4u);
}

TEST(Scenario, ZeroAndNegativeCountsRejected) {
  auto doc = default_scenario_json();
  doc["cluster"]["nodes"] = 0;
  doc["training"]["seq_len"] = -5;
  const auto v = issues_of(doc);
  EXPECT_TRUE(has_issue(v, "cluster.nodes", "at least 1"));
  EXPECT_TRUE(has_issue(v, "training.seq_len", "at least 1"));
}

TEST(Scenario, OverridesAndDerivedDp) {
  auto doc = default_scenario_json();
  doc["parallelism"].erase("dp");
  apply_overrides(doc, {"parallelism.tp=4", "cluster.scale_out.nic=\"400Gbps\"", "name=what-if"});
  const Scenario sc = parse_scenario(doc);
  EXPECT_EQ(sc.plan.tp, 4);
  EXPECT_EQ(sc.plan.dp, 16);  // 1024 / (4 * 16)
  EXPECT_DOUBLE_EQ(sc.cluster.scale_out.nic.value, 50e9);
  EXPECT_EQ(sc.name, "what-if");
  EXPECT_THROW(apply_overrides(doc, {"novalue"}), Error);
  EXPECT_THROW(apply_overrides(doc, {"model.layers=3"}), Error);  // model is a preset name, not an object
}

TEST(Scenario, TpWiderThanNodeIsAWarning) {
  auto doc = default_scenario_json();
  apply_overrides(doc, {"parallelism.tp=16", "parallelism.dp=4"});
  const Scenario sc = parse_scenario(doc);
  ASSERT_FALSE(sc.warnings.empty());
  EXPECT_NE(sc.warnings[0].find("NVLink domain"), std::string::npos);
}

TEST(Scenario, CustomModelAndGpuObjects) {
  auto doc = default_scenario_json();
  doc["model"] = {{"layers", 32}, {"hidden", 4096}, {"heads", 32}, {"kv_heads", 8}, {"ffn_hidden", 14336},
                  {"vocab", 128256}, {"ffn_act", "swiglu"}, {"norm", "rmsnorm"}};
  doc["cluster"]["gpu"] = {{"base", "h100-sxm"}, {"tdp", "600W"}};
  doc["parallelism"] = {{"tp", 8}, {"pp", 4}};
  const Scenario sc = parse_scenario(doc);
  EXPECT_EQ(sc.model.total_params(), find_model("llama3-8b")->total_params());
  EXPECT_DOUBLE_EQ(sc.cluster.gpu.tdp.value, 600);
  EXPECT_EQ(sc.plan.dp, 32);
}

TEST(Scenario, WrongTypesAndSchema) {
  auto doc = default_scenario_json();
  doc["schema"] = "aiscale/scenario/v9";
  doc["parallelism"]["sequence_parallel"] = "yes";
  doc["model"] = "gpt3-176b";
  const auto v = issues_of(doc);
  EXPECT_TRUE(has_issue(v, "schema", "not supported"));
  EXPECT_TRUE(has_issue(v, "parallelism.sequence_parallel", "true or false"));
  EXPECT_TRUE(has_issue(v, "model", "did you mean 'gpt3-175b'"));
}

// training.framework limits the plans to what that framework's code accepts; every violation names its field.
TEST(Scenario, FrameworkLimitsThePlan) {
  auto doc = default_scenario_json();  // sequence parallel, ZeRO-1, selective recompute, flash attention (default)
  doc["training"]["framework"] = "megatron-lm-2.5";
  doc["parallelism"]["pp"] = 2;
  doc["parallelism"]["dp"] = 64;
  doc["parallelism"]["vpp"] = 2;
  doc["parallelism"]["schedule"] = "interleaved";
  auto v = issues_of(doc);
  EXPECT_TRUE(has_issue(v, "parallelism.vpp", "only with pp > 2"));
  EXPECT_TRUE(has_issue(v, "parallelism.zero", "no sharded"));
  EXPECT_TRUE(has_issue(v, "parallelism.sequence_parallel", "no sequence parallelism"));
  EXPECT_TRUE(has_issue(v, "parallelism.recompute", "whole layers"));
  EXPECT_TRUE(has_issue(v, "training.flash_attention", "no fused attention"));
  EXPECT_TRUE(has_issue(v, "parallelism.overlap_grad_reduce", "only without pipelining"));
  for (const auto& i : v) EXPECT_NE(i.message.find("training.framework to \"any\""), std::string::npos) << i.message;

  // The same plan is valid for any framework.
  doc["training"]["framework"] = "any";
  EXPECT_TRUE(issues_of(doc).empty());

  // Megatron-Core core_r0.8.0: interleaving with pp=2 is fine; uneven stages, ZB-H1 and ZeRO-2 are not.
  doc["training"]["framework"] = "megatron-core-0.8";
  EXPECT_TRUE(issues_of(doc).empty());
  doc["parallelism"]["vpp"] = 1;
  doc["parallelism"]["schedule"] = "zb-h1";
  doc["parallelism"]["zero"] = 2;
  doc["parallelism"]["first_stage_layers"] = 47;
  v = issues_of(doc);
  EXPECT_TRUE(has_issue(v, "parallelism.schedule", "1F1B"));
  EXPECT_TRUE(has_issue(v, "parallelism.zero", "optimizer states only"));
  EXPECT_TRUE(has_issue(v, "parallelism.first_stage_layers", "evenly"));

  doc["training"]["framework"] = "megatron-lm-3";
  EXPECT_TRUE(has_issue(issues_of(doc), "training.framework", "megatron-core-0.8"));
}

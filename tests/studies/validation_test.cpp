#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "models/calibration_profile.hpp"
#include "models/scenario.hpp"
#include "sim/analytic.hpp"
#include "studies/plan.hpp"
#include "studies/validate.hpp"

using namespace aiscale;

namespace {
ValidationReport suite(const std::string& name) {
  return run_validation(collect_scenario_files(std::string(AISCALE_SOURCE_DIR) + "/scenarios/validation/" + name));
}
}  // namespace

// SC21 Table 1 in the paper's own (hardware-FLOP, eq. 3) convention with one A100 profile built from
// microbenchmarks; no constant is fitted to these runs. With the authors' own micro-batches and interleaving
// (examples/sc21/run_table_1.sh) every row is predicted 7-15% fast (MAPE 11.4%), as Megatron-LM's 2020 A100 table
// is (docs/validation.md); the bound of 10% holds for the acceptance set below, SC21 and Megatron-Core
// together.
TEST(Validation, Sc21Table1) {
  const ValidationReport r = suite("sc21-table1");
  ASSERT_EQ(r.all.cases, 10);
  EXPECT_LE(r.all.mape, 12.0);
  EXPECT_LE(r.all.max_ape, 20.0);
}

// The acceptance set: SC21 Table 1 and the Megatron-Core H100 table together, each in its own convention.
TEST(Validation, AcceptanceSetMeanError) {
  ValidationReport a = suite("sc21-table1"), b = suite("mcore-h100");
  const double mape = (a.all.mape * a.all.cases + b.all.mape * b.all.cases) / (a.all.cases + b.all.cases);
  EXPECT_LE(mape, 10.0);
  EXPECT_LE(std::max(a.all.max_ape, b.all.max_ape), 20.0);
}

TEST(Validation, Sc21Table2PtdP) {
  const ValidationReport r = suite("sc21-table2");
  ASSERT_EQ(r.all.cases, 6);
  EXPECT_LE(r.all.mape, 20.0);
}

// Megatron-Core H100 weak scaling, model-FLOP convention, with the H100 profile's measured cuDNN attention: within
// the bounds (largest errors: 32B -19.6%, 1.7B +17.7%; see docs/validation.md).
TEST(Validation, MegatronCoreH100) {
  const ValidationReport r = suite("mcore-h100");
  ASSERT_EQ(r.all.cases, 9);
  EXPECT_LE(r.all.mape, 10.0);
  EXPECT_LE(r.all.max_ape, 20.0);
}

// MosaicML MPT on PyTorch FSDP (llm-foundry benchmark table), MFU in llm-foundry's convention.
TEST(Validation, MosaicMptFsdp) {
  const ValidationReport r = suite("mpt");
  ASSERT_EQ(r.all.cases, 17);
  EXPECT_LE(r.all.mape, 10.0);
  EXPECT_LE(r.all.max_ape, 20.0);
}

TEST(Validation, EveryCaseCarriesItsSource) {
  const ValidationReport r = suite("");
  for (const auto& c : r.cases) {
    EXPECT_FALSE(c.source.empty()) << c.name;
    EXPECT_GT(c.measured, 0) << c.name;
  }
}

// Megatron-LM's 2020 weak-scaling table on DGX A100: iteration times for tensor parallelism 1-8 inside a node and
// the same with 128-way data parallelism. The relative cost of tensor parallelism is what the planner ranks on, so
// the tp 8 / tp 1 time ratio is held too.
TEST(Validation, Megatron2020TensorParallelScaling) {
  const ValidationReport r = suite("megatron-2020");
  ASSERT_EQ(r.all.cases, 8);
  EXPECT_LE(r.all.mape, 10.0);
  EXPECT_LE(r.all.max_ape, 15.0);
  const ValidationCase *tp1 = nullptr, *tp8 = nullptr;
  for (const auto& c : r.cases) {
    if (c.name == "megatron_readme2020_a100_1B_1") tp1 = &c;
    if (c.name == "megatron_readme2020_a100_8B_8") tp8 = &c;
  }
  ASSERT_TRUE(tp1 && tp8);
  const double measured = tp8->measured / tp1->measured, predicted = tp8->predicted / tp1->predicted;
  EXPECT_NEAR(predicted / measured, 1.0, 0.08);
}

// The planner against the published layouts (issue acceptance; docs/validation.md): for every SC21 Table 1 and
// Megatron-Core H100 run, searching tp, pp, interleaving and micro-batch within the run's framework on its GPU count,
// the published tp/pp is among the ten best layouts and the planner's best is at least as fast. Among all
// configurations the published one is in the top 10 for 17 of the 19 runs (the misses: SC21 18.4B and 39.1B).
TEST(Validation, PlannerRanksThePublishedLayouts) {
  int layouts_in_top10 = 0, configs_in_top10 = 0, runs = 0;
  for (const std::string suite_name : {"sc21-table1", "mcore-h100"})
    for (const std::string& file :
         collect_scenario_files(std::string(AISCALE_SOURCE_DIR) + "/scenarios/validation/" + suite_name)) {
      const Scenario sc = parse_scenario(read_json_file(file), std::filesystem::path(file).parent_path().string());
      const CalibrationProfile prof = load_profile(sc.calibration, sc.cluster.gpu, sc.base_dir);
      const double published = simulate_analytic(sc, prof).step_time_s;
      PlanOptions o;
      o.objective = Objective::time;
      o.dims = parse_dims("tp,pp,vpp,micro_batch");
      o.jobs = 2;
      auto rank_of_published = [&](const PlanReport& r) {
        for (size_t i = 0; i < r.ranked.size(); ++i)
          if (r.ranked[i].plan.tp == sc.plan.tp && r.ranked[i].plan.pp == sc.plan.pp) return int(i) + 1;
        return 0;
      };
      o.per_layout = true;
      const PlanReport by_layout = run_plan(sc, prof, o);
      o.per_layout = false;
      const PlanReport by_config = run_plan(sc, prof, o);
      ++runs;
      const int layout_rank = rank_of_published(by_layout);
      EXPECT_GT(layout_rank, 0) << sc.name << ": published tp " << sc.plan.tp << " pp " << sc.plan.pp
                                << " not among the ten best layouts";
      layouts_in_top10 += layout_rank > 0;
      configs_in_top10 += rank_of_published(by_config) > 0;
      ASSERT_FALSE(by_config.ranked.empty()) << sc.name;
      EXPECT_LE(by_config.ranked[0].step_time_s, published * (1 + 1e-9)) << sc.name;
    }
  EXPECT_EQ(runs, 19);
  EXPECT_EQ(layouts_in_top10, 19);
  EXPECT_GE(configs_in_top10, 17);
}

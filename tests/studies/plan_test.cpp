#include "studies/plan.hpp"
#include "report/tables.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>

#include "models/error.hpp"
#include "report/svg_plot.hpp"
#include "models/transformer.hpp"
#include "sim/analytic.hpp"
#include "tests/scenario_support.hpp"

using namespace aiscale;

namespace {
struct Fixture {
  Scenario sc = parse_scenario(default_scenario_json());
  CalibrationProfile prof = load_profile("", sc.cluster.gpu, ".");
};
}  // namespace

TEST(Plan, RanksFeasibleConfigurationsBestFirst) {
  Fixture f;
  PlanOptions o;
  o.gpu_counts = {512, 1024};
  o.top = 20;
  o.jobs = 2;
  const PlanReport r = run_plan(f.sc, f.prof, o);
  ASSERT_FALSE(r.ranked.empty());
  EXPECT_GE(r.enumerated, r.valid);
  EXPECT_GE(r.valid, r.fitting);
  for (size_t i = 1; i < r.ranked.size(); ++i) EXPECT_LE(r.ranked[i - 1].objective, r.ranked[i].objective);
  for (const auto& c : r.ranked) {
    EXPECT_LE(c.memory_gib, 80.0);
    EXPECT_EQ(c.plan.tp * c.plan.pp * c.plan.dp * c.plan.cp, c.gpus);
  }
  // The planner's best is at least as fast as the scenario's own plan, which it must also have evaluated.
  const Result own = simulate_analytic(f.sc, f.prof);
  EXPECT_LE(r.ranked[0].days, own.training.days * (1 + 1e-9));
}

TEST(Plan, PerLayoutListsTheBestOfEachLayoutOnce) {
  Fixture f;
  PlanOptions o;
  o.gpu_counts = {1024};
  o.top = 100000;
  o.jobs = 2;
  const PlanReport all = run_plan(f.sc, f.prof, o);
  o.per_layout = true;
  o.top = 8;
  const PlanReport r = run_plan(f.sc, f.prof, o);
  ASSERT_EQ(r.ranked.size(), 8u);
  EXPECT_EQ(r.layouts, all.layouts);
  EXPECT_GT(all.ranked.size(), r.layouts);  // several configurations share a layout
  std::set<std::array<int, 5>> seen;
  for (size_t i = 0; i < r.ranked.size(); ++i) {
    const ParallelPlan& p = r.ranked[i].plan;
    EXPECT_TRUE(seen.insert({p.tp, p.pp, p.dp, p.cp, p.ep}).second) << "layout listed twice";
    if (i > 0) {
      EXPECT_LE(r.ranked[i - 1].objective, r.ranked[i].objective);
    }
    // Each row is the best configuration of its layout in the full ranking.
    for (const auto& c : all.ranked) {
      if (c.plan.tp == p.tp && c.plan.pp == p.pp && c.plan.dp == p.dp && c.plan.cp == p.cp && c.plan.ep == p.ep) {
        EXPECT_DOUBLE_EQ(c.objective, r.ranked[i].objective);
        break;
      }
    }
  }
  EXPECT_DOUBLE_EQ(r.ranked[0].objective, all.ranked[0].objective);
}

TEST(Plan, ParetoFrontIsNonDominated) {
  Fixture f;
  PlanOptions o;
  o.gpu_counts = {256, 512, 1024, 2048};
  o.jobs = 2;
  const PlanReport r = run_plan(f.sc, f.prof, o);
  ASSERT_GE(r.pareto.size(), 2u);
  for (size_t i = 1; i < r.pareto.size(); ++i) {
    EXPECT_GE(r.pareto[i].days, r.pareto[i - 1].days);
    EXPECT_LT(r.pareto[i].cost_usd, r.pareto[i - 1].cost_usd);
  }
  for (const auto& c : r.all_fitting) {
    bool dominated_or_on_front = false;
    for (const auto& p : r.pareto) dominated_or_on_front |= p.days <= c.days && p.cost_usd <= c.cost_usd;
    EXPECT_TRUE(dominated_or_on_front);
  }
}

TEST(Plan, ConstraintsAndFixedDimensions) {
  Fixture f;
  PlanOptions o;
  o.gpu_counts = {1024};
  o.dims = parse_dims("pp,vpp");
  o.budget_usd = 1.0;  // nothing is that cheap
  const PlanReport r = run_plan(f.sc, f.prof, o);
  EXPECT_TRUE(r.ranked.empty());
  EXPECT_EQ(r.meeting, 0u);
  for (const auto& c : r.all_fitting) {
    EXPECT_EQ(c.plan.tp, 8);
    EXPECT_EQ(c.plan.micro_batch, 1);
  }
  EXPECT_THROW(parse_dims("tp,warp"), Error);
  EXPECT_THROW(parse_dims("ep,etpp"), Error);
  o.gpu_counts = {1020};
  EXPECT_THROW(run_plan(f.sc, f.prof, o), Error);
}

namespace {
Scenario mixtral() {
  const std::string file = std::string(AISCALE_SOURCE_DIR) + "/scenarios/mixtral-8x7b-64xh100.json";
  return parse_scenario(read_json_file(file), std::string(AISCALE_SOURCE_DIR) + "/scenarios");
}
}  // namespace

TEST(Plan, VaryNamesEveryDimension) {
  const PlanDims none = parse_dims("dp");
  EXPECT_FALSE(none.ep || none.etp || none.cp || none.cp_comm || none.schedule || none.tp);
  const PlanDims some = parse_dims("ep,etp,cp,cp_comm,schedule");
  EXPECT_TRUE(some.ep && some.etp && some.cp && some.cp_comm && some.schedule);
  EXPECT_FALSE(some.tp || some.pp || some.vpp || some.micro_batch || some.zero || some.recompute);
  const PlanDims all = parse_dims("all");
  EXPECT_TRUE(all.tp && all.pp && all.ep && all.etp && all.schedule && all.recompute);
  const PlanDims listed = parse_dims(all_dims());
  EXPECT_TRUE(listed.tp && listed.cp_comm && listed.ep && listed.etp && listed.schedule && listed.micro_batch);
}

// Mixtral 8x7B on 64 H100: the planner searches expert parallelism (only divisors of the 8 experts, etp*ep within
// a pipeline stage), expert tensor parallelism, both context-parallel exchanges and ZB-H1.
TEST(Plan, MixtureOfExpertsSearchesExpertParallelismAndZeroBubble) {
  const Scenario sc = mixtral();
  const CalibrationProfile prof = test_support::profile(sc);
  PlanOptions o;
  o.gpu_counts = {64};
  o.dims = parse_dims("tp,pp,cp,cp_comm,ep,etp,vpp,schedule");  // micro_batch, zero, recompute as the base's
  o.jobs = 2;
  o.top = 1000000;
  const PlanReport r = run_plan(sc, prof, o);
  ASSERT_FALSE(r.ranked.empty());
  EXPECT_TRUE(r.moe);
  std::set<int> eps;
  bool zb = false, etp_folded = false, cp_p2p = false, cp_ag = false;
  for (const auto& c : r.all_fitting) {
    const ParallelPlan& p = c.plan;
    SCOPED_TRACE("tp " + std::to_string(p.tp) + " pp " + std::to_string(p.pp) + " ep " + std::to_string(p.ep));
    EXPECT_EQ(sc.model.moe.experts % p.ep, 0);
    EXPECT_EQ((p.tp * p.cp * p.dp) % (expert_tp(p) * p.ep), 0);
    EXPECT_EQ(p.tp * p.pp * p.dp * p.cp, c.gpus);
    eps.insert(p.ep);
    if (p.schedule == Schedule::zb_h1) {
      zb = true;
      EXPECT_EQ(p.vpp, 1);
      EXPECT_GT(p.pp, 1);
    }
    etp_folded |= p.tp > 1 && expert_tp(p) == 1;
    cp_p2p |= p.cp > 1 && p.cp_comm == CpComm::p2p;
    cp_ag |= p.cp > 1 && p.cp_comm == CpComm::all_gather;
  }
  EXPECT_TRUE(eps.count(2) && eps.count(4) && eps.count(8)) << "expert parallelism > 1 not searched";
  bool ranked_ep = false;
  for (const auto& c : r.ranked) ranked_ep |= c.plan.ep > 1;
  EXPECT_TRUE(ranked_ep);
  EXPECT_TRUE(zb);
  EXPECT_TRUE(etp_folded);
  EXPECT_TRUE(cp_p2p && cp_ag);
  // The scenario's own plan (tp 1, pp 4, ep 8) was in the search, so the best is no slower.
  const Result own = simulate_analytic(sc, prof);
  EXPECT_LE(r.ranked[0].days, own.training.days * (1 + 1e-9));
  // The outputs show the expert dimensions.
  const nlohmann::json j = to_json(r, o);
  const auto& par = j["ranked"][0]["parallelism"];
  EXPECT_TRUE(par.contains("ep") && par.contains("etp") && par.contains("cp_comm"));
  const std::string table = plan_table(r, o);
  EXPECT_NE(table.find("  ep etp"), std::string::npos);
  EXPECT_NE(table.find("schedule"), std::string::npos);
}

TEST(Plan, FixedDimensionsKeepTheBaseExpertPlan) {
  const Scenario sc = mixtral();
  const CalibrationProfile prof = test_support::profile(sc);
  PlanOptions o;
  o.gpu_counts = {64};
  o.dims = parse_dims("pp,micro_batch");
  const PlanReport r = run_plan(sc, prof, o);
  ASSERT_FALSE(r.all_fitting.empty());
  for (const auto& c : r.all_fitting) {
    EXPECT_EQ(c.plan.ep, 8);
    EXPECT_EQ(c.plan.tp, 1);
    EXPECT_NE(c.plan.schedule, Schedule::zb_h1);  // the base's 1F1B, or interleaved: vpp is not varied
  }
}

TEST(Plan, DenseModelsKeepEpOneAndAddZeroBubble) {
  Fixture f;
  PlanOptions o;
  o.gpu_counts = {1024};
  o.dims = parse_dims("pp,vpp,schedule,ep,etp");
  o.jobs = 2;
  const PlanReport r = run_plan(f.sc, f.prof, o);
  ASSERT_FALSE(r.all_fitting.empty());
  EXPECT_FALSE(r.moe);
  bool zb = false, one_f = false;
  for (const auto& c : r.all_fitting) {
    EXPECT_EQ(c.plan.ep, 1);
    EXPECT_EQ(expert_tp(c.plan), c.plan.tp);
    zb |= c.plan.schedule == Schedule::zb_h1;
    one_f |= c.plan.schedule == Schedule::one_f_one_b;
    if (c.plan.schedule == Schedule::zb_h1) {
      EXPECT_EQ(c.plan.vpp, 1);
    }
  }
  EXPECT_TRUE(zb && one_f);
}

// Llama 3 405B's 126 layers split evenly only over pp in {1, 2, 3, 6, 7, 9, ...}; the planner adds Llama 3's
// uneven split for powers of two (16 stages: 7 + 14 x 8 + 7) so that power-of-two clusters can pipeline deeply.
TEST(Plan, UnevenStagesWhereTheLayersDoNotSplit) {
  Scenario sc = parse_scenario(default_scenario_json());
  sc.model = *find_model("llama3-405b");
  sc.training.seq_len = 8192;
  sc.training.global_batch = 2048;
  sc.plan.recompute = Recompute::full;
  const CalibrationProfile prof = load_profile("", sc.cluster.gpu, ".");
  PlanOptions o;
  o.gpu_counts = {1024};
  o.dims = parse_dims("pp,vpp");
  o.jobs = 2;
  const PlanReport r = run_plan(sc, prof, o);
  bool llama3_split = false;
  for (const auto& c : r.all_fitting) {
    const ParallelPlan& p = c.plan;
    if (p.first_stage_layers > 0 || p.last_stage_layers > 0) {
      EXPECT_NE(sc.model.layers % p.pp, 0);
      int sum = 0;
      for (int n : stage_layers(sc.model, p)) sum += n;
      EXPECT_EQ(sum, sc.model.layers);
    }
    llama3_split |= p.pp == 16 && p.first_stage_layers == 7 && p.last_stage_layers == 7;
  }
  EXPECT_TRUE(llama3_split);
}

// training.framework narrows the search to the plans that framework runs: Megatron-Core core_r0.8.0 has no uneven
// stages and no ZB-H1; Megatron-LM v2.5 has no sequence parallelism, sharded optimizer or selective recompute, and
// interleaves only with pp > 2.
TEST(Plan, FrameworkNarrowsTheSearch) {
  Scenario sc = parse_scenario(default_scenario_json());
  sc.model.layers = 100;  // even over 4 stages, unevenly (11 + 6 x 13 + 11) over 8
  const CalibrationProfile prof = load_profile("", sc.cluster.gpu, ".");
  PlanOptions o;
  o.gpu_counts = {1024};
  o.dims = parse_dims("pp,vpp,schedule,zero");
  o.jobs = 2;
  PlanReport r = run_plan(sc, prof, o);
  bool uneven = false, zb = false;
  for (const auto& c : r.all_fitting) uneven |= c.plan.first_stage_layers > 0, zb |= c.plan.schedule == Schedule::zb_h1;
  EXPECT_TRUE(uneven && zb);  // what "any" framework allows
  sc.training.framework = Framework::megatron_core_0_8;
  r = run_plan(sc, prof, o);
  ASSERT_FALSE(r.all_fitting.empty());
  for (const auto& c : r.all_fitting) {
    EXPECT_EQ(c.plan.first_stage_layers + c.plan.last_stage_layers, 0);
    EXPECT_NE(c.plan.schedule, Schedule::zb_h1);
    EXPECT_LE(c.plan.zero, 1);
    EXPECT_EQ(sc.model.layers % c.plan.pp, 0);
  }

  Scenario gpt = parse_scenario(default_scenario_json());
  gpt.training.framework = Framework::megatron_lm_2_5;
  gpt.training.flash_attention = false;
  gpt.plan.sequence_parallel = false;
  gpt.plan.zero = 0;
  gpt.plan.recompute = Recompute::full;
  gpt.plan.overlap_grad_reduce = true;  // PyTorch DDP: v2.5 allows it without pipelining only
  o.gpu_counts = {512};
  o.dims = parse_dims("tp,pp,vpp,schedule,zero,recompute,micro_batch");
  r = run_plan(gpt, prof, o);
  ASSERT_FALSE(r.all_fitting.empty());
  bool interleaved = false;
  for (const auto& c : r.all_fitting) {
    EXPECT_FALSE(c.plan.sequence_parallel);
    EXPECT_EQ(c.plan.zero, 0);
    EXPECT_NE(c.plan.recompute, Recompute::selective);
    EXPECT_TRUE(c.plan.schedule == Schedule::one_f_one_b || c.plan.schedule == Schedule::interleaved);
    if (c.plan.vpp > 1) {
      EXPECT_GT(c.plan.pp, 2);
    }
    EXPECT_EQ(c.plan.overlap_grad_reduce, c.plan.pp == 1);
    interleaved |= c.plan.vpp > 1;
  }
  EXPECT_TRUE(interleaved);
  EXPECT_EQ(to_json(r, o)["framework"], "megatron-lm-2.5");
  EXPECT_NE(plan_table(r, o).find("plans that megatron-lm-2.5 can run"), std::string::npos);
}

// Recompute only adds work and ZeRO-2 runs ZeRO-1's collectives: the planner times a heavier memory setting only
// when the lighter one of the same configuration does not fit.
TEST(Plan, LighterRecomputeAndZeroDominate) {
  Fixture f;
  PlanOptions o;
  o.gpu_counts = {512};
  o.dims = parse_dims("tp,pp,zero,recompute");
  o.jobs = 2;
  const PlanReport r = run_plan(f.sc, f.prof, o);
  ASSERT_FALSE(r.all_fitting.empty());
  EXPECT_LE(r.timed, r.fitting);
  EXPECT_EQ(r.all_fitting.size(), r.timed);
  auto same_but = [](const ParallelPlan& a, const ParallelPlan& b) {
    return a.tp == b.tp && a.pp == b.pp && a.vpp == b.vpp && a.micro_batch == b.micro_batch && a.schedule == b.schedule;
  };
  for (const auto& c : r.all_fitting)
    for (const auto& d : r.all_fitting) {
      if (!same_but(c.plan, d.plan) || (c.plan.zero == d.plan.zero && c.plan.recompute == d.plan.recompute)) continue;
      const bool lighter = int(d.plan.recompute) <= int(c.plan.recompute) &&
                           (d.plan.zero == c.plan.zero || (d.plan.zero == 1 && c.plan.zero == 2));
      EXPECT_FALSE(lighter) << "timed both zero " << d.plan.zero << "/" << to_string(d.plan.recompute) << " and zero "
                            << c.plan.zero << "/" << to_string(c.plan.recompute);
    }
}

TEST(Plot, SvgIsWellFormedAndDeterministic) {
  PlotSpec p;
  p.title = "t <&>";
  p.x_label = "x";
  p.y_label = "y";
  p.log_x = true;
  p.series = {{"a", {1, 10, 100}, {3, 2, 1}, true, "#123456", 3}};
  const std::string s = render_svg(p);
  EXPECT_EQ(s, render_svg(p));
  EXPECT_NE(s.find("<svg"), std::string::npos);
  EXPECT_NE(s.find("</svg>"), std::string::npos);
  EXPECT_NE(s.find("t &lt;&amp;&gt;"), std::string::npos);
  EXPECT_EQ(std::count(s.begin(), s.end(), '<'), std::count(s.begin(), s.end(), '>'));
}

TEST(Plan, EveryGpuCountMustGiveABuildableNetwork) {
  // A 2-tier fat-tree of radix-64 switches serves 2,048 NIC ports: 256 DGX nodes. The base (128 nodes) is fine;
  // asking for 4,096 GPUs (512 nodes) names that count and the network field, before any work.
  Fixture f;
  f.sc.cluster.scale_out.topology = "fat-tree";
  f.sc.cluster.scale_out.tiers = 2;
  f.sc.cluster.scale_out.switch_radix = 64;
  PlanOptions o;
  o.gpu_counts = {1024, 4096};
  try {
    run_plan(f.sc, f.prof, o);
    FAIL() << "a GPU count whose network cannot be built must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.path(), "plan.gpus");
    EXPECT_NE(e.message().find("4096 GPUs: cluster.scale_out.tiers"), std::string::npos) << e.message();
  }
  o.gpu_counts = {1024, 2048};
  EXPECT_NO_THROW(run_plan(f.sc, f.prof, o));
}

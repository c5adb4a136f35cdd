#include "sim/analytic.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace aiscale;

namespace {
std::vector<std::vector<double>> uniform(int pp, int v, double t) {
  return std::vector<std::vector<double>>(pp, std::vector<double>(v, t));
}
Result run(const nlohmann::json& doc) {
  const Scenario sc = parse_scenario(doc);
  return simulate_analytic(sc, load_profile(sc.calibration, sc.cluster.gpu, "."));
}
}  // namespace

TEST(Pipeline, OneFOneBMatchesClosedForm) {
  // Uniform stages, no transfer time: (m + p - 1) * (f + b).
  const auto f = uniform(4, 1, 1.0), b = uniform(4, 1, 2.0);
  const auto end = schedule_pipeline(f, b, 0.0, 8, Schedule::one_f_one_b);
  EXPECT_DOUBLE_EQ(*std::max_element(end.begin(), end.end()), (8 + 3) * 3.0);
  EXPECT_DOUBLE_EQ(end[0], (8 + 3) * 3.0);  // the first stage finishes last
}

TEST(Pipeline, GpipeMatchesClosedFormAndInterleavingShrinksBubble) {
  const auto f = uniform(4, 1, 1.0), b = uniform(4, 1, 2.0);
  const auto g = schedule_pipeline(f, b, 0.0, 8, Schedule::gpipe);
  EXPECT_DOUBLE_EQ(*std::max_element(g.begin(), g.end()), (8 + 3) * 3.0);
  // Two chunks of half the work each: bubble (p-1)/v instead of (p-1) (Narayanan et al. SC21 §2.2).
  const auto fi = uniform(4, 2, 0.5), bi = uniform(4, 2, 1.0);
  const auto il = schedule_pipeline(fi, bi, 0.0, 8, Schedule::interleaved);
  EXPECT_DOUBLE_EQ(*std::max_element(il.begin(), il.end()), 8 * 3.0 + 3 * 3.0 / 2);
}

TEST(Pipeline, ZeroBubbleH1DefersWeightGradients) {
  // F = B = W = 1 on 4 stages, 8 micro-batches. 1F1B (B and W together): (m + p - 1) * 3 = 33.
  // ZB-H1 (Qi et al. 2024): m * 3 + (p - 1) * (F + B - W) = 27.
  const auto f = uniform(4, 1, 1.0), b = uniform(4, 1, 1.0), w = uniform(4, 1, 1.0), bw = uniform(4, 1, 2.0);
  const auto one = schedule_pipeline(f, bw, 0.0, 8, Schedule::one_f_one_b);
  EXPECT_DOUBLE_EQ(*std::max_element(one.begin(), one.end()), 33.0);
  std::vector<std::vector<PipelineTask>> order;
  const auto zb = schedule_pipeline(f, b, 0.0, 8, Schedule::zb_h1, &w, &order);
  const double zb_end = *std::max_element(zb.begin(), zb.end());
  EXPECT_DOUBLE_EQ(zb_end, 27.0);
  // Unequal passes: m(F+B+W) + (p-1)(F+B-W) with F = 1, B = 1.3, W = 0.7.
  const auto b2 = uniform(4, 1, 1.3), w2 = uniform(4, 1, 0.7);
  const auto zb2 = schedule_pipeline(f, b2, 0.0, 8, Schedule::zb_h1, &w2);
  EXPECT_NEAR(*std::max_element(zb2.begin(), zb2.end()), 8 * 3.0 + 3 * 1.6, 1e-9);
  // Every stage runs every pass once: 8 F, 8 B, 8 W; a W never precedes its own B.
  for (const auto& st : order) {
    ASSERT_EQ(st.size(), 24u);
    std::vector<bool> b_done(8, false);
    for (const PipelineTask& t : st) {
      if (t.bwd && !t.wgrad) b_done[static_cast<size_t>(t.mb)] = true;
      if (t.wgrad) {
        EXPECT_TRUE(b_done[static_cast<size_t>(t.mb)]);
      }
    }
  }
}

TEST(Pipeline, TransferTimeDelaysTheFlush) {
  const auto f = uniform(4, 1, 1.0), b = uniform(4, 1, 2.0);
  const auto a = schedule_pipeline(f, b, 0.0, 8, Schedule::one_f_one_b);
  const auto c = schedule_pipeline(f, b, 0.1, 8, Schedule::one_f_one_b);
  EXPECT_GT(c[0], a[0]);
}

TEST(Pipeline, ReplayedShapeIsBitIdenticalToTheSweep) {
  // The first evaluation of a shape sweeps the stages and records the ready order; later ones replay it. A replay
  // with other times must give exactly what a fresh sweep gives for those times.
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0.5, 2.0);
  auto random = [&](int pp, int v) {
    std::vector<std::vector<double>> t(static_cast<size_t>(pp), std::vector<double>(static_cast<size_t>(v)));
    for (auto& st : t)
      for (double& x : st) x = u(rng);
    return t;
  };
  struct Shape {
    int pp, v, m;
    Schedule s;
  };
  for (const Shape& sh : {Shape{4, 1, 8, Schedule::one_f_one_b}, Shape{8, 1, 3, Schedule::one_f_one_b},
                          Shape{4, 1, 6, Schedule::gpipe}, Shape{4, 3, 8, Schedule::interleaved},
                          Shape{6, 2, 12, Schedule::interleaved}, Shape{1, 1, 5, Schedule::one_f_one_b}}) {
    const auto f1 = random(sh.pp, sh.v), b1 = random(sh.pp, sh.v), f2 = random(sh.pp, sh.v), b2 = random(sh.pp, sh.v);
    const double p2p = u(rng) / 10;
    // A different shape in between drops the recorded order, so each first call below sweeps.
    const auto other = uniform(2, 1, 1.0);
    schedule_pipeline(other, other, 0.0, 3, Schedule::gpipe);
    std::vector<std::vector<PipelineTask>> swept_order, replayed_order;
    const auto swept = schedule_pipeline(f2, b2, p2p, sh.m, sh.s, nullptr, &swept_order);
    schedule_pipeline(other, other, 0.0, 3, Schedule::gpipe);
    schedule_pipeline(f1, b1, p2p, sh.m, sh.s);  // sweeps and records
    const auto replayed = schedule_pipeline(f2, b2, p2p, sh.m, sh.s, nullptr, &replayed_order);
    ASSERT_EQ(swept.size(), replayed.size());
    for (size_t i = 0; i < swept.size(); ++i) EXPECT_EQ(swept[i], replayed[i]) << "pp " << sh.pp << " stage " << i;
    ASSERT_EQ(swept_order.size(), replayed_order.size());
    for (size_t st = 0; st < swept_order.size(); ++st) {
      ASSERT_EQ(swept_order[st].size(), replayed_order[st].size());
      for (size_t k = 0; k < swept_order[st].size(); ++k) {
        EXPECT_EQ(swept_order[st][k].bwd, replayed_order[st][k].bwd);
        EXPECT_EQ(swept_order[st][k].chunk, replayed_order[st][k].chunk);
        EXPECT_EQ(swept_order[st][k].mb, replayed_order[st][k].mb);
      }
    }
  }
}

TEST(Analytic, DefaultScenarioIsSane) {
  const Result r = run(default_scenario_json());
  EXPECT_GT(r.step_time_s, 1.0);
  EXPECT_GT(r.mfu, 0.25);
  EXPECT_LT(r.mfu, 0.75);  // A100 dense peak is never reached
  EXPECT_LE(r.mfu, r.hfu);
  EXPECT_TRUE(r.memory.fits);
  EXPECT_NEAR(r.tokens_per_s, 1536.0 * 2048 / r.step_time_s, 1e-6);
  const Breakdown& b = r.breakdown;
  EXPECT_NEAR(b.compute + b.tp + b.pp + b.dp + b.cp + b.bubble + b.optimizer, r.step_time_s, 1e-6 * r.step_time_s);
  EXPECT_GT(r.training.days, 1.0);
  EXPECT_NEAR(r.training.cost_usd, r.training.gpu_hours * 2.0, 1e-6);
  EXPECT_NEAR(r.training.energy_mwh, r.training.gpu_hours * 400 / 1e6, 1e-9);
}

TEST(Analytic, Deterministic) {
  const Scenario sc = parse_scenario(default_scenario_json());
  const auto prof = load_profile("", sc.cluster.gpu, ".");
  EXPECT_EQ(to_json(simulate_analytic(sc, prof), sc).dump(), to_json(simulate_analytic(sc, prof), sc).dump());
}

TEST(Analytic, WhatIfsMoveTheRightWay) {
  const Result base = run(default_scenario_json());
  auto faster_net = default_scenario_json();
  faster_net["parallelism"]["overlap_grad_reduce"] = false;
  faster_net["cluster"]["scale_out"]["nic"] = "400Gbps";
  auto slow_net = faster_net;
  slow_net["cluster"]["scale_out"]["nic"] = "100Gbps";
  EXPECT_LT(run(faster_net).step_time_s, run(slow_net).step_time_s);

  auto h100 = default_scenario_json();
  h100["cluster"]["gpu"] = "h100-sxm";
  h100.erase("calibration");
  h100["cluster"].erase("scale_up");
  EXPECT_LT(run(h100).step_time_s, 0.6 * base.step_time_s);

  auto recompute = default_scenario_json();
  recompute["parallelism"]["recompute"] = "full";
  const Result rc = run(recompute);
  EXPECT_GT(rc.step_time_s, base.step_time_s);
  EXPECT_LT(rc.memory.activations, base.memory.activations);

  auto more_mb = default_scenario_json();
  more_mb["training"]["global_batch"] = 3072;  // more micro-batches: smaller bubble share
  EXPECT_LT(run(more_mb).breakdown.bubble / run(more_mb).step_time_s, base.breakdown.bubble / base.step_time_s);
}

TEST(Analytic, SwappingTheProfileMovesStepTime) {
  const Scenario sc = parse_scenario(default_scenario_json());
  const auto a100 = load_profile("a100-sxm4-80gb", sc.cluster.gpu, ".");
  auto slower = a100;
  for (auto& [d, fit] : slower.gemm_fits) fit.efficiency *= 0.8;
  EXPECT_GT(simulate_analytic(sc, slower).step_time_s, simulate_analytic(sc, a100).step_time_s);
}

TEST(Analytic, MemoryOverflowWarns) {
  auto doc = default_scenario_json();
  apply_overrides(doc, {"parallelism.tp=1", "parallelism.pp=1", "parallelism.dp=1024", "parallelism.zero=0", "training.global_batch=2048"});
  const Result r = run(doc);
  EXPECT_FALSE(r.memory.fits);
  bool warned = false;
  for (const auto& w : r.warnings) warned |= w.find("memory") == 0;
  EXPECT_TRUE(warned);
}

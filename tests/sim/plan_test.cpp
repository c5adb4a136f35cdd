#include <gtest/gtest.h>

#include "models/error.hpp"
#include "sim/analytic.hpp"
#include "sim/plan.hpp"
#include "models/svg_plot.hpp"

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
  o.gpu_counts = {1020};
  EXPECT_THROW(run_plan(f.sc, f.prof, o), Error);
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
  EXPECT_EQ(std::count(s.begin(), s.end(), '<') , std::count(s.begin(), s.end(), '>'));
}

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "sim/analytic.hpp"
#include "sim/event_engine.hpp"
#include "tests/scenario_support.hpp"

using namespace aiscale;
namespace fs = std::filesystem;

// Acceptance: on the validation scenarios (non-blocking fabrics) of up to 1,024 GPUs the event and analytic
// engines agree within 5% on step time.
TEST(EventAgreement, ValidationScenariosUpTo1024Gpus) {
  const fs::path root = fs::path(AISCALE_SOURCE_DIR) / "scenarios/validation";
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  int checked = 0;
  for (const auto& f : files) {
    const Scenario sc = parse_scenario(read_json_file(f.string()), f.parent_path().string());
    if (sc.cluster.gpus() > 1024) continue;
    const CalibrationProfile prof = test_support::profile(sc);
    const double a = simulate_analytic(sc, prof).step_time_s;
    const double e = simulate_event(sc, prof).step_time_s;
    const double diff = (e - a) / a;
    std::printf("%-28s %5d GPUs  analytic %9.4f s  event %9.4f s  %+6.2f%%\n", sc.name.c_str(), sc.cluster.gpus(), a, e,
                100 * diff);
    EXPECT_LE(std::fabs(diff), 0.05) << sc.name;
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

// Mixture of experts (EP all-to-alls inside each node, expert gradients over edp) and the zero-bubble ZB-H1 schedule
// on the shipped scenarios: the engines agree within 5% and ZB-H1 is faster than 1F1B in the event engine too.
TEST(EventAgreement, MoeAndZeroBubbleScenarios) {
  const fs::path root = fs::path(AISCALE_SOURCE_DIR) / "scenarios";
  struct Case {
    const char* file;
    Schedule schedule;
  };
  double one_f_one_b = 0, zero_bubble = 0;
  for (const Case& c : {Case{"mixtral-8x7b-64xh100.json", Schedule::one_f_one_b},
                        Case{"mixtral-8x7b-64xh100.json", Schedule::zb_h1},
                        Case{"llama3-70b-512xh100.json", Schedule::zb_h1}}) {
    const fs::path f = root / c.file;
    Scenario sc = parse_scenario(read_json_file(f.string()), f.parent_path().string());
    sc.plan.schedule = c.schedule;
    if (c.schedule == Schedule::zb_h1) sc.plan.vpp = 1;
    const CalibrationProfile prof = test_support::profile(sc);
    const Result a = simulate_analytic(sc, prof), e = simulate_event(sc, prof);
    const double diff = (e.step_time_s - a.step_time_s) / a.step_time_s;
    std::printf("%-28s %-6s %5d GPUs  analytic %9.4f s  event %9.4f s  %+6.2f%%  (ep %.4f / %.4f s)\n",
                sc.name.c_str(), to_string(c.schedule).c_str(), sc.cluster.gpus(), a.step_time_s, e.step_time_s,
                100 * diff, a.breakdown.ep, e.breakdown.ep);
    EXPECT_LE(std::fabs(diff), 0.05) << sc.name << " " << to_string(c.schedule);
    if (sc.model.moe.enabled()) {
      EXPECT_GT(e.breakdown.ep, 0);
      (c.schedule == Schedule::zb_h1 ? zero_bubble : one_f_one_b) = e.step_time_s;
    }
  }
  EXPECT_LT(zero_bubble, one_f_one_b);
}

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "sim/analytic.hpp"
#include "sim/event_engine.hpp"

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
    const CalibrationProfile prof = load_profile(sc.calibration, sc.cluster.gpu, sc.base_dir);
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

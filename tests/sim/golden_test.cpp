#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "sim/analytic.hpp"
#include "tests/scenario_support.hpp"

using namespace aiscale;
namespace fs = std::filesystem;

// Golden scenario tests: every file in tests/golden names a shipped scenario and the Result v1 values it must
// reproduce within a relative tolerance. Regenerate a golden only when a model change is intended.
TEST(Golden, ShippedScenariosReproduceTheirResults) {
  const fs::path root(AISCALE_SOURCE_DIR);
  int checked = 0;
  for (const auto& e : fs::directory_iterator(root / "tests/golden")) {
    const auto golden = read_json_file(e.path().string());
    const fs::path file = root / golden["scenario"].get<std::string>();
    const Scenario sc = parse_scenario(read_json_file(file.string()), file.parent_path().string());
    const Result r = simulate_analytic(sc, test_support::profile(sc));
    nlohmann::json got = to_json(r, sc);
    got["memory_peak_gib"] = got["memory_gib"]["peak"];
    got["memory_fits"] = got["memory_gib"]["fits"];
    const double tol = golden["tolerance"].get<double>();
    for (const auto& [key, want] : golden["expected"].items()) {
      SCOPED_TRACE(e.path().filename().string() + ": " + key);
      ASSERT_TRUE(got.contains(key));
      if (want.is_boolean()) {
        EXPECT_EQ(got[key], want);
      } else {
        const double w = want.get<double>(), g = got[key].get<double>();
        EXPECT_LE(std::fabs(g - w), tol * std::fabs(w) + 1e-12) << "expected " << w << ", got " << g;
      }
    }
    ++checked;
  }
  EXPECT_GE(checked, 4);
}

TEST(Golden, EveryShippedScenarioParses) {
  for (const auto& e : fs::directory_iterator(fs::path(AISCALE_SOURCE_DIR) / "scenarios")) {
    if (e.path().extension() != ".json") continue;
    SCOPED_TRACE(e.path().string());
    EXPECT_NO_THROW(parse_scenario(read_json_file(e.path().string()), e.path().parent_path().string()));
  }
}

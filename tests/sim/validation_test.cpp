#include <gtest/gtest.h>

#include "sim/validate.hpp"

using namespace aiscale;

namespace {
ValidationReport suite(const std::string& name) {
  return run_validation(collect_scenario_files(std::string(AISCALE_SOURCE_DIR) + "/scenarios/validation/" + name));
}
}  // namespace

// Acceptance: SC21 Table 1 in the paper's own (hardware-FLOP, eq. 3) convention with one A100 profile built from
// microbenchmarks; no constant is fitted to these runs.
TEST(Validation, Sc21Table1) {
  const ValidationReport r = suite("sc21-table1");
  ASSERT_EQ(r.all.cases, 10);
  EXPECT_LE(r.all.mape, 10.0);
  EXPECT_LE(r.all.max_ape, 20.0);
}

TEST(Validation, Sc21Table2PtdP) {
  const ValidationReport r = suite("sc21-table2");
  ASSERT_EQ(r.all.cases, 6);
  EXPECT_LE(r.all.mape, 20.0);
}

// Megatron-Core H100 weak scaling, model-FLOP convention. Bound at the level the model reaches today so that a
// regression shows; the 10% target is not met yet (see README "Validation").
TEST(Validation, MegatronCoreH100) {
  const ValidationReport r = suite("mcore-h100");
  ASSERT_EQ(r.all.cases, 9);
  EXPECT_LE(r.all.mape, 25.0);
}

TEST(Validation, EveryCaseCarriesItsSource) {
  const ValidationReport r = suite("");
  for (const auto& c : r.cases) {
    EXPECT_FALSE(c.source.empty()) << c.name;
    EXPECT_GT(c.measured, 0) << c.name;
  }
}

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "models/error.hpp"
#include "sim/sweep.hpp"

using namespace aiscale;

namespace {
nlohmann::json base() {
  auto doc = default_scenario_json();
  doc["parallelism"]["dp"] = "auto";
  return doc;
}
std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST(Sweep, CartesianProductLastAxisFastest) {
  const SweepSpec s = make_sweep(base(), ".", {"parallelism.tp=2,4", "parallelism.pp=4,8,16"}, {});
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s.overrides(0), (std::vector<std::string>{"parallelism.tp=2", "parallelism.pp=4"}));
  EXPECT_EQ(s.overrides(1), (std::vector<std::string>{"parallelism.tp=2", "parallelism.pp=8"}));
  EXPECT_EQ(s.overrides(5), (std::vector<std::string>{"parallelism.tp=4", "parallelism.pp=16"}));
}

TEST(Sweep, ZipListsAdvanceTogether) {
  const SweepSpec s = make_sweep(base(), ".", {"training.seq_len=2048,4096"},
                                 {"cluster.nodes=64,128", "training.global_batch=768,1536"});
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s.values(1), (std::vector<std::string>{"2048", "128", "1536"}));
  EXPECT_EQ(s.paths().size(), 3u);
}

TEST(Sweep, BadGridsAreErrors) {
  EXPECT_THROW(make_sweep(base(), ".", {"parallelism.tpp=1,2"}, {}), Error);
  EXPECT_THROW(make_sweep(base(), ".", {"parallelism.tp=1,,2"}, {}), Error);
  EXPECT_THROW(make_sweep(base(), ".", {"parallelism.tp=x"}, {}), Error);
  EXPECT_THROW(make_sweep(base(), ".", {"parallelism.tp=1", "parallelism.tp=2"}, {}), Error);
  EXPECT_THROW(make_sweep(base(), ".", {}, {}), Error);
  // A value that only makes the plan inconsistent is not a bad grid: it becomes an invalid row.
  const SweepSpec s = make_sweep(base(), ".", {"parallelism.tp=5,8"}, {});
  EXPECT_EQ(evaluate_row(s, 0).status, "invalid");
  EXPECT_NE(evaluate_row(s, 0).reason.find("parallelism.tp"), std::string::npos);
  EXPECT_EQ(evaluate_row(s, 1).status, "ok");
}

TEST(Sweep, OutOfMemoryIsARowWithItsReason) {
  const SweepSpec s = make_sweep(base(), ".", {"parallelism.pp=1", "parallelism.tp=1", "parallelism.zero=0", "training.global_batch=2048"}, {});
  const SweepRow r = evaluate_row(s, 0);
  EXPECT_EQ(r.status, "oom");
  EXPECT_NE(r.reason.find("memory"), std::string::npos);
  EXPECT_GT(r.result.step_time_s, 0);
}

TEST(Sweep, ParallelRunIsDeterministicAndInOrder) {
  const SweepSpec s = make_sweep(base(), ".", {"parallelism.tp=1,2,4,8", "parallelism.pp=2,4,8,16"}, {});
  const std::string a = ::testing::TempDir() + "sweep_a.jsonl", b = ::testing::TempDir() + "sweep_b.jsonl";
  SweepOptions o1;
  o1.output = a;
  o1.jobs = 1;
  SweepOptions o2 = o1;
  o2.output = b;
  o2.jobs = 3;
  EXPECT_EQ(run_sweep(s, o1).written, 16u);
  run_sweep(s, o2);
  const std::string ta = slurp(a);
  EXPECT_EQ(ta, slurp(b));
  size_t pos = 0, expect = 0;
  while ((pos = ta.find("{\"index\":", pos)) != std::string::npos) {
    EXPECT_EQ(ta.substr(pos + 9, std::to_string(expect).size()), std::to_string(expect));
    ++expect, ++pos;
  }
  EXPECT_EQ(expect, 16u);
  // Resume on a complete file computes nothing more.
  o1.resume = true;
  const SweepStats st = run_sweep(s, o1);
  EXPECT_EQ(st.skipped, 16u);
  EXPECT_EQ(st.written, 0u);
  EXPECT_EQ(slurp(a), ta);
  std::remove(a.c_str());
  std::remove(b.c_str());
}

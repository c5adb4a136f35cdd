#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "models/error.hpp"
#include "studies/sweep.hpp"

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
  EXPECT_EQ(evaluate_row(s, 0).status, RowStatus::invalid);
  EXPECT_NE(evaluate_row(s, 0).reason.find("parallelism.tp"), std::string::npos);
  EXPECT_EQ(evaluate_row(s, 1).status, RowStatus::ok);
}

TEST(Sweep, GridRowCountIsCheckedForOverflowAndBounded) {
  std::string list = "1";
  for (int i = 2; i <= 256; ++i) {
    list += ',';
    list += std::to_string(i);
  }
  // 8 axes of 256 values = 2^64 rows: must not wrap around to 0.
  std::vector<std::string> grids;
  for (const char* p : {"parallelism.tp", "parallelism.pp", "parallelism.dp", "parallelism.cp", "parallelism.ep",
                        "parallelism.vpp", "parallelism.micro_batch", "training.global_batch"}) {
    std::string g = p;
    g += '=';
    g += list;
    grids.push_back(g);
  }
  try {
    make_sweep(base(), ".", grids, {});
    FAIL() << "a 2^64-row grid was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.path(), "sweep.grid");
    EXPECT_NE(e.message().find("1.84e+19 rows"), std::string::npos) << e.message();
  }
  grids.resize(3);  // 16.7 million rows: over the limit
  EXPECT_THROW(make_sweep(base(), ".", grids, {}), Error);
}

TEST(Sweep, JsonlRowWithInvalidUtf8ValueDoesNotThrow) {
  SweepSpec s;
  s.base = base();
  s.axes.push_back({{"name"}, {{"a"}, {"\xff"}}});
  SweepRow row;
  row.index = 1;
  row.status = RowStatus::invalid;
  row.reason = "bad \xfe";
  std::string line;
  ASSERT_NO_THROW(line = format_row(s, row, RowFormat::jsonl));
  EXPECT_NE(line.find("\xEF\xBF\xBD"), std::string::npos) << line;  // U+FFFD, and the line is JSON
  EXPECT_TRUE(nlohmann::json::accept(line));
}

TEST(Sweep, OutOfMemoryIsARowWithItsReason) {
  const SweepSpec s = make_sweep(base(), ".", {"parallelism.pp=1", "parallelism.tp=1", "parallelism.zero=0", "training.global_batch=2048"}, {});
  const SweepRow r = evaluate_row(s, 0);
  EXPECT_EQ(r.status, RowStatus::oom);
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

// Expert parallelism and the zero-bubble schedule sweep like any other field on a mixture-of-experts scenario;
// values the plan cannot take become invalid rows with the reason, not bad grids.
TEST(Sweep, ExpertParallelismAndScheduleOnMixtral) {
  const std::string dir = std::string(AISCALE_SOURCE_DIR) + "/scenarios";
  const nlohmann::json doc = read_json_file(dir + "/mixtral-8x7b-64xh100.json");
  const SweepSpec ep = make_sweep(doc, dir, {"parallelism.ep=1,2,4,8,3,16"}, {});
  ASSERT_EQ(ep.size(), 6u);
  for (size_t i = 1; i < 4; ++i) {
    const SweepRow r = evaluate_row(ep, i);
    EXPECT_EQ(r.status, RowStatus::ok) << r.reason;
    EXPECT_GT(r.result.step_time_s, 0);
  }
  for (size_t i : {4u, 5u}) {
    const SweepRow r = evaluate_row(ep, i);
    EXPECT_EQ(r.status, RowStatus::invalid);
    EXPECT_NE(r.reason.find("parallelism.ep"), std::string::npos) << r.reason;
  }
  const SweepSpec sched = make_sweep(doc, dir, {"parallelism.schedule=1f1b,zb-h1", "parallelism.vpp=1,2"}, {});
  const SweepRow one_f = evaluate_row(sched, 0), zb = evaluate_row(sched, 2), zb_vpp = evaluate_row(sched, 3);
  EXPECT_EQ(one_f.status, RowStatus::ok);
  EXPECT_EQ(zb.status, RowStatus::ok);
  EXPECT_LE(zb.result.step_time_s, one_f.result.step_time_s);
  EXPECT_EQ(zb_vpp.status, RowStatus::invalid);
  EXPECT_NE(zb_vpp.reason.find("parallelism.schedule"), std::string::npos) << zb_vpp.reason;
  EXPECT_THROW(make_sweep(doc, dir, {"parallelism.schedule=zb-h2"}, {}), Error);
}

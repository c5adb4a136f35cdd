// The front-end library driven as a front end would: load with overrides, issues as data, observed and cancelled
// studies and event runs.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "api/aiscale.hpp"

using namespace aiscale;
using clock_type = std::chrono::steady_clock;

namespace {

const std::string kScenarios = std::string(AISCALE_SOURCE_DIR) + "/scenarios/";

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool has_issue(const api::LoadedScenario& l, const std::string& path) {
  for (const Issue& i : l.issues)
    if (i.path == path) return true;
  return false;
}

// Cancels the token once `after` units were seen, from another thread, and records when.
class CancelAfter : public Observer {
 public:
  CancelAfter(CancelToken& token, size_t after) : token_(token), after_(after) {}
  void on_row(const SweepRow&) override { count(); }
  void on_candidate(const Candidate&) override { count(); }
  clock_type::time_point cancelled_at() const { return at_; }
  bool fired() const { return fired_; }

 private:
  void count() {
    if (++seen_ == after_) {
      at_ = clock_type::now();
      fired_ = true;
      token_.cancel();
    }
  }
  CancelToken& token_;
  size_t after_, seen_ = 0;
  bool fired_ = false;
  clock_type::time_point at_{};
};

}  // namespace

TEST(Api, LoadsAFileWithOverrides) {
  const auto l = api::load_scenario_file(kScenarios + "llama2-7b-8xa100.json",
                                         {"parallelism.tp=2", "parallelism.dp=4", "training.global_batch=64"});
  ASSERT_TRUE(l.ok()) << (l.issues.empty() ? "" : l.issues[0].path + ": " + l.issues[0].message);
  EXPECT_EQ(l.get().plan.tp, 2);
  EXPECT_EQ(l.get().training.global_batch, 64);
  EXPECT_EQ(l.document["parallelism"]["tp"], 2);  // the document an editor shows holds the override
  EXPECT_EQ(l.base_dir, std::filesystem::path(kScenarios + "x").parent_path().string());
}

TEST(Api, EveryIssueNamesItsField) {
  // Two plan sizes that do not divide the model: both reported at once, each at its field.
  const auto plan = api::load_default_scenario({"parallelism.tp=5", "parallelism.pp=5"});
  EXPECT_FALSE(plan.ok());
  EXPECT_TRUE(has_issue(plan, "parallelism.tp"));
  EXPECT_TRUE(has_issue(plan, "parallelism.pp"));
  EXPECT_THROW(plan.get(), ValidationError);
  // A value of the wrong type, a missing unit, a malformed override, a missing file.
  EXPECT_TRUE(has_issue(api::load_default_scenario({"training.global_batch=\"many\""}), "training.global_batch"));
  EXPECT_TRUE(has_issue(api::load_default_scenario({"cost.gpu_hour=2"}), "cost.gpu_hour"));
  EXPECT_TRUE(has_issue(api::load_default_scenario({"parallelism.tp"}), "overrides"));
  const auto missing = api::load_scenario_file("/nonexistent/scenario.json");
  ASSERT_EQ(missing.issues.size(), 1u);
  EXPECT_EQ(missing.issues[0].path, "/nonexistent/scenario.json");
  // A document from an editor, not a file.
  nlohmann::json doc = default_scenario_json();
  doc["cluster"]["nodes"] = 0;
  EXPECT_TRUE(has_issue(api::load_scenario_json(doc), "cluster.nodes"));
  // The planner's load accepts an inconsistent plan; the network is still checked.
  EXPECT_TRUE(api::load_default_scenario({"parallelism.tp=3"}, {.check_plan = false}).ok());
}

TEST(Api, SimulateMatchesTheEngineAndRefusesEventOptionsOnTheAnalyticEngine) {
  const Scenario sc = api::load_scenario_file(kScenarios + "llama2-7b-8xa100.json").get();
  api::SimulateOptions with_ops;
  with_ops.ops = true;
  const api::Simulation s = api::simulate(sc, with_ops);
  EXPECT_EQ(to_json(s.result, sc), to_json(simulate_analytic(sc, api::profile_for(sc)), sc));
  EXPECT_FALSE(s.ops.empty());
  EXPECT_FALSE(s.event.has_value());
  api::SimulateOptions analytic_trace;
  analytic_trace.trace = true;  // a trace needs the event engine
  EXPECT_THROW(api::simulate(sc, analytic_trace), Error);
}

TEST(Api, PlanIsObservedToCompletionWithMonotonicProgress) {
  struct Recorder : Observer {
    std::map<std::string, std::vector<Progress>> phases;
    size_t candidates = 0;
    void on_progress(const Progress& p) override { phases[p.phase].push_back(p); }
    void on_candidate(const Candidate&) override { ++candidates; }
  } rec;
  const Scenario base = api::load_scenario_file(kScenarios + "llama2-7b-8xa100.json", {}, {.check_plan = false}).get();
  api::PlanOptions opt;
  opt.gpu_counts = {8, 16};
  opt.jobs = 2;
  const api::PlanReport rep = api::run_plan(base, api::profile_for(base), opt, {&rec, nullptr});
  ASSERT_GT(rep.timed, 0u);
  EXPECT_EQ(rec.candidates, rep.timed);
  for (const char* phase : {"enumerate", "time"}) {
    const auto& p = rec.phases[phase];
    ASSERT_FALSE(p.empty()) << phase;
    for (size_t i = 1; i < p.size(); ++i) {
      EXPECT_GE(p[i].done, p[i - 1].done) << phase;
      EXPECT_EQ(p[i].total, p[0].total) << phase;
    }
    EXPECT_EQ(p.back().done, p.back().total) << phase;
  }
  EXPECT_EQ(rec.phases["time"].back().total, rep.timed);
}

TEST(Api, PlanCancelledMidwayStopsWithin100ms) {
  const Scenario base = api::load_scenario_file(kScenarios + "llama3-70b-512xh100.json", {}, {.check_plan = false}).get();
  api::PlanOptions opt;
  opt.gpu_counts = {256, 512, 1024, 2048};
  opt.jobs = 2;
  CancelToken token;
  CancelAfter obs(token, 500);
  const auto t0 = clock_type::now();
  EXPECT_THROW(api::run_plan(base, api::profile_for(base), opt, {&obs, &token}), Cancelled);
  ASSERT_TRUE(obs.fired());
  const double latency = ms_since(obs.cancelled_at());
  std::printf("plan: cancelled after %.1f ms, returned %.2f ms after the cancel\n", ms_since(t0) - latency, latency);
  EXPECT_LT(latency, 100.0);
}

TEST(Api, SweepCancelledMidwayLeavesWholeRowsAndResumesToTheSameBytes) {
  const std::string dir = ::testing::TempDir() + "api_sweep_cancel";
  std::filesystem::create_directories(dir);
  const std::vector<std::string> grids = {"parallelism.tp=1,2,4,8", "parallelism.pp=1,2,4,8,16",
                                          "parallelism.micro_batch=1,2,4", "training.global_batch=512,1024,1536,2048"};
  const SweepSpec spec = api::make_sweep_from(std::nullopt, {"parallelism.dp=auto"}, grids, {});
  api::SweepOptions full;
  full.output = dir + "/full.csv";
  full.jobs = 2;
  ASSERT_FALSE(api::run_sweep(spec, full).interrupted);

  api::SweepOptions part = full;
  part.output = dir + "/part.csv";
  CancelToken token;
  CancelAfter obs(token, 60);
  const SweepStats st = api::run_sweep(spec, part, {&obs, &token});
  ASSERT_TRUE(obs.fired());
  const double latency = ms_since(obs.cancelled_at());
  std::printf("sweep: %zu of %zu rows written, returned %.2f ms after the cancel\n", st.written, st.total, latency);
  EXPECT_LT(latency, 100.0);
  EXPECT_TRUE(st.interrupted);
  EXPECT_LT(st.written, st.total);
  const std::string text = slurp(part.output);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');  // whole rows only
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), long(st.written) + 1);  // header + rows
  EXPECT_EQ(slurp(full.output).compare(0, text.size(), text), 0);  // the same rows, in order
  part.resume = true;
  EXPECT_FALSE(api::run_sweep(spec, part).interrupted);
  EXPECT_EQ(slurp(part.output), slurp(full.output));
}

TEST(Api, SweepWithoutAFileHandsEveryRowToTheObserver) {
  struct Rows : Observer {
    std::vector<size_t> seen;
    void on_row(const SweepRow& r) override { seen.push_back(r.index); }
  } rows;
  const SweepSpec spec = api::make_sweep_from(std::nullopt, {"parallelism.dp=auto"}, {"parallelism.tp=1,2,4,8,16"}, {});
  const SweepStats st = api::run_sweep(spec, {.output = "", .jobs = 2, .resume = false}, {&rows, nullptr});
  EXPECT_EQ(st.written, 5u);
  std::sort(rows.seen.begin(), rows.seen.end());
  EXPECT_EQ(rows.seen, (std::vector<size_t>{0, 1, 2, 3, 4}));
}

TEST(Api, EventRunCancelledEndsItsProcess) {
  const Scenario sc = api::load_default_scenario().get();  // GPT-3 175B on 1,024 A100: seconds of simulation
  CancelToken token;
  clock_type::time_point at{};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    at = clock_type::now();
    token.cancel();
  });
  bool cancelled = false;
  try {
    api::SimulateOptions event;
    event.engine = Engine::event;
    event.trace = true;
    api::simulate(sc, event, {nullptr, &token});
  } catch (const Cancelled&) {
    cancelled = true;
  }
  canceller.join();
  ASSERT_TRUE(cancelled) << "the run finished before the cancel; use a longer scenario";
  const double latency = ms_since(at);
  std::printf("event run: returned %.1f ms after the cancel\n", latency);
  EXPECT_LT(latency, 1000.0);
  int status = 0;
  errno = 0;
  EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1);  // no child left, not even a zombie
  EXPECT_EQ(errno, ECHILD);
}

#pragma once
// Benchmarks of the engines, for `aiscale bench`: analytic evaluations per second, and the cost of one event-engine
// step against raw SimGrid flows.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/calibration_profile.hpp"
#include "models/scenario.hpp"
#include "sim/event_bench.hpp"
#include "sim/event_engine.hpp"
#include "studies/observer.hpp"

namespace aiscale {

struct BenchResult {
  double evals_per_s = 0;
  long evals = 0;
  double seconds = 0;
};

// Evaluates `sc` repeatedly for about `seconds` of wall time on the calling thread.
BenchResult bench_analytic(const Scenario& sc, const CalibrationProfile& profile, double seconds);

// One event-engine step of a scenario, and raw SimGrid at the same concurrency for the per-transfer overhead.
struct EventBenchRow {
  std::string scenario;
  int gpus = 0;
  EventStats stats;
  double transfers_per_s = 0, step_time_s = 0;
  RawFlowBench same_platform, star;  // raw SimGrid on the scenario's platform and on a star, at its concurrency
  double same_overhead = 0;          // raw same-platform flows/s over the engine's transfers/s
};
struct EventBenchReport {
  std::vector<EventBenchRow> rows;  // the scaling family first (when asked for), the scenario last
  RawFlowBench raw;                 // raw SimGrid sendto_async on a 512-host star
  double overhead = 0;              // raw star flows/s over the scenario's transfers/s
};
// Runs the scenario (and with `scaling` the 64 to 16,384-GPU family first), each step in its own process
// ("steps": done of the steps); cancellable between steps.
EventBenchReport bench_event(const Scenario& sc, bool scaling, const RunControl& control = {});
nlohmann::json to_json(const EventBenchReport& rep);

}  // namespace aiscale

#pragma once
// Event engine: the workload IR run on SimGrid. GPUs are hosts, topology links are links with routes from
// topology/ routing; per pipeline rank an actor runs the compute stream (kernels as Execs timed by the
// ComputeModel) and communicators run collectives as point-to-point flows that share links by max-min fairness.
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "models/calibration_profile.hpp"
#include "models/scenario.hpp"
#include "sim/cancel.hpp"
#include "sim/event_collectives.hpp"
#include "sim/result.hpp"

namespace aiscale {

struct EventOptions {
  // Exact: every algorithm step is its own set of flows and TP traffic is simulated on every node. Aggregated
  // (default): a ring is one bandwidth-equivalent flow per neighbour pair, and NVLink-only TP collectives on nodes
  // whose NVLink carries nothing else meanwhile (blocking expert collectives wait with the TP ranks, so in-node EP
  // all-to-alls do not count) replay their calibrated time (symmetry folding: identical nodes carry
  // identical NVLink traffic), and with one NIC per GPU on a non-blocking fat-tree only lane 0 of the tp parallel
  // data- and context-parallel rings is simulated (rail folding: the lanes run on disjoint GPUs and NICs).
  bool exact = false;
  std::map<CollOp, CollAlgorithm> algorithms;  // forced algorithm per collective; absent: chosen as NCCL does
  bool trace = false;                          // record the Chrome trace
  int busiest_links = 10;                      // links listed in the utilisation summary
};

// Reads the scenario's optional "engine" object:
//   {"mode": "aggregated" | "exact", "algorithm": {"all_reduce": "auto|ring|tree|hierarchical", ...}}
// Throws Error with the field path for anything else.
EventOptions parse_event_options(const nlohmann::json& engine, const std::string& path = "engine");

// What one event-engine run cost.
struct EventStats {
  double wall_s = 0;          // whole run: topology, platform, simulation, results
  double sim_wall_s = 0;      // SimGrid's Engine::run alone
  double peak_rss_bytes = 0;  // of the process that simulated
  long transfers = 0;         // point-to-point flows simulated
  long replicated = 0;        // flows of rail-folded lanes: not simulated, their bytes accounted from lane 0's
  long execs = 0;             // compute activities (Execs)
  long collectives = 0;       // collectives and sends simulated as flows
  long folded = 0;            // TP collectives replayed from their calibrated time
  long actors = 0;
  long links = 0;
  long routes = 0;
  double simulated_s = 0;  // simulated time of the step
  // Flows in flight when a flow starts, averaged over flows: SimGrid's own cost per flow grows with it, so the
  // raw-SimGrid baseline is also run at this concurrency.
  double mean_in_flight = 0;
  long max_in_flight = 0;
};

struct EventRun {
  Result result;
  std::string trace;  // Chrome trace JSON when options.trace, else empty
  EventStats stats;
};

// Simulates one training step. SimGrid keeps global state per process, so each run happens in a child process;
// the caller's process is left untouched. Deterministic: same inputs, same bytes out (trace included).
// The most SimGrid actors this machine lets one process create: every actor's stack and guard page take two memory
// mappings, and Linux caps a process's mappings at /proc/sys/vm/max_map_count (65,530 by default).
long event_actor_limit();

// With `cancel` set while it runs, the simulation process is killed and reaped and Cancelled is thrown; nothing is
// returned or written.
EventRun run_event(const Scenario& sc, const CalibrationProfile& profile, const EventOptions& options = {},
                   const CancelToken* cancel = nullptr);
// The Result of run_event (engine "event").
Result simulate_event(const Scenario& sc, const CalibrationProfile& profile, const EventOptions& options = {});

}  // namespace aiscale

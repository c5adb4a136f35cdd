#pragma once
// One simulated training step of a scenario, on the analytic or the event (SimGrid) engine.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/calibration_profile.hpp"
#include "models/scenario.hpp"
#include "sim/analytic.hpp"
#include "sim/engine.hpp"
#include "sim/event_engine.hpp"
#include "sim/result.hpp"
#include "studies/observer.hpp"

namespace aiscale::api {

using aiscale::Engine;

struct SimulateOptions {
  Engine engine = Engine::analytic;
  // Event engine only; they add to the scenario's own "engine" section.
  bool exact = false;                          // one flow per algorithm step, no symmetry folding
  std::map<CollOp, CollAlgorithm> algorithms;  // forced algorithm per collective
  bool trace = false;                          // record the Chrome/Perfetto trace
  bool ops = false;                            // also time every op of a layer, the embedding, head and step
};

struct Simulation {
  Result result;
  std::string trace;                  // Chrome trace JSON when options.trace
  std::optional<EventStats> event;    // what the event run cost (event engine only)
  std::vector<OpTiming> ops;          // when options.ops
};

// The scenario's calibration profile (its `calibration` field, else the GPU's shipped default), loaded once per
// process and shared; an unknown name or bad file is an Error naming "calibration".
const CalibrationProfile& profile_for(const Scenario& sc);

// Simulates one step. An event run can be cancelled: its child process is ended and Cancelled is thrown.
Simulation simulate(const Scenario& sc, const SimulateOptions& options = {}, const RunControl& control = {});

}  // namespace aiscale::api

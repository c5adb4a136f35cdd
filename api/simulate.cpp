#include "api/simulate.hpp"

#include "models/error.hpp"

namespace aiscale::api {

const CalibrationProfile& profile_for(const Scenario& sc) { return shared_profile(sc); }

Simulation simulate(const Scenario& sc, const SimulateOptions& options, const RunControl& control) {
  const CalibrationProfile& prof = profile_for(sc);
  const bool event = options.engine == Engine::event;
  if (!event && (options.exact || options.trace || !options.algorithms.empty()))
    throw Error("engine", "exact mode, a trace and forced algorithms need the event engine");
  Simulation out;
  if (event) {
    EventOptions eo = parse_event_options(sc.engine);  // the scenario's "engine" section; the options add to it
    eo.exact = eo.exact || options.exact;
    eo.trace = options.trace;
    for (const auto& [op, alg] : options.algorithms) eo.algorithms[op] = alg;
    EventRun run = run_event(sc, prof, eo, control.cancel);
    out.result = std::move(run.result);
    out.trace = std::move(run.trace);
    out.event = run.stats;
  } else {
    out.result = simulate_on(Engine::analytic, sc, prof, {}, control.cancel);
  }
  if (options.ops) out.ops = time_ops(sc, prof);
  return out;
}

}  // namespace aiscale::api

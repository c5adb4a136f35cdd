#pragma once
// The choice of engine, made in one place for every caller (simulate, sweep rows, plan verification), and the
// calibration profiles those callers share.
#include <string>

#include "models/calibration_profile.hpp"
#include "models/scenario.hpp"
#include "sim/cancel.hpp"
#include "sim/event_engine.hpp"
#include "sim/result.hpp"

namespace aiscale {

enum class Engine { analytic, event };
// "analytic" or "event"; anything else is an Error at `field`.
Engine parse_engine(const std::string& name, const std::string& field = "engine");
std::string to_string(Engine e);

// One step of `sc` on `engine`; `event` applies to the event engine only. An event run stops with Cancelled when
// `cancel` is set (its simulation process is ended); an analytic step is too short to need it.
Result simulate_on(Engine engine, const Scenario& sc, const CalibrationProfile& profile, const EventOptions& event,
                   const CancelToken* cancel = nullptr);

// The scenario's calibration profile (its `calibration` field, else the GPU's shipped default), loaded once per
// process for each (name, GPU, directory) and shared by every thread.
const CalibrationProfile& shared_profile(const Scenario& sc);

}  // namespace aiscale

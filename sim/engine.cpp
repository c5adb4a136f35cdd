#include "sim/engine.hpp"

#include <map>
#include <mutex>

#include "models/error.hpp"
#include "sim/analytic.hpp"

namespace aiscale {

Engine parse_engine(const std::string& name, const std::string& field) {
  if (name == "analytic") return Engine::analytic;
  if (name == "event") return Engine::event;
  throw Error(field, "'" + name + "' is not an engine; use analytic (closed form) or event (SimGrid)");
}

std::string to_string(Engine e) { return e == Engine::event ? "event" : "analytic"; }

Result simulate_on(Engine engine, const Scenario& sc, const CalibrationProfile& profile, const EventOptions& event,
                   const CancelToken* cancel) {
  throw_if_cancelled(cancel);
  if (engine == Engine::event) return run_event(sc, profile, event, cancel).result;
  return simulate_analytic(sc, profile);
}

const CalibrationProfile& shared_profile(const Scenario& sc) {
  static std::mutex mu;
  static std::map<std::string, CalibrationProfile> cache;  // node-based: references stay valid as it grows
  const std::string key = sc.calibration + "|" + sc.cluster.gpu.name + "|" + sc.base_dir;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, load_profile(sc.calibration, sc.cluster.gpu, sc.base_dir)).first;
  return it->second;
}

}  // namespace aiscale

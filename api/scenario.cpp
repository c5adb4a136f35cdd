#include "api/scenario.hpp"

#include "models/file_io.hpp"
#include "studies/load.hpp"

namespace aiscale::api {

namespace {

aiscale::LoadOptions lower(const LoadOptions& o) { return {o.check_plan, o.check_topology}; }

// Runs `load`, turning every error it throws into issues.
template <class F>
void collect(LoadedScenario& out, F&& load) {
  try {
    out.scenario = load();
  } catch (const ValidationError& e) {
    out.issues = e.issues();
  } catch (const Error& e) {
    out.issues = {{e.path(), e.message(), e.kind()}};
  }
}

}  // namespace

const Scenario& LoadedScenario::get() const {
  if (!scenario) throw ValidationError(issues.empty() ? std::vector<Issue>{{"scenario", "not loaded"}} : issues);
  return *scenario;
}

LoadedScenario load_scenario_json(const nlohmann::json& document, const std::string& base_dir,
                                  const std::vector<std::string>& overrides, const LoadOptions& options) {
  LoadedScenario out;
  out.document = document;
  out.base_dir = base_dir.empty() ? "." : base_dir;
  collect(out, [&] { return load_document(out.document, out.base_dir, overrides, lower(options)); });
  return out;
}

LoadedScenario load_scenario_file(const std::string& path, const std::vector<std::string>& overrides,
                                  const LoadOptions& options) {
  LoadedScenario out;
  out.base_dir = scenario_dir(path);
  collect(out, [&] {
    out.document = read_scenario_file(path);
    return load_document(out.document, out.base_dir, overrides, lower(options));
  });
  return out;
}

LoadedScenario load_default_scenario(const std::vector<std::string>& overrides, const LoadOptions& options) {
  return load_scenario_json(default_scenario_json(), ".", overrides, options);
}

LoadedScenario load_scenario(const std::optional<std::string>& path, const std::vector<std::string>& overrides,
                             const LoadOptions& options) {
  return path ? load_scenario_file(*path, overrides, options) : load_default_scenario(overrides, options);
}

}  // namespace aiscale::api

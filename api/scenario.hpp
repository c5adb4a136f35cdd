#pragma once
// Loading a scenario for a front end: from a file, a JSON document or the built-in default, plus "path=value"
// overrides, with every problem found returned as data (field path, message with its fix) rather than thrown.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/error.hpp"
#include "models/scenario.hpp"

namespace aiscale::api {

struct LoadOptions {
  bool check_plan = true;      // false: accept a plan inconsistent with the model or cluster (the planner replaces it)
  bool check_topology = true;  // check that the network can be built (what `aiscale topology` builds)
};

struct LoadedScenario {
  nlohmann::json document;           // the document after overrides: what an editor shows and saves
  std::string base_dir = ".";        // where relative paths in it (hf_config, calibration) are resolved
  std::optional<Scenario> scenario;  // set when there is no issue
  std::vector<Issue> issues;         // every problem, each naming its field (e.g. "parallelism.tp")

  bool ok() const { return scenario.has_value(); }
  // The scenario, or a ValidationError holding every issue.
  const Scenario& get() const;
};

// The path may be empty only for load_default_scenario; a missing or unreadable file is an issue at "scenario".
LoadedScenario load_scenario_file(const std::string& path, const std::vector<std::string>& overrides = {},
                                  const LoadOptions& options = {});
LoadedScenario load_scenario_json(const nlohmann::json& document, const std::string& base_dir = ".",
                                  const std::vector<std::string>& overrides = {}, const LoadOptions& options = {});
// GPT-3 175B on 1,024 A100-80GB (DESIGN.md §4).
LoadedScenario load_default_scenario(const std::vector<std::string>& overrides = {}, const LoadOptions& options = {});
// A file when `path` is set, else the default.
LoadedScenario load_scenario(const std::optional<std::string>& path, const std::vector<std::string>& overrides = {},
                             const LoadOptions& options = {});

}  // namespace aiscale::api

#pragma once
// The one way a scenario document becomes a checked Scenario, for every caller (front ends, sweep rows, validation
// cases): overrides applied, parsed and validated, and the network's shape checked without building it.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/scenario.hpp"

namespace aiscale {

struct LoadOptions {
  bool check_plan = true;      // false: accept a plan inconsistent with the model or cluster (the planner replaces it)
  bool check_topology = true;  // check that the network can be built, as `aiscale topology` builds it
};

// Applies `overrides` ("path=value", UTF-8) to `doc` in place, then parses and checks it. Throws Error or
// ValidationError (every issue found, each with its field path).
Scenario load_document(nlohmann::json& doc, const std::string& base_dir, const std::vector<std::string>& overrides,
                       const LoadOptions& options = {});

// The directory relative paths of a scenario file resolve against ("." for a file in the working directory).
std::string scenario_dir(const std::string& path);

}  // namespace aiscale

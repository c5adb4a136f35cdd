#include "studies/load.hpp"

#include <filesystem>

#include "topology/builder.hpp"

namespace aiscale {

Scenario load_document(nlohmann::json& doc, const std::string& base_dir, const std::vector<std::string>& overrides,
                       const LoadOptions& options) {
  apply_overrides(doc, overrides);
  Scenario sc = parse_scenario(doc, base_dir.empty() ? "." : base_dir, options.check_plan);
  if (options.check_topology) topology::check_topology(sc.cluster);  // the network's shape, for every engine
  return sc;
}

std::string scenario_dir(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

}  // namespace aiscale

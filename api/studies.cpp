#include "api/studies.hpp"

#include "models/file_io.hpp"
#include "studies/load.hpp"

namespace aiscale::api {

SweepSpec make_sweep_from(const std::optional<std::string>& base_path, const std::vector<std::string>& overrides,
                          const std::vector<std::string>& grids, const std::vector<std::string>& zips,
                          Engine engine) {
  nlohmann::json base = base_path ? read_scenario_file(*base_path) : default_scenario_json();
  apply_overrides(base, overrides);
  SweepSpec spec = make_sweep(std::move(base), base_path ? scenario_dir(*base_path) : ".", grids, zips);
  spec.engine = engine;
  return spec;
}

}  // namespace aiscale::api

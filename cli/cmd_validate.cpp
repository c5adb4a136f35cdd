#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>
#include <memory>

#include "cli/common.hpp"
#include "models/error.hpp"
#include "api/aiscale.hpp"

namespace aiscale::cli {

extern int g_exit_code;

void add_validate_command(CLI::App& app) {
  struct Opts {
    std::string path = "scenarios/validation";
    bool json = false;
    double max_mape = -1;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("validate", "Compare predictions with published training runs");
  cmd->add_option("path", o->path, "Validation scenario file or directory (default scenarios/validation)");
  cmd->add_flag("--json", o->json, "Print the comparison as JSON");
  auto* max_mape =
      cmd->add_option("--max-mape", o->max_mape, "Exit 1 when the mean absolute percentage error exceeds this (%)");
  cmd->callback([o, max_mape] {
    if (o->path.empty()) throw Error("path", "the path is empty (''); give a validation scenario file or directory");
    if (max_mape->count() > 0 && !(std::isfinite(o->max_mape) && o->max_mape >= 0))
      throw Error("--max-mape", "must be a finite percentage >= 0 (e.g. 10), got " + max_mape->as<std::string>());
    const ValidationReport rep = run_validation(collect_scenario_files(o->path));
    std::cout << (o->json ? to_json(rep).dump(2) + "\n" : validation_table(rep));
    if (o->max_mape >= 0 && rep.all.mape > o->max_mape) {
      std::cerr << "aiscale: validation MAPE " << rep.all.mape << "% exceeds --max-mape " << o->max_mape << "%\n";
      g_exit_code = kExitCheckFailed;
    }
  });
}

}  // namespace aiscale::cli

#pragma once
// Shared plumbing for the `aiscale` subcommands: scenario loading, output files, exit codes.
#include <optional>
#include <string>
#include <vector>

#include "models/scenario.hpp"

namespace CLI {
class App;
}

namespace aiscale::cli {

// Exit codes: 0 ok, 1 a check failed (e.g. validate over --max-mape), 2 bad input.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitBadInput = 2;

// Loads SCENARIO (a path), or the built-in default when absent, then applies each "path=value" override.
// With check_plan = false an inconsistent parallel plan is accepted (for commands that replace it).
Scenario load_scenario(const std::optional<std::string>& path, const std::vector<std::string>& sets,
                       bool check_plan = true);

// Writes `content` to `path` atomically (temp file + rename) so a failure never leaves a partial file.
void write_file_atomic(const std::string& path, const std::string& content);

// Subcommand registration; each sets its own callback. Errors are thrown as aiscale::Error.
void add_simulate_command(CLI::App& app);
void add_validate_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_catalog_command(CLI::App& app);
void add_topology_command(CLI::App& app);
void add_calibrate_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_plan_command(CLI::App& app);

}  // namespace aiscale::cli

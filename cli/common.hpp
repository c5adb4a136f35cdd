#pragma once
// Shared plumbing for the `aiscale` subcommands: exit codes, the library's field names as this command's flags,
// scenario loading through the front-end library, standard output.
#include <optional>
#include <string>
#include <vector>

#include "api/scenario.hpp"

namespace CLI {
class App;
}

namespace aiscale::cli {

// Exit codes: 0 ok, 1 a check failed (e.g. validate over --max-mape), 2 bad input, 3 internal error, 130 interrupted.
inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInterrupted = 130;

// The library names request fields ("overrides", "sweep.grid parallelism.tp", "plan.gpus"); the CLI shows the flag
// that sets each ("--set", "--grid parallelism.tp", "--gpus"). Scenario field paths pass unchanged.
std::string flag_for(const std::string& path);

// SCENARIO (a path) or the built-in default, with "path=value" overrides, through the library; every issue is
// thrown together (one error line each).
Scenario load_scenario(const std::optional<std::string>& path, const std::vector<std::string>& sets,
                       const api::LoadOptions& options = {});

// Flushes standard output; a write error (disk full, closed pipe) is an Error.
void flush_stdout();

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

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

// Reads a scenario document; an empty path or a directory is named as such (not "malformed JSON").
nlohmann::json read_scenario_file(const std::string& path);

// Writes `content` to `path` atomically (temp file + rename) so a failure never leaves a partial file. A PATH that
// exists and is not a regular file (a FIFO, a character device) is written in place; a symlink is followed.
void write_file_atomic(const std::string& path, const std::string& content);

// Writes several (path, content) files atomically as a set: when one fails, those already written are removed.
void write_files_atomic(const std::vector<std::pair<std::string, std::string>>& files);

// Checks, before any work, that each named output (flag, path; empty paths skipped) can be written: its directory
// exists and is writable. So a command that writes several files fails before writing the first.
void check_outputs(const std::vector<std::pair<std::string, std::string>>& outputs);

// Rejects `--set`/`--grid` arguments that are not valid UTF-8 (JSON output could not hold them).
void check_utf8_args(const std::string& flag, const std::vector<std::string>& args);

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

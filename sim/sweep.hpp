#pragma once
// Batch sweeps: the cartesian product of override lists over a base scenario, evaluated in parallel, each row
// written and flushed in order as soon as it and every row before it are done, resumable after interruption.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/result.hpp"

namespace aiscale {

// One dimension of the sweep: `--grid path=v1,v2` (one path) or all `--zip` lists together (several paths
// whose values advance in step).
struct SweepAxis {
  std::vector<std::string> paths;
  std::vector<std::vector<std::string>> values;  // values[i][j]: value of paths[j] at step i (JSON text)
};

// The most rows one sweep may have (checked before any work; a larger grid is an Error naming --grid).
inline constexpr size_t kMaxSweepRows = 10'000'000;

struct SweepSpec {
  nlohmann::json base;        // the base scenario document (its own --set already applied)
  std::string base_dir = ".";
  std::vector<SweepAxis> axes;
  bool event_engine = false;  // evaluate rows with the SimGrid engine instead of the analytic one
  size_t size() const;
  std::vector<std::string> paths() const;                    // every swept path, axis order
  std::vector<std::string> overrides(size_t index) const;    // "path=value" of combination `index`
  std::vector<std::string> values(size_t index) const;       // the values alone, same order as paths()
};

// Parses `--grid path=v1,v2,...` and `--zip path=...` arguments, and checks every path and value against the
// base scenario: an unknown path, an empty list, zip lists of different lengths or a value of the wrong type is
// an Error (bad grid), while a value that only makes a plan inconsistent becomes an invalid row later.
SweepSpec make_sweep(nlohmann::json base, const std::string& base_dir, const std::vector<std::string>& grids,
                     const std::vector<std::string>& zips);

enum class RowFormat { csv, jsonl };
RowFormat format_for(const std::string& path);  // .csv or .jsonl, else Error

// The evaluation of one combination: "ok", "oom" (does not fit in memory, metrics still given) or "invalid".
struct SweepRow {
  size_t index = 0;
  std::string status;
  std::string reason;
  Result result;
  nlohmann::json result_json;  // Result v1 (what `aiscale simulate --json` prints), for JSONL output
  std::string scenario_name;
};

SweepRow evaluate_row(const SweepSpec& spec, size_t index);
std::string csv_header(const SweepSpec& spec);
std::string format_row(const SweepSpec& spec, const SweepRow& row, RowFormat fmt);

struct SweepOptions {
  std::string output;
  int jobs = 1;
  bool resume = false;
  bool progress = false;                    // progress bar on stderr
  const std::atomic<bool>* stop = nullptr;  // set by a signal handler: finish the rows in flight, then return
};

struct SweepStats {
  size_t total = 0, skipped = 0, written = 0, invalid = 0, oom = 0;
  double seconds = 0;
  bool interrupted = false;
};

// The output side of a sweep: opens the file (or, with resume, keeps its whole rows and drops a trailing partial
// line), knows which rows are still to do, and writes rows strictly in index order as they arrive.
class SweepOutput {
 public:
  SweepOutput(const SweepSpec& spec, const std::string& path, bool resume);
  ~SweepOutput();
  SweepOutput(const SweepOutput&) = delete;
  SweepOutput& operator=(const SweepOutput&) = delete;

  const std::vector<size_t>& todo() const { return todo_; }
  RowFormat format() const { return fmt_; }
  // Hands in the formatted line of todo()[k]; every line now contiguous from the front is written at once.
  void put(size_t k, std::string line, const std::string& status);
  // Closes and deletes the output file (a sweep that stopped on an error leaves nothing behind).
  void remove();
  size_t written() const { return written_; }
  size_t skipped() const { return skipped_; }
  size_t invalid() const { return invalid_; }
  size_t oom() const { return oom_; }

 private:
  std::string path_;
  RowFormat fmt_;
  int fd_ = -1;
  std::vector<size_t> todo_;
  std::vector<std::string> lines_;
  std::vector<char> ready_;
  size_t written_ = 0, skipped_ = 0, invalid_ = 0, oom_ = 0;
};

// Runs the sweep into options.output. With resume, rows already present are kept and skipped; a trailing partial
// line is dropped first. The output file is created only once the grid has been checked.
SweepStats run_sweep(const SweepSpec& spec, const SweepOptions& options);

// True when this build can distribute sweeps over MPI ranks.
bool sweep_mpi_available();
// Distributed sweep for `mpirun -n N aiscale sweep ...`: rank 0 hands out rows one at a time to the other ranks
// and writes the output; the result is byte-identical to run_sweep. Call between MPI_Init and MPI_Finalize.
SweepStats run_sweep_mpi(const SweepSpec& spec, const SweepOptions& options);

}  // namespace aiscale

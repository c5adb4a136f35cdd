#pragma once
// Batch sweeps: the cartesian product of override lists over a base scenario, evaluated in parallel, each row
// written and flushed in order as soon as it and every row before it are done, resumable after interruption.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/engine.hpp"
#include "sim/result.hpp"
#include "studies/observer.hpp"

namespace aiscale {

// One dimension of the sweep: `--grid path=v1,v2` (one path) or all `--zip` lists together (several paths
// whose values advance in step).
struct SweepAxis {
  std::vector<std::string> paths;
  std::vector<std::vector<std::string>> values;  // values[i][j]: value of paths[j] at step i (JSON text)
};

// The most rows one sweep may have (checked before any work; a larger grid is an Error naming sweep.grid).
inline constexpr size_t kMaxSweepRows = 10'000'000;

struct SweepSpec {
  nlohmann::json base;        // the base scenario document (its own --set already applied)
  std::string base_dir = ".";
  std::vector<SweepAxis> axes;
  Engine engine = Engine::analytic;  // each row's engine
  size_t size() const;
  std::vector<std::string> paths() const;                    // every swept path, axis order
  std::vector<std::string> overrides(size_t index) const;    // "path=value" of combination `index`
  std::vector<std::string> values(size_t index) const;       // the values alone, same order as paths()
};

// Parses the grid lists ("path=v1,v2,...": one axis each) and the zip lists ("path=...": together one axis whose
// paths advance in step), and checks every path and value against the
// base scenario: an unknown path, an empty list, zip lists of different lengths or a value of the wrong type is
// an Error (bad grid), while a value that only makes a plan inconsistent becomes an invalid row later.
SweepSpec make_sweep(nlohmann::json base, const std::string& base_dir, const std::vector<std::string>& grids,
                     const std::vector<std::string>& zips);

enum class RowFormat { csv, jsonl };
RowFormat format_for(const std::string& path);  // .csv or .jsonl, else an Error at sweep.output

// How a combination came out: ok, oom (does not fit in memory; its metrics are still given) or invalid (no result;
// the reason names the fields). Written as "ok", "oom", "invalid".
enum class RowStatus { ok, oom, invalid };
std::string to_string(RowStatus s);

struct SweepRow {
  size_t index = 0;
  RowStatus status = RowStatus::invalid;
  std::string reason;
  Result result;
  nlohmann::json result_json;  // Result v1 (what `aiscale simulate --json` prints), for JSONL output
  std::string scenario_name;
};

// Evaluates combination `index`. Throws only Cancelled (an event row whose run was cancelled); every other failure
// is an invalid row.
SweepRow evaluate_row(const SweepSpec& spec, size_t index, const CancelToken* cancel = nullptr);
std::string csv_header(const SweepSpec& spec);
std::string format_row(const SweepSpec& spec, const SweepRow& row, RowFormat fmt);

struct SweepOptions {
  std::string output;  // .csv or .jsonl; empty: no file, the rows reach the observer only
  int jobs = 1;
  bool resume = false;
};

struct SweepStats {
  size_t total = 0, skipped = 0, written = 0, invalid = 0, oom = 0;
  double seconds = 0;
  bool interrupted = false;  // cancelled: the output holds whole rows only, and resume completes it
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
  void put(size_t k, std::string line, RowStatus status);
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

// Runs the sweep into options.output on options.jobs threads. With resume, rows already present are kept and
// skipped; a trailing partial line is dropped first. The output file is created only once the grid has been checked.
// Progress ("rows", done of the rows to compute) and each row go to the observer; once cancelled, no new row starts,
// rows in flight finish (an event row's run is ended), and the call returns with `interrupted` set within about
// one analytic row's time.
SweepStats run_sweep(const SweepSpec& spec, const SweepOptions& options, const RunControl& control = {});

// True when this build can distribute sweeps over MPI ranks.
bool sweep_mpi_available();
// Distributed sweep for `mpirun -n N aiscale sweep ...`: rank 0 hands out rows one at a time to the other ranks
// and writes the output; the result is byte-identical to run_sweep. Call between MPI_Init and MPI_Finalize.
SweepStats run_sweep_mpi(const SweepSpec& spec, const SweepOptions& options, const RunControl& control = {});

}  // namespace aiscale

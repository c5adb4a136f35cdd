#include <CLI/CLI.hpp>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <optional>
#ifdef AISCALE_HAVE_MPI
#include <mpi.h>
#endif
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "api/aiscale.hpp"
#include "cli/common.hpp"
#include "models/error.hpp"

namespace aiscale::cli {

extern int g_exit_code;

namespace {
CancelToken g_stop;  // SIGINT/SIGTERM: finish the rows in flight, write them, and exit 130
extern "C" void on_signal(int) { g_stop.cancel(); }

// A progress bar on stderr, redrawn at most every 200 ms.
class ProgressBar : public Observer {
 public:
  void on_progress(const Progress& p) override {
    using clock = std::chrono::steady_clock;
    const auto now = clock::now();
    if (p.done != p.total && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - t0_).count();
    const double rate = p.done / std::max(elapsed, 1e-9);
    const int width = 30;
    const int fill = p.total == 0 ? width : int(width * p.done / p.total);
    std::fprintf(stderr, "\r[%s%s] %zu/%zu rows  %.0f rows/s  ETA %.0fs ", std::string(fill, '#').c_str(),
                 std::string(width - fill, '.').c_str(), p.done, p.total, rate,
                 rate > 0 ? (p.total - p.done) / rate : 0.0);
  }

 private:
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now(), last_{};
};

// Launched by mpirun with more than one rank? (OpenMPI and MPICH/PMI set these before main.)
int env_int(const char* a, const char* b) {
  const char* v = std::getenv(a);
  if (!v) v = std::getenv(b);
  return v ? std::atoi(v) : 0;
}

#ifdef AISCALE_HAVE_MPI
struct MpiSession {
  MpiSession() { MPI_Init(nullptr, nullptr); }
  ~MpiSession() { MPI_Finalize(); }
};
#endif
}  // namespace

void add_sweep_command(CLI::App& app) {
  struct Opts {
    std::optional<std::string> base;
    std::vector<std::string> sets, grids, zips;
    std::string output;
    int jobs = 0;
    bool resume = false;
    std::string engine = "analytic";
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("sweep", "Evaluate the cartesian product of overrides over a base scenario");
  cmd->add_option("base", o->base, "Base scenario file (the built-in default when omitted)");
  cmd->add_option("--grid", o->grids, "path=v1,v2,... one axis of the product (repeatable)");
  cmd->add_option("--zip", o->zips, "path=v1,v2,... lists that advance together as one axis (repeatable)");
  cmd->add_option("--set", o->sets, "Override a base field first: --set path=value (repeatable)");
  cmd->add_option("-j,--jobs", o->jobs, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  cmd->add_option("-o,--output", o->output, "results.csv or results.jsonl")->required();
  cmd->add_flag("--resume", o->resume, "Keep rows already in the output and compute only the missing ones");
  cmd->add_option("--engine", o->engine, "Engine: analytic (default) or event (SimGrid, one process per row)")
      ->check(CLI::IsMember({"analytic", "event"}));
  cmd->callback([o] {
    const bool distributed = env_int("OMPI_COMM_WORLD_SIZE", "PMI_SIZE") > 1;
    // Only rank 0 speaks; the other ranks fail or finish silently.
    if (distributed && env_int("OMPI_COMM_WORLD_RANK", "PMI_RANK") != 0) std::freopen("/dev/null", "w", stderr);
#ifdef AISCALE_HAVE_MPI
    std::optional<MpiSession> mpi;
    if (distributed) mpi.emplace();
#else
    if (distributed) throw Error("mpirun", "this aiscale was built without MPI; install libopenmpi-dev and rebuild");
#endif
    format_for(o->output);  // reject a bad output name before any work
    check_outputs({{"-o", o->output}});
    const SweepSpec spec =
        api::make_sweep_from(o->base, o->sets, o->grids, o->zips, parse_engine(o->engine, "--engine"));
    SweepOptions opt;
    opt.output = o->output;
    opt.jobs = o->jobs > 0 ? o->jobs : std::max(1u, std::thread::hardware_concurrency());
    opt.resume = o->resume;
    ProgressBar bar;
    RunControl control{::isatty(STDERR_FILENO) ? &bar : nullptr, &g_stop};
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const SweepStats st = distributed ? run_sweep_mpi(spec, opt, control) : run_sweep(spec, opt, control);
    if (control.observer) std::fprintf(stderr, "\n");
    if (distributed && env_int("OMPI_COMM_WORLD_RANK", "PMI_RANK") != 0) return;
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    std::fprintf(stderr, "aiscale sweep: %zu rows (%zu computed, %zu kept from before, %zu invalid, %zu out of memory) "
                 "in %.2f s -> %s%s\n", st.skipped + st.written, st.written, st.skipped, st.invalid, st.oom, st.seconds,
                 o->output.c_str(), st.interrupted ? " (interrupted; run again with --resume)" : "");
    if (st.interrupted) g_exit_code = kExitInterrupted;
  });
}

}  // namespace aiscale::cli

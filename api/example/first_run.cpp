// A first program on aiscale's front-end library: load a scenario with an override, simulate a step, then sweep
// the tensor-parallel size with an observer. CTest runs it and checks its output.
#include <cstdio>

#include "api/aiscale.hpp"

using namespace aiscale;

namespace {
// Prints each sweep row as it is done (rows arrive on worker threads, one at a time).
class PrintRows : public Observer {
 public:
  void on_row(const SweepRow& row) override {
    std::printf("  row %zu: %s %s\n", row.index, to_string(row.status).c_str(),
                row.status == RowStatus::invalid ? row.reason.c_str() : format_time(row.result.step_time_s).c_str());
  }
};
}  // namespace

int main() {
  // 1. The built-in default scenario (GPT-3 175B on 1,024 A100) with a what-if override.
  const api::LoadedScenario loaded = api::load_default_scenario({"training.global_batch=3072", "parallelism.dp=auto"});
  if (!loaded.ok()) {
    for (const Issue& i : loaded.issues) std::fprintf(stderr, "%s: %s\n", i.path.c_str(), i.message.c_str());
    return 2;
  }
  const Scenario& sc = loaded.get();

  // 2. One step on the analytic engine.
  const api::Simulation sim = api::simulate(sc);
  std::printf("%s: step %s, MFU %.1f%%, %d GPUs\n", sc.name.c_str(), format_time(sim.result.step_time_s).c_str(),
              100 * sim.result.mfu, sim.result.gpus);

  // 3. A sweep of tp over the same document, rows to the observer only (no file).
  const SweepSpec spec = make_sweep(loaded.document, loaded.base_dir, {"parallelism.tp=2,4,8,16"}, {});
  PrintRows rows;
  const SweepStats st = api::run_sweep(spec, {.output = "", .jobs = 1, .resume = false}, {&rows, nullptr});
  std::printf("sweep: %zu rows, %zu invalid\n", st.written, st.invalid);

  // 4. A bad value is an issue at its field, not an exception.
  const api::LoadedScenario bad = api::load_default_scenario({"parallelism.tp=5"});
  for (const Issue& i : bad.issues) std::printf("issue at %s\n", i.path.c_str());
  return 0;
}

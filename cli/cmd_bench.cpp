#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/common.hpp"
#include "sim/bench.hpp"

namespace aiscale::cli {

void add_bench_command(CLI::App& app) {
  struct Opts {
    std::optional<std::string> scenario;
    bool json = false;
    double seconds = 2.0;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("bench", "Measure analytic evaluations per second on one core");
  cmd->add_option("scenario", o->scenario, "Scenario to evaluate (default: GPT-3 175B on 1,024 A100)");
  cmd->add_flag("--json", o->json, "Print {\"analytic_evals_per_s\": ...}");
  cmd->add_option("--seconds", o->seconds, "Measurement time")->check(CLI::Range(0.1, 600.0));
  cmd->callback([o] {
    const Scenario sc = load_scenario(o->scenario, {});
    const CalibrationProfile prof = load_profile(sc.calibration, sc.cluster.gpu, sc.base_dir);
    const BenchResult b = bench_analytic(sc, prof, o->seconds);
    if (o->json) {
      nlohmann::json j{{"scenario", sc.name}, {"analytic_evals_per_s", b.evals_per_s}, {"evals", b.evals},
                       {"seconds", b.seconds}};
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << "aiscale bench: " << sc.name << ": " << static_cast<long>(b.evals_per_s)
                << " analytic evaluations/s (" << b.evals << " in " << b.seconds << " s, one core)\n";
    }
  });
}

}  // namespace aiscale::cli

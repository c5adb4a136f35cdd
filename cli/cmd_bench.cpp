#include <cmath>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "api/aiscale.hpp"
#include "cli/common.hpp"

namespace aiscale::cli {

void add_bench_command(CLI::App& app) {
  struct Opts {
    std::optional<std::string> scenario;
    bool json = false;
    double seconds = 2.0;
    std::string engine = "analytic";
    bool scaling = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("bench", "Measure analytic evaluations per second on one core");
  cmd->add_option("scenario", o->scenario, "Scenario to evaluate (default: GPT-3 175B on 1,024 A100)");
  cmd->add_flag("--json", o->json, "Print {\"analytic_evals_per_s\": ...}");
  cmd->add_option("--seconds", o->seconds, "Measurement time")->check(CLI::Range(0.1, 600.0));
  cmd->add_option("--engine", o->engine,
                  "analytic: evaluations per second; event: one simulated step's wall time, peak RSS and transfers "
                  "per second, against raw SimGrid flows on a 512-host star")
      ->check(CLI::IsMember({"analytic", "event"}));
  cmd->add_flag("--scaling", o->scaling, "With --engine event: also run the 64 to 16,384-GPU scaling family");
  cmd->callback([o] {
    if (!std::isfinite(o->seconds)) throw Error("--seconds", "must be a number of seconds in [0.1, 600], e.g. 2");
    const Scenario sc = load_scenario(o->scenario, {});
    if (o->engine == "event") {
      const EventBenchReport rep = api::bench_event(sc, o->scaling);
      std::cout << (o->json ? to_json(rep).dump(2) + "\n" : event_bench_table(rep));
      return;
    }
    const BenchResult b = api::bench_analytic(sc, api::profile_for(sc), o->seconds);
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

#include <cmath>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/common.hpp"
#include "sim/bench.hpp"
#include "sim/event_bench.hpp"

namespace aiscale::cli {

namespace {

// One event-engine step per case, then raw SimGrid for the per-transfer overhead ratio.
void bench_event(const std::optional<std::string>& scenario, bool scaling, bool json) {
  std::vector<std::pair<std::string, Scenario>> cases;
  if (scaling)
    for (int g : {64, 256, 1024, 4096, 16384}) cases.push_back({"scaling", parse_scenario(scaling_scenario(g), ".")});
  cases.push_back({"scenario", load_scenario(scenario, {})});
  nlohmann::json rows = nlohmann::json::array();
  double engine_rate = 0;
  for (const auto& [kind, sc] : cases) {
    const CalibrationProfile prof = load_profile(sc.calibration, sc.cluster.gpu, sc.base_dir);
    const EventRun r = run_event(sc, prof);
    const EventStats& s = r.stats;
    const double rate = s.sim_wall_s > 0 ? s.transfers / s.sim_wall_s : 0.0;
    if (kind == "scenario") engine_rate = rate;
    // SimGrid's cost per flow grows with the flows in flight (its max-min solver and action bookkeeping) and with
    // the links of a route, so the engine's own overhead is the ratio to raw SimGrid on the same platform at the
    // same concurrency.
    const int conc = std::max(1, static_cast<int>(std::lround(s.mean_in_flight)));
    const long flows = std::max(100000L, 10L * conc);
    const RawFlowBench same = bench_raw_platform(sc, conc, flows);
    const double same_overhead = rate > 0 ? same.flows_per_s / rate : 0.0;
    // The 512-host star's rate also falls as more flows are in flight: the star at the engine's concurrency.
    const RawFlowBench star = bench_raw_sendto(std::max(2, conc), flows);
    rows.push_back({{"scenario", sc.name},
                    {"gpus", sc.cluster.gpus()},
                    {"wall_s", s.wall_s},
                    {"sim_wall_s", s.sim_wall_s},
                    {"peak_rss_bytes", s.peak_rss_bytes},
                    {"transfers", s.transfers},
                    {"transfers_per_s", rate},
                    {"execs", s.execs},
                    {"folded_collectives", s.folded},
                    {"mean_flows_in_flight", s.mean_in_flight},
                    {"max_flows_in_flight", s.max_in_flight},
                    {"raw_simgrid_same_platform_flows_per_s", same.flows_per_s},
                    {"overhead_per_transfer_same_platform", same_overhead},
                    {"raw_simgrid_star_same_concurrency_flows_per_s", star.flows_per_s},
                    {"step_time_s", r.result.step_time_s}});
    if (!json) {
      char buf[400];
      std::snprintf(buf, sizeof buf,
                    "%-36s %6d GPUs  wall %7.2f s  RSS %7.0f MiB  %9ld transfers  %8.0f /s  in flight %6.0f  "
                    "raw SimGrid, same platform and concurrency %8.0f /s  overhead %.2fx  (star at that "
                    "concurrency %8.0f /s)\n",
                    sc.name.c_str(), sc.cluster.gpus(), s.wall_s, s.peak_rss_bytes / 1048576.0, s.transfers, rate,
                    s.mean_in_flight, same.flows_per_s, same_overhead, star.flows_per_s);
      std::cout << buf << std::flush;
    }
  }
  const RawFlowBench raw = bench_raw_sendto(512, 200000);
  const double overhead = engine_rate > 0 ? raw.flows_per_s / engine_rate : 0.0;
  if (json) {
    std::cout << nlohmann::json{{"event", rows},
                                {"raw_simgrid", {{"hosts", raw.hosts}, {"flows", raw.flows}, {"wall_s", raw.wall_s},
                                                 {"flows_per_s", raw.flows_per_s}}},
                                {"overhead_per_transfer", overhead}}
                     .dump(2)
              << "\n";
  } else {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "raw SimGrid sendto_async, 512-host star: %.0f flows/s; engine overhead per transfer %.2fx\n",
                  raw.flows_per_s, overhead);
    std::cout << buf;
  }
}

}  // namespace

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
    if (o->engine == "event") {
      bench_event(o->scenario, o->scaling, o->json);
      return;
    }
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

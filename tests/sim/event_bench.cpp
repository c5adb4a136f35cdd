// Event-engine benchmark (a program, not a test): for each case one simulated training step, with wall time, peak
// RSS of the simulating process and point-to-point transfers per second (flows simulated, over SimGrid's run time;
// flows of rail-folded lanes are listed apart and not counted), against raw SimGrid Comm::sendto_async on a 512-host
// star under the same network model, measured first: "overhead" is raw flows/s over the engine's transfers/s.
// Usage: event_bench [--quick]
#include "sim/event_bench.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "tests/scenario_support.hpp"

using namespace aiscale;

namespace {

double raw_rate = 0;

void row(const char* label, const nlohmann::json& doc) {
  const Scenario sc = parse_scenario(doc, ".");
  const CalibrationProfile prof = test_support::profile(sc);
  const EventRun r = run_event(sc, prof);
  const EventStats& s = r.stats;
  const double rate = s.sim_wall_s > 0 ? s.transfers / s.sim_wall_s : 0.0;
  std::printf("%-34s %6d %9.2f %9.2f %8.0f %10ld %10ld %9ld %9ld %11.0f %8.2f %10.3f\n", label, sc.cluster.gpus(),
              s.wall_s, s.sim_wall_s, s.peak_rss_bytes / 1048576.0, s.transfers, s.replicated, s.execs, s.folded, rate,
              rate > 0 ? raw_rate / rate : 0.0, r.result.step_time_s);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const RawFlowBench raw = bench_raw_sendto(512, quick ? 100000 : 500000);
  raw_rate = raw.flows_per_s;
  std::printf("raw SimGrid sendto_async, %d-host star: %ld flows in %.2f s = %.0f flows/s\n", raw.hosts, raw.flows,
              raw.wall_s, raw.flows_per_s);
  std::printf("%-34s %6s %9s %9s %8s %10s %10s %9s %9s %11s %8s %10s\n", "case", "GPUs", "wall s", "sim s", "RSS MiB",
              "transfers", "replicated", "execs", "folded", "transfers/s", "overhead", "step s");
  for (int g : {64, 256, 1024, 4096, 16384}) {
    if (quick && g > 1024) break;
    row(("llama3-70b TP8 PP4 DP" + std::to_string(g / 32)).c_str(), scaling_scenario(g));
  }
  const std::filesystem::path gpt3 = std::filesystem::path(AISCALE_SOURCE_DIR) / "scenarios/gpt3-175b-1024xa100.json";
  row("gpt3-175b 1024 x A100", read_json_file(gpt3.string()));
  if (!quick) row("llama3-405b shape 16384 x H100", llama3_405b_16k_scenario());
  return 0;
}

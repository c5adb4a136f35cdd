#include "sim/bench.hpp"

#include <chrono>

#include "sim/analytic.hpp"

namespace aiscale {

BenchResult bench_analytic(const Scenario& sc, const CalibrationProfile& profile, double seconds) {
  using clock = std::chrono::steady_clock;
  BenchResult b;
  const auto start = clock::now();
  double sink = 0;
  double elapsed = 0;
  do {
    for (int i = 0; i < 16; ++i) {
      const Result r = simulate_analytic(sc, profile);  // includes building the workload IR
      sink += r.step_time_s;
      ++b.evals;
    }
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < seconds);
  b.seconds = elapsed;
  b.evals_per_s = b.evals / elapsed;
  if (sink < 0) b.evals = -1;  // keeps the work observable to the optimiser
  return b;
}

}  // namespace aiscale

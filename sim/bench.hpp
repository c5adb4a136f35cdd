#pragma once
// Throughput of the analytic engine (workload build + evaluation), for `aiscale bench`.
#include "models/calibration_profile.hpp"
#include "models/scenario.hpp"

namespace aiscale {

struct BenchResult {
  double evals_per_s = 0;
  long evals = 0;
  double seconds = 0;
};

// Evaluates `sc` repeatedly for about `seconds` of wall time on the calling thread.
BenchResult bench_analytic(const Scenario& sc, const CalibrationProfile& profile, double seconds);

}  // namespace aiscale

#pragma once
// The Result of simulating one scenario (schema aiscale/result/v1) and its renderings: report, JSON, CSV.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/cost.hpp"
#include "models/memory.hpp"
#include "models/scenario.hpp"

namespace aiscale {

inline constexpr const char* kResultSchema = "aiscale/result/v1";

struct Breakdown {
  double compute = 0;           // GEMMs, attention, elementwise (incl. recompute) on the critical stage
  double tp = 0, pp = 0, dp = 0, cp = 0, ep = 0;  // exposed communication
  double bubble = 0;            // pipeline idle time
  double optimizer = 0;
};

struct Result {
  std::string scenario;
  std::string engine = "analytic";
  int gpus = 0;
  double step_time_s = 0;
  double tokens_per_step = 0;
  double tokens_per_s = 0;
  double model_flops_per_step = 0, hardware_flops_per_step = 0;
  double model_tflops_per_gpu = 0, hardware_tflops_per_gpu = 0;
  double mfu = 0, hfu = 0;
  Breakdown breakdown;
  MemoryBreakdown memory;
  TrainingTotals training;
  int critical_stage = 0;
  int microbatches = 0;
  std::vector<std::string> warnings;
};

nlohmann::json to_json(const Result& r, const Scenario& sc);
std::string to_csv_header();
std::string to_csv_row(const Result& r);
// Human-readable report for the terminal.
std::string to_report(const Result& r, const Scenario& sc);

}  // namespace aiscale

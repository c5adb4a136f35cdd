#pragma once
// The Result of simulating one scenario (schema aiscale/result/v1) and its machine formats: JSON and CSV.
#include <optional>
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

// Traffic one link tier carried in the event engine's step (utilisation = busy share of the step time).
struct LinkTierUse {
  std::string tier;  // topology LinkTier name: nvlink, pcie, access, leaf-spine, ...
  int links = 0;     // directed links of the tier
  double bytes = 0;  // payload bytes carried
  double mean_utilisation = 0, max_utilisation = 0;
};

// One directed link and its load.
struct LinkUse {
  std::string name;  // "<bundle>:up" or ":down" (up = from the lower-numbered vertex)
  std::string tier;
  double bytes = 0;
  double utilisation = 0;
};

// Per-tier link utilisation and the busiest links; only the event engine fills it.
struct LinkSummary {
  std::vector<LinkTierUse> tiers;
  std::vector<LinkUse> busiest;
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
  std::optional<LinkSummary> links;  // event engine only
};

// The warning a result carries when it does not fit in memory: which stage needs how much of how much.
std::string memory_shortfall(const MemoryBreakdown& m, const std::string& gpu_name);

// Fills the figures that follow from the step time: throughput, TFLOP/s, MFU/HFU, memory, training totals and
// warnings (both engines).
void complete_result(Result& r, const Scenario& sc, double step_time_s, double model_flops, double hardware_flops);

nlohmann::json to_json(const Result& r, const Scenario& sc);
std::string to_csv_header();
std::string to_csv_row(const Result& r);

}  // namespace aiscale

#pragma once
// A whole what-if scenario (schema aiscale/scenario/v1): model, cluster, parallelism, training, cost.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/catalog.hpp"
#include "models/cluster.hpp"
#include "models/parallelism.hpp"
#include "models/transformer.hpp"

namespace aiscale {

inline constexpr const char* kScenarioSchema = "aiscale/scenario/v1";

struct TrainingSpec {
  int global_batch = 0;  // sequences per optimizer step
  int seq_len = 0;
  Precision precision = Precision::bf16;
  double tokens = 0;  // tokens to train on (0: report per-step figures only)
  bool flash_attention = true;  // fused attention kernel (FlashAttention/cuDNN); false = unfused softmax
  std::string attention_kernel;  // which fused kernel of the calibration profile (e.g. "flash1"); empty: its default
  Framework framework = Framework::any;  // the training software, whose code limits the valid plans
};

struct CostSpec {
  Usd gpu_hour{0};
  double pue = 1.0;  // facility power usage effectiveness applied to energy (1.0 = GPUs only)
};

// Present in validation scenarios: the published measurement to compare with.
struct ValidationSpec {
  std::string metric;  // "hardware_tflops_per_gpu", "model_tflops_per_gpu", "step_time_s", "tokens_per_s", "mfu"
  double measured = 0;
  std::string suite;  // e.g. "sc21-table1"
  std::string source;
};

struct Scenario {
  std::string name;
  std::string description;
  TransformerConfig model;
  ClusterSpec cluster;
  ParallelPlan plan;
  TrainingSpec training;
  CostSpec cost;
  std::string calibration;  // profile name or path; empty: the GPU's default profile
  std::optional<ValidationSpec> validation;
  uint64_t seed = 1;
  // Event-engine settings, checked here and interpreted by sim/event_engine:
  // {"mode": "aggregated"|"exact", "algorithm": {"all_reduce": "ring", ...}}; null when absent.
  nlohmann::json engine;
  std::vector<std::string> warnings;  // from validation of the plan
  std::string base_dir;               // directory of the scenario file, for relative paths
};

// Parses and validates a scenario JSON document; throws Error/ValidationError with every problem found.
// With check_plan = false a plan inconsistent with the model or cluster is accepted (the planner replaces it).
Scenario parse_scenario(const nlohmann::json& doc, const std::string& base_dir = ".", bool check_plan = true);
// Reads a scenario file; a missing file or malformed JSON is an Error naming the file.
nlohmann::json read_json_file(const std::string& path);
// Applies "a.b.c=value" overrides (value parsed as JSON when it is valid JSON, else taken as a string).
void apply_overrides(nlohmann::json& doc, const std::vector<std::string>& sets);
// Deepest JSON nesting accepted in input files and override values. Scenarios, profiles and Hugging Face configs
// nest a few levels; copying or printing a value recurses once per level, so an absurd depth would overflow the
// stack. Deeper input is an Error.
constexpr int kMaxJsonDepth = 64;
// An override value as apply_overrides reads it: JSON when it parses as JSON, else the text itself.
nlohmann::json override_value(const std::string& value, const std::string& field);
// The built-in default scenario: GPT-3 175B on 1,024 A100-80GB (DESIGN.md §4).
nlohmann::json default_scenario_json();

}  // namespace aiscale

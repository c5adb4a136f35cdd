#pragma once
// Validation study: runs scenarios that carry a published measurement and compares prediction with it.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/result.hpp"
#include "studies/observer.hpp"

namespace aiscale {

struct ValidationCase {
  std::string file, name, suite, metric, source;
  double measured = 0, predicted = 0;
  double error_pct = 0;  // (predicted - measured) / measured * 100
};

struct SuiteStats {
  int cases = 0;
  double mape = 0, max_ape = 0;
};

struct ValidationReport {
  std::vector<ValidationCase> cases;
  SuiteStats all;
  std::map<std::string, SuiteStats> suites;
};

// Scenario files under `path` (a file, or a directory searched recursively for *.json), sorted.
std::vector<std::string> collect_scenario_files(const std::string& path);
// The value of a Result metric by its Result v1 key ("hardware_tflops_per_gpu", "step_time_s", ...).
double result_metric(const Result& r, const std::string& metric);
// Runs every file with the analytic engine ("cases": done of files); files without a "validation" block are an
// error naming the file. Cancellable between cases.
ValidationReport run_validation(const std::vector<std::string>& files, const RunControl& control = {});

nlohmann::json to_json(const ValidationReport& rep);

}  // namespace aiscale

#include "studies/validate.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "models/calibration_profile.hpp"
#include "models/error.hpp"
#include "sim/analytic.hpp"
#include "sim/engine.hpp"
#include "studies/load.hpp"

namespace aiscale {

namespace fs = std::filesystem;

std::vector<std::string> collect_scenario_files(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path, "no such file or directory");
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::recursive_directory_iterator(path))
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw Error(path, "directory holds no *.json scenario files");
  } else {
    files.push_back(path);
  }
  return files;
}

double result_metric(const Result& r, const std::string& metric) {
  if (metric == "hardware_tflops_per_gpu") return r.hardware_tflops_per_gpu;
  if (metric == "model_tflops_per_gpu") return r.model_tflops_per_gpu;
  if (metric == "step_time_s") return r.step_time_s;
  if (metric == "tokens_per_s") return r.tokens_per_s;
  if (metric == "mfu") return r.mfu;
  throw Error("validation.metric", "unknown metric '" + metric + "'");
}

namespace {
void add(SuiteStats& s, double ape) {
  s.mape = (s.mape * s.cases + ape) / (s.cases + 1);
  s.max_ape = std::max(s.max_ape, ape);
  ++s.cases;
}
}  // namespace

ValidationReport run_validation(const std::vector<std::string>& files, const RunControl& control) {
  ValidationReport rep;
  for (size_t i = 0; i < files.size(); ++i) {
    control.check();
    control.progress(i, files.size(), "cases");
    const std::string& file = files[i];
    nlohmann::json doc = read_json_file(file);
    const Scenario sc = load_document(doc, scenario_dir(file), {});
    if (!sc.validation) throw Error(file, "has no \"validation\" block with a measured value to compare against");
    const Result r = simulate_analytic(sc, shared_profile(sc));
    ValidationCase c;
    c.file = file;
    c.name = sc.name;
    c.suite = sc.validation->suite;
    c.metric = sc.validation->metric;
    c.source = sc.validation->source;
    c.measured = sc.validation->measured;
    c.predicted = result_metric(r, c.metric);
    c.error_pct = (c.predicted - c.measured) / c.measured * 100.0;
    add(rep.all, std::fabs(c.error_pct));
    add(rep.suites[c.suite], std::fabs(c.error_pct));
    rep.cases.push_back(c);
  }
  control.progress(files.size(), files.size(), "cases");
  return rep;
}

nlohmann::json to_json(const ValidationReport& rep) {
  nlohmann::json j;
  j["schema"] = "aiscale/validation/v1";
  j["cases"] = nlohmann::json::array();
  for (const auto& c : rep.cases)
    j["cases"].push_back({{"name", c.name}, {"file", c.file}, {"suite", c.suite}, {"metric", c.metric},
                          {"measured", c.measured}, {"predicted", c.predicted}, {"error_pct", c.error_pct},
                          {"source", c.source}});
  for (const auto& [name, s] : rep.suites)
    j["suites"][name] = {{"cases", s.cases}, {"mape_pct", s.mape}, {"max_ape_pct", s.max_ape}};
  j["mape_pct"] = rep.all.mape;
  j["max_ape_pct"] = rep.all.max_ape;
  return j;
}

}  // namespace aiscale

#include "cli/common.hpp"

#include <cstdio>
#include <iostream>
#include <utility>

#include "models/error.hpp"

namespace aiscale::cli {

std::string flag_for(const std::string& path) {
  static const std::pair<const char*, const char*> kFlags[] = {
      {"overrides", "--set"},          {"sweep.grid", "--grid"},         {"sweep.zip", "--zip"},
      {"sweep.output", "-o"},          {"sweep.resume", "--resume"},     {"plan.objective", "--objective"},
      {"plan.vary", "--vary"},         {"plan.gpus_range", "--gpus-range"}, {"plan.gpus", "--gpus"},
      {"plan.deadline", "--deadline/--budget"}, {"calibration.gpu", "--gpu"}};
  for (const auto& [field, flag] : kFlags) {
    const std::string f = field;
    if (path == f) return flag;
    if (path.size() > f.size() && path.compare(0, f.size(), f) == 0 && path[f.size()] == ' ')
      return flag + path.substr(f.size());
  }
  return path;
}

Scenario load_scenario(const std::optional<std::string>& path, const std::vector<std::string>& sets,
                       const api::LoadOptions& options) {
  return api::load_scenario(path, sets, options).get();
}

void flush_stdout() {
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout))
    throw Error("standard output", "write failed (disk full or closed pipe?); redirect the output elsewhere or use -o");
}

}  // namespace aiscale::cli

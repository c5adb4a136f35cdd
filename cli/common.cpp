#include "cli/common.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "models/error.hpp"

namespace aiscale::cli {

Scenario load_scenario(const std::optional<std::string>& path, const std::vector<std::string>& sets,
                       bool check_plan) {
  nlohmann::json doc = path ? read_json_file(*path) : default_scenario_json();
  apply_overrides(doc, sets);
  const std::string base = path ? std::filesystem::path(*path).parent_path().string() : std::string(".");
  return parse_scenario(doc, base.empty() ? "." : base, check_plan);
}

void write_file_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path, "cannot write here (does the directory exist and is it writable?)");
    out << content;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw Error(path, "write failed (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(path, "cannot replace this file");
  }
}

}  // namespace aiscale::cli

#include "cli/common.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "models/error.hpp"
#ifdef AISCALE_HAVE_TOPOLOGY
#include "topology/builder.hpp"
#endif

namespace aiscale::cli {

Scenario load_scenario(const std::optional<std::string>& path, const std::vector<std::string>& sets,
                       bool check_plan) {
  check_utf8_args("--set", sets);
  nlohmann::json doc = path ? read_scenario_file(*path) : default_scenario_json();
  apply_overrides(doc, sets);
  const std::string base = path ? std::filesystem::path(*path).parent_path().string() : std::string(".");
  Scenario sc = parse_scenario(doc, base.empty() ? "." : base, check_plan);
#ifdef AISCALE_HAVE_TOPOLOGY
  topology::check_topology(sc.cluster);  // the network's shape, for every engine, without building it
#endif
  return sc;
}

nlohmann::json read_scenario_file(const std::string& path) {
  if (path.empty()) throw Error("scenario", "the path is empty (''); give a scenario .json file");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(path, "is a directory; give a scenario .json file");
  return read_json_file(path);
}

void check_utf8_args(const std::string& flag, const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (!valid_utf8(a))
      throw Error(flag, "'" + a.substr(0, a.find('=')) + "=...' is not valid UTF-8 text; retype the value in UTF-8");
}

void write_files_atomic(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::string> done;
  try {
    for (const auto& [path, content] : files) {
      struct stat st {};
      const bool regular = ::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode);  // never remove a device or FIFO
      write_file_atomic(path, content);
      if (regular) done.push_back(path);
    }
  } catch (...) {
    for (const auto& p : done) std::remove(p.c_str());
    throw;
  }
}

void check_outputs(const std::vector<std::pair<std::string, std::string>>& outputs) {
  for (const auto& [flag, path] : outputs) {
    if (path.empty()) continue;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error(flag, "'" + path + "' is a directory; give a file name");
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    const std::filesystem::path dir = parent.empty() ? std::filesystem::path(".") : parent;
    if (!std::filesystem::is_directory(dir, ec) || ::access(dir.c_str(), W_OK) != 0)
      throw Error(flag, "cannot write '" + path + "': the directory '" + dir.string() +
                            "' does not exist or is not writable; create it or choose another path");
  }
}

void flush_stdout() {
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout))
    throw Error("standard output", "write failed (disk full or closed pipe?); redirect the output elsewhere or use -o");
}

void write_file_atomic(const std::string& path_arg, const std::string& content) {
  std::string path = path_arg;
  struct stat st {};
  // A symlink: replace its target, not the link itself (following a chain of links, as open() would).
  for (int hops = 0; hops < 40 && ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode); ++hops) {
    std::error_code ec;
    const std::filesystem::path target = std::filesystem::read_symlink(path, ec);
    if (ec) break;
    path = (target.is_absolute() ? target : std::filesystem::path(path).parent_path() / target).string();
  }
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // A FIFO or a device (/dev/null, /dev/stdout): write into it; renaming over it would replace the node.
    if (S_ISDIR(st.st_mode)) throw Error(path_arg, "is a directory; give a file name");
    std::ofstream out(path, std::ios::binary);
    if (!out) throw Error(path_arg, "cannot open for writing");
    out << content;
    out.flush();
    if (!out) throw Error(path_arg, "write failed (disk full?)");
    return;
  }
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

#include "models/file_io.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "models/error.hpp"
#include "models/scenario.hpp"

namespace aiscale {

nlohmann::json read_scenario_file(const std::string& path) {
  if (path.empty()) throw Error("scenario", "the path is empty (''); give a scenario .json file");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(path, "is a directory; give a scenario .json file");
  return read_json_file(path);
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

}  // namespace aiscale

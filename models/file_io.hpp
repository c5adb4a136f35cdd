#pragma once
// Files in and out: a scenario document by path, and outputs written atomically (a temp file renamed into place) so
// that a failure never leaves a partial file.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace aiscale {

// Reads a scenario document; an empty path or a directory is named as such (not "malformed JSON").
nlohmann::json read_scenario_file(const std::string& path);

// Writes `content` to `path` atomically (temp file + rename) so a failure never leaves a partial file. A PATH that
// exists and is not a regular file (a FIFO, a character device) is written in place; a symlink is followed.
void write_file_atomic(const std::string& path, const std::string& content);

// Writes several (path, content) files atomically as a set: when one fails, those already written are removed.
void write_files_atomic(const std::vector<std::pair<std::string, std::string>>& files);

// Checks, before any work, that each named output (field, path; empty paths skipped) can be written: its directory
// exists and is writable. So a call that writes several files fails before writing the first. The field names the
// output in the error (a front end maps it to its own control).
void check_outputs(const std::vector<std::pair<std::string, std::string>>& outputs);

}  // namespace aiscale

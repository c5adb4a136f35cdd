#pragma once
// Errors that carry the offending field path and a fix hint; the CLI prints them as one line each.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace aiscale {

// What kind of problem: a field that cannot be read as written (wrong type, unit, unknown key), or a well-formed
// scenario whose parts do not fit together (a plan that does not divide the model or the cluster).
enum class IssueKind { input, consistency };

struct Issue {
  std::string path;     // e.g. "parallelism.tp"
  std::string message;  // reason and, where possible, the fix
  IssueKind kind = IssueKind::input;
};

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool valid_utf8(std::string_view s);

// `s` as one printable line: control characters become \n, \t, \r or \xNN and bytes that are not UTF-8 become \xNN.
// Error and ValidationError pass their paths and messages through it, so a value echoed in an error never splits
// the error over several lines or writes bytes a terminal or a JSON encoder cannot take.
std::string one_line(std::string_view s);

// One bad field. what() is "path: message".
class Error : public std::runtime_error {
 public:
  Error(std::string path, std::string message, IssueKind kind = IssueKind::input);
  IssueKind kind() const { return kind_; }
  const std::string& path() const { return path_; }
  const std::string& message() const { return message_; }

 private:
  std::string path_;
  std::string message_;
  IssueKind kind_;
};

// Several bad fields found at once (plan validation reports every violation).
class ValidationError : public std::runtime_error {
 public:
  explicit ValidationError(std::vector<Issue> issues);
  const std::vector<Issue>& issues() const { return issues_; }

 private:
  std::vector<Issue> issues_;
};

// Collects issues, then throws them all together.
class Diagnostics {
 public:
  void error(std::string path, std::string message) {
    issues_.push_back({std::move(path), std::move(message), IssueKind::input});
  }
  void inconsistent(std::string path, std::string message) {
    issues_.push_back({std::move(path), std::move(message), IssueKind::consistency});
  }
  bool empty() const { return issues_.empty(); }
  void throw_if_any() const;
  const std::vector<Issue>& issues() const { return issues_; }

 private:
  std::vector<Issue> issues_;
};

// Closest candidate by edit distance, or "" when nothing is close enough to suggest.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace aiscale

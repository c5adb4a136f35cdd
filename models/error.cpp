#include "models/error.hpp"

#include <algorithm>

namespace aiscale {

namespace {
std::string join_issues(const std::vector<Issue>& issues) {
  std::string out;
  for (const auto& i : issues) {
    if (!out.empty()) out += '\n';
    out += i.path.empty() ? i.message : i.path + ": " + i.message;
  }
  return out;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

Error::Error(std::string path, std::string message, IssueKind kind)
    : std::runtime_error(path.empty() ? message : path + ": " + message),
      path_(std::move(path)),
      message_(std::move(message)),
      kind_(kind) {}

ValidationError::ValidationError(std::vector<Issue> issues)
    : std::runtime_error(join_issues(issues)), issues_(std::move(issues)) {}

void Diagnostics::throw_if_any() const {
  if (issues_.size() == 1) throw Error(issues_[0].path, issues_[0].message, issues_[0].kind);
  if (!issues_.empty()) throw ValidationError(issues_);
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // Suggest only plausible typos: at most a third of the word changed (and at least 1 edit allowed).
  if (best_d == std::string::npos || best_d > std::max<size_t>(2, word.size() / 3)) return "";
  return best;
}

}  // namespace aiscale

#pragma once
// Test helpers: every issue a scenario document raises, and a search among them.
#include <string>
#include <vector>

#include "models/error.hpp"
#include "models/scenario.hpp"

namespace aiscale::test_support {

inline std::vector<Issue> issues_of(const nlohmann::json& doc) {
  try {
    parse_scenario(doc);
  } catch (const ValidationError& e) {
    return e.issues();
  } catch (const Error& e) {
    return {{e.path(), e.message()}};
  }
  return {};
}

inline bool has_issue(const std::vector<Issue>& v, const std::string& path, const std::string& text) {
  for (const auto& i : v)
    if (i.path == path && i.message.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace aiscale::test_support

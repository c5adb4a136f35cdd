#include "models/json_reader.hpp"

#include <cmath>

namespace aiscale {

namespace {
// A JSON value as error messages show it: scalars as written (long ones cut short), arrays and objects by their type
// alone. dump() recurses once per level of nesting, so a deeply nested value would overflow the stack.
std::string shown(const nlohmann::json& v) {
  if (v.is_structured()) return v.is_array() ? "an array" : "an object";
  std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}
}  // namespace

ObjectReader::ObjectReader(const nlohmann::json& obj, std::string path, Diagnostics& diag)
    : obj_(obj), path_(std::move(path)), diag_(diag) {
  if (!obj_.is_object()) {
    diag_.error(path_.empty() ? "(top level)" : path_, "must be a JSON object { ... }");
    valid_ = false;
  }
}

void ObjectReader::require(const std::vector<std::string>& keys, const std::string& for_what) {
  if (!valid_) return;
  std::string missing;
  for (const std::string& k : keys)
    if (!has(k)) missing += (missing.empty() ? "" : ", ") + k;
  if (!missing.empty())
    diag_.error(path_.empty() ? "(top level)" : path_, "missing " + missing + " (required for " + for_what + ")");
}

bool ObjectReader::has(const std::string& key) {
  if (!valid_) return false;
  auto it = obj_.find(key);
  return it != obj_.end() && !it->is_null();
}

const nlohmann::json* ObjectReader::get(const std::string& key) {
  known_.insert(key);
  if (!valid_) return nullptr;
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return nullptr;
  return &*it;
}

int ObjectReader::count(const std::string& key, int fallback, int min_value, int max_value) {
  const nlohmann::json* v = get(key);
  if (!v) return fallback;
  if (!v->is_number()) {
    diag_.error(path(key), "must be a whole number, not " + std::string(v->type_name()));
    return fallback;
  }
  const double d = v->get<double>();
  if (d != std::floor(d) || std::fabs(d) > 2e9) {
    diag_.error(path(key), "must be a whole number below 2e9, got " + v->dump());
    return fallback;
  }
  if (d < min_value) {
    diag_.error(path(key), "must be at least " + std::to_string(min_value) + ", got " + v->dump());
    return fallback;
  }
  if (d > max_value) {
    diag_.error(path(key), "must be at most " + format_count(max_value) + ", got " + v->dump());
    return fallback;
  }
  return static_cast<int>(d);
}

double ObjectReader::number(const std::string& key, double fallback, double min_value, double max_value) {
  const nlohmann::json* v = get(key);
  if (!v) return fallback;
  if (!v->is_number()) {
    diag_.error(path(key), "must be a number, not " + std::string(v->type_name()));
    return fallback;
  }
  const double d = v->get<double>();
  if (!(d >= min_value && d <= max_value)) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "must be between %g and %g, got %s", min_value, max_value, v->dump().c_str());
    diag_.error(path(key), buf);
    return fallback;
  }
  return d;
}

bool ObjectReader::flag(const std::string& key, bool fallback) {
  const nlohmann::json* v = get(key);
  if (!v) return fallback;
  if (!v->is_boolean()) {
    diag_.error(path(key), "must be true or false, not " + shown(*v));
    return fallback;
  }
  return v->get<bool>();
}

std::string ObjectReader::text(const std::string& key, const std::string& fallback) {
  const nlohmann::json* v = get(key);
  if (!v) return fallback;
  if (!v->is_string()) {
    diag_.error(path(key), "must be a string, not " + shown(*v));
    return fallback;
  }
  const std::string& s = v->get_ref<const std::string&>();
  if (!valid_utf8(s)) {
    // Results and sweep rows are JSON, which cannot carry such bytes: reject them here, where the field is known.
    diag_.error(path(key), "'" + s + "' is not valid UTF-8 text; write it in UTF-8 (or plain ASCII)");
    return fallback;
  }
  return s;
}

std::string ObjectReader::choice(const std::string& key, const std::string& fallback,
                                 const std::vector<std::string>& allowed) {
  const nlohmann::json* v = get(key);
  if (!v) return fallback;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  if (!v->is_string()) {
    diag_.error(path(key), "must be one of " + list + ", not " + shown(*v));
    return fallback;
  }
  const std::string& s = v->get_ref<const std::string&>();
  for (const auto& a : allowed)
    if (a == s) return s;
  const std::string near = nearest(s, allowed);
  diag_.error(path(key), "'" + s + "' is not one of " + list + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
  return fallback;
}

void ObjectReader::finish() {
  if (!valid_) return;
  const std::vector<std::string> known(known_.begin(), known_.end());
  for (auto it = obj_.begin(); it != obj_.end(); ++it) {
    if (known_.count(it.key())) continue;
    const std::string near = nearest(it.key(), known);
    diag_.error(path(it.key()), "unknown key" + (near.empty() ? std::string("; known keys here: ") + [&] {
      std::string l;
      for (const auto& k : known) l += (l.empty() ? "" : ", ") + k;
      return l;
    }() : " (did you mean '" + near + "'?)"));
  }
}

}  // namespace aiscale

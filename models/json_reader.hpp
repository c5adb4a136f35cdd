#pragma once
// Strict reading of JSON objects: typed getters that record errors with field paths, and unknown-key detection
// with a "did you mean" suggestion.
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "models/error.hpp"
#include "models/units.hpp"

namespace aiscale {

class ObjectReader {
 public:
  static constexpr int kMaxCountValue = 2000000000;  // below INT_MAX, so a count read as a double converts exactly

  // `obj` must outlive the reader. A non-object records an error and reads as empty.
  ObjectReader(const nlohmann::json& obj, std::string path, Diagnostics& diag);

  bool has(const std::string& key);
  std::string path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  // Marks `key` as known and returns it, or nullptr when absent.
  const nlohmann::json* get(const std::string& key);

  // A whole number in [min_value, max_value]. JSON floats with integral values (3e3) are accepted.
  int count(const std::string& key, int fallback, int min_value = 1, int max_value = kMaxCountValue);
  double number(const std::string& key, double fallback, double min_value, double max_value);
  bool flag(const std::string& key, bool fallback);
  std::string text(const std::string& key, const std::string& fallback);
  // One of `allowed`; otherwise an error listing them (with the nearest as a suggestion).
  std::string choice(const std::string& key, const std::string& fallback, const std::vector<std::string>& allowed);

  // A quantity with a unit, within sane_range() of its dimension; `zero_means_none` also accepts exactly 0 (a GPU
  // without FP8 tensor cores). Negative values, -0 included, are errors.
  template <typename Q>
  Q quantity(const std::string& key, Q fallback, bool zero_means_none = false) {
    const nlohmann::json* v = get(key);
    if (!v) return fallback;
    const Dim dim = DimOf<Q>::value;
    if (!v->is_string()) {
      diag_.error(path(key), "needs a unit: write it as a string like \"" + unit_example(dim) + "\"" +
                                 (v->is_number() ? " (units: " + unit_examples(dim) + ")" : ""));
      return fallback;
    }
    try {
      const std::string& text = v->get_ref<const std::string&>();
      Q q = parse<Q>(text, path(key));
      if (std::signbit(q.value)) {
        diag_.error(path(key), "must not be negative, got '" + text + "'");
        return fallback;
      }
      const QuantityRange range = sane_range(dim);
      if (!(q.value >= range.min && q.value <= range.max) && !(zero_means_none && q.value == 0)) {
        diag_.error(path(key), "must be " + std::string(range.text) + (zero_means_none ? " (or 0 for none)" : "") +
                                   ", got '" + text + "'");
        return fallback;
      }
      return q;
    } catch (const Error& e) {
      diag_.error(e.path(), e.message());
      return fallback;
    }
  }

  // One error line naming every key of `keys` the object lacks, e.g. "model: missing hidden, vocab (required for a
  // custom model)"; nothing when the object is not one (the constructor said so already).
  void require(const std::vector<std::string>& keys, const std::string& for_what);

  // Records an error for every key of the object that no getter asked for.
  void finish();

 private:
  const nlohmann::json& obj_;
  std::string path_;
  Diagnostics& diag_;
  std::set<std::string> known_;
  bool valid_ = true;
};

}  // namespace aiscale

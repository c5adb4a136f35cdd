#include "models/units.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

#include "models/error.hpp"

namespace aiscale {

namespace {

struct Unit {
  std::string_view name;
  double factor;  // multiply the number by this to get SI base units
};

// Decimal prefixes for rates and sizes (networking and datasheets use SI), binary ones for memory (GiB).
constexpr std::array kBytes{Unit{"B", 1},           Unit{"KB", 1e3},           Unit{"MB", 1e6},
                            Unit{"GB", 1e9},        Unit{"TB", 1e12},          Unit{"KiB", 1024.0},
                            Unit{"MiB", 1048576.0}, Unit{"GiB", 1073741824.0}, Unit{"TiB", 1099511627776.0}};
constexpr std::array kBandwidth{Unit{"bps", 1.0 / 8},  Unit{"Kbps", 1e3 / 8},  Unit{"Mbps", 1e6 / 8},
                                Unit{"Gbps", 1e9 / 8}, Unit{"Tbps", 1e12 / 8}, Unit{"Bps", 1},
                                Unit{"KBps", 1e3},     Unit{"MBps", 1e6},      Unit{"GBps", 1e9},
                                Unit{"TBps", 1e12},    Unit{"B/s", 1},         Unit{"KB/s", 1e3},
                                Unit{"MB/s", 1e6},     Unit{"GB/s", 1e9},      Unit{"TB/s", 1e12},
                                Unit{"Gb/s", 1e9 / 8}, Unit{"Tb/s", 1e12 / 8}, Unit{"GiBps", 1073741824.0}};
constexpr std::array kTime{Unit{"ns", 1e-9}, Unit{"us", 1e-6}, Unit{"\xC2\xB5s", 1e-6},
                           Unit{"ms", 1e-3}, Unit{"s", 1},     Unit{"min", 60},
                           Unit{"h", 3600},  Unit{"d", 86400}, Unit{"days", 86400}};
constexpr std::array kPower{Unit{"W", 1}, Unit{"kW", 1e3}, Unit{"MW", 1e6}};
constexpr std::array kFlops{Unit{"FLOPS", 1}, Unit{"GFLOPS", 1e9}, Unit{"TFLOPS", 1e12}, Unit{"PFLOPS", 1e15},
                            Unit{"EFLOPS", 1e18}};
constexpr std::array kMoney{Unit{"USD", 1}, Unit{"kUSD", 1e3}, Unit{"MUSD", 1e6}};
constexpr std::array kEnergy{Unit{"J", 1},       Unit{"kJ", 1e3},    Unit{"Wh", 3600},
                             Unit{"kWh", 3.6e6}, Unit{"MWh", 3.6e9}, Unit{"GWh", 3.6e12}};

template <size_t N>
std::string join(const std::array<Unit, N>& units) {
  std::string out;
  for (const auto& u : units) {
    if (!out.empty()) out += ", ";
    out += u.name;
  }
  return out;
}

template <typename F>
auto with_units(Dim dim, F&& f) {
  switch (dim) {
    case Dim::Bytes:
      return f(kBytes);
    case Dim::Bandwidth:
      return f(kBandwidth);
    case Dim::Time:
      return f(kTime);
    case Dim::Power:
      return f(kPower);
    case Dim::FlopRate:
      return f(kFlops);
    case Dim::Money:
      return f(kMoney);
    case Dim::Energy:
      return f(kEnergy);
  }
  return f(kBytes);
}

std::string fmt(const char* pattern, double v, const char* unit) {
  char buf[64];
  std::snprintf(buf, sizeof buf, pattern, v, unit);
  return buf;
}

}  // namespace

std::string unit_examples(Dim dim) {
  return with_units(dim, [](const auto& units) { return join(units); });
}

QuantityRange sane_range(Dim dim) {
  switch (dim) {
    case Dim::Bytes:
      return {1e3, 1e15, "between 1KB and 1000TB"};
    case Dim::Bandwidth:
      return {1e3, 1e15, "between 1KBps and 1000TBps"};
    case Dim::Time:
      return {0, 86400, "between 0s and 1d"};
    case Dim::Power:
      return {1, 1e6, "between 1W and 1MW"};
    case Dim::FlopRate:
      return {1e9, 1e18, "between 1GFLOPS and 1EFLOPS"};
    case Dim::Money:
      return {1e-4, 1e6, "between 0.0001USD and 1MUSD"};
    case Dim::Energy:
      return {1, 3.6e15, "between 1J and 1000GWh"};
  }
  return {0, 0, ""};
}

std::string unit_example(Dim dim) {
  switch (dim) {
    case Dim::Bytes:
      return "80GiB";
    case Dim::Bandwidth:
      return "400Gbps";
    case Dim::Time:
      return "1.5us";
    case Dim::Power:
      return "700W";
    case Dim::FlopRate:
      return "989TFLOPS";
    case Dim::Money:
      return "2.0USD";
    case Dim::Energy:
      return "1.5MWh";
  }
  return "";
}

double parse_quantity(std::string_view text, Dim dim, std::string_view field) {
  const std::string f(field);
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  const size_t num_start = i;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.' || text[i] == '-' ||
                             text[i] == '+' || ((text[i] == 'e' || text[i] == 'E') && i > num_start))) {
    // 'e' starts an exponent only when a digit or sign follows; otherwise it begins a unit.
    if ((text[i] == 'e' || text[i] == 'E') &&
        !(i + 1 < text.size() &&
          (std::isdigit(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '-' || text[i + 1] == '+')))
      break;
    ++i;
  }
  double value = 0;
  const auto* first = text.data() + num_start;
  const auto* last = text.data() + i;
  const auto res = std::from_chars(first, last, value);
  if (num_start == i || res.ec != std::errc() || res.ptr != last)
    throw Error(f,
                "'" + std::string(text) + "' is not a number with a unit; write it like \"" + unit_example(dim) + "\"");
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  std::string_view unit = text.substr(i);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.remove_suffix(1);
  if (unit.empty())
    throw Error(f, "'" + std::string(text) + "' has no unit; add one of " + unit_examples(dim) + " (e.g. \"" +
                       unit_example(dim) + "\")");
  if (!std::isfinite(value)) throw Error(f, "'" + std::string(text) + "' is not a finite number");
  const double factor = with_units(dim, [&](const auto& units) {
    for (const auto& u : units)
      if (u.name == unit) return u.factor;
    return 0.0;
  });
  if (factor == 0.0)
    throw Error(
        f, "unknown unit '" + std::string(unit) + "' in '" + std::string(text) + "'; use one of " + unit_examples(dim));
  const double si = value * factor;
  if (!std::isfinite(si)) throw Error(f, "'" + std::string(text) + "' is too large to represent; check the exponent");
  return si;
}

std::string format_bytes(double b) {
  const double a = std::fabs(b);
  if (a >= 1099511627776.0) return fmt("%.2f %s", b / 1099511627776.0, "TiB");
  if (a >= 1073741824.0) return fmt("%.2f %s", b / 1073741824.0, "GiB");
  if (a >= 1048576.0) return fmt("%.1f %s", b / 1048576.0, "MiB");
  if (a >= 1024.0) return fmt("%.1f %s", b / 1024.0, "KiB");
  return fmt("%.0f %s", b, "B");
}

std::string format_bandwidth(double bps) {
  const double a = std::fabs(bps);
  if (a >= 1e12) return fmt("%.2f %s", bps / 1e12, "TB/s");
  if (a >= 1e9) return fmt("%.1f %s", bps / 1e9, "GB/s");
  if (a >= 1e6) return fmt("%.1f %s", bps / 1e6, "MB/s");
  return fmt("%.0f %s", bps, "B/s");
}

std::string format_time(double s) {
  const double a = std::fabs(s);
  if (a >= 2 * 86400.0) return fmt("%.1f %s", s / 86400.0, "days");
  if (a >= 2 * 3600.0) return fmt("%.1f %s", s / 3600.0, "h");
  if (a >= 1.0) return fmt("%.3f %s", s, "s");
  if (a >= 1e-3) return fmt("%.2f %s", s * 1e3, "ms");
  if (a >= 1e-6) return fmt("%.2f %s", s * 1e6, "us");
  return fmt("%.0f %s", s * 1e9, "ns");
}

std::string format_count(long long n) {
  // Thousands separators, built by appending (GCC 12 warns falsely on std::string::insert here).
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string s = n < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s.push_back(',');
    s.push_back(digits[i]);
  }
  return s;
}

}  // namespace aiscale

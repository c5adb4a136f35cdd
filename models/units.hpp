#pragma once
// Dimensioned quantities: strings such as "400Gbps", "1.5us", "80GiB" parsed once into strong types (SI base units).
#include <string>
#include <string_view>

namespace aiscale {

enum class Dim { Bytes, Bandwidth, Time, Power, FlopRate, Money, Energy };

// A value in SI base units: bytes, bytes/s, seconds, watts, FLOP/s, USD, joules.
template <Dim D>
struct Quantity {
  double value = 0.0;
  constexpr Quantity() = default;
  constexpr explicit Quantity(double v) : value(v) {}
  constexpr double operator()() const { return value; }
  friend constexpr bool operator==(Quantity a, Quantity b) { return a.value == b.value; }
  friend constexpr auto operator<=>(Quantity a, Quantity b) { return a.value <=> b.value; }
  friend constexpr Quantity operator+(Quantity a, Quantity b) { return Quantity(a.value + b.value); }
  friend constexpr Quantity operator*(Quantity a, double k) { return Quantity(a.value * k); }
  friend constexpr Quantity operator*(double k, Quantity a) { return Quantity(a.value * k); }
};

using Bytes = Quantity<Dim::Bytes>;
using Bandwidth = Quantity<Dim::Bandwidth>;  // bytes per second
using Seconds = Quantity<Dim::Time>;
using Watts = Quantity<Dim::Power>;
using FlopRate = Quantity<Dim::FlopRate>;  // FLOP per second
using Usd = Quantity<Dim::Money>;
using Joules = Quantity<Dim::Energy>;

// Parse "<number><unit>" for dimension D; throws aiscale::Error naming `field` and the units to use, also when the
// value in base units is not finite (1e308Gbps).
double parse_quantity(std::string_view text, Dim dim, std::string_view field);

template <typename Q>
struct DimOf;
template <Dim D>
struct DimOf<Quantity<D>> {
  static constexpr Dim value = D;
};

// Typed parse: parse<Bandwidth>("400Gbps", "cluster.scale_out.nic").
template <typename Q>
Q parse(std::string_view text, std::string_view field) {
  return Q(parse_quantity(text, DimOf<Q>::value, field));
}

// The physically sane range of an input quantity of each dimension, in SI base units, and the same in words
// ("between 1KBps and 1000TBps"). Generous by orders of magnitude; what lies outside is a typo or an overflow.
struct QuantityRange {
  double min;
  double max;
  const char* text;
};
QuantityRange sane_range(Dim dim);

// The units accepted for a dimension, for error messages ("GBps, Gbps, MBps, ...").
std::string unit_examples(Dim dim);
// A short example value for a dimension ("300GBps").
std::string unit_example(Dim dim);

// Human-readable formatting in the customary unit of each dimension.
std::string format_bytes(double bytes);          // "80.0 GiB"
std::string format_bandwidth(double bytes_per_s);  // "300.0 GB/s"
std::string format_time(double seconds);         // "1.25 ms", "3.4 s", "12.1 days"
std::string format_count(long long n);           // "65,536"

}  // namespace aiscale

#include "calibration/bench_options.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "models/error.hpp"

namespace aiscale::calibration {

bool BenchOptions::has(const std::string& suite) const {
  return std::find(suites.begin(), suites.end(), suite) != suites.end();
}

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string t; std::getline(in, t, ',');)
    if (!t.empty()) out.push_back(t);
  return out;
}

int parse_int(const std::string& text, const std::string& option, int min_value) {
  int v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || v < min_value)
    throw Error(option, "expected a whole number >= " + std::to_string(min_value) + ", got '" + text + "'");
  return v;
}

void check_all(const std::vector<std::string>& got, const std::vector<std::string>& allowed, const std::string& option) {
  if (got.empty()) throw Error(option, "needs at least one value");
  for (const auto& g : got)
    if (std::find(allowed.begin(), allowed.end(), g) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      const std::string near = nearest(g, allowed);
      throw Error(option, "unknown value '" + g + "' (choose from " + list + ")" +
                              (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
}

}  // namespace

double parse_size(const std::string& text, const std::string& option) {
  double v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  auto r = std::from_chars(b, e, v);
  if (r.ec != std::errc() || v <= 0 || !std::isfinite(v))
    throw Error(option, "expected a size like 1K, 512M or 8G, got '" + text + "'");
  const std::string unit(r.ptr, e);
  double mul = 1;
  if (unit == "K" || unit == "k" || unit == "KiB") mul = 1024.0;
  else if (unit == "M" || unit == "m" || unit == "MiB") mul = 1024.0 * 1024;
  else if (unit == "G" || unit == "g" || unit == "GiB") mul = 1024.0 * 1024 * 1024;
  else if (!unit.empty() && unit != "B") throw Error(option, "unknown size unit '" + unit + "' (use K, M or G)");
  return std::round(v * mul);
}

BenchOptions parse_bench_args(const std::vector<std::string>& args) {
  BenchOptions o;
  bool reps_set = false, warmup_set = false, max_set = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw Error(a, "needs a value");
      return args[++i];
    };
    if (a == "-h" || a == "--help") o.help = true;
    else if (a == "--quick") o.quick = true;
    else if (a == "-o" || a == "--output") o.output = value();
    else if (a == "--scenario") o.scenario = value();
    else if (a == "--gpu") o.gpu = value();
    else if (a == "--dtypes") check_all(o.dtypes = split_list(value()), {"bf16", "fp16", "tf32", "fp8"}, a);
    else if (a == "--suites") check_all(o.suites = split_list(value()), {"gemm", "memory", "p2p", "nccl"}, a);
    else if (a == "--min-bytes" || a == "-b") o.min_bytes = parse_size(value(), a);
    else if (a == "--max-bytes" || a == "-e") o.max_bytes = parse_size(value(), a), max_set = true;
    else if (a == "--warmup") o.warmup = parse_int(value(), a, 0), warmup_set = true;
    else if (a == "--reps") o.reps = parse_int(value(), a, 1), reps_set = true;
    else if (a == "--device") o.device = parse_int(value(), a, 0);
    else throw Error(a, "unknown option (see --help)");
  }
  if (o.help) return o;
  if (o.output.empty()) throw Error("-o", "is required: the calibration profile to write");
  if (o.min_bytes > o.max_bytes) throw Error("--min-bytes", "is larger than --max-bytes");
  if (o.quick) {
    // A quick run is for checking a machine, not for a profile to plan with: fewer reps, sizes up to 1 GiB.
    if (!reps_set) o.reps = 5;
    if (!warmup_set) o.warmup = 2;
    if (!max_set) o.max_bytes = std::min(o.max_bytes, 1024.0 * 1024 * 1024);
  }
  return o;
}

std::string bench_usage() {
  return "usage: aiscale-calibrate -o PROFILE [options]\n"
         "Measures this machine's GPUs and writes an aiscale/calibration/v1 profile.\n"
         "  -o, --output FILE     profile to write (written only when every benchmark succeeds)\n"
         "  --quick               fewer repetitions, collectives up to 1G\n"
         "  --scenario FILE       also time the GEMM shapes this scenario's layers produce\n"
         "  --gpu NAME            catalog GPU name (default: from the device name)\n"
         "  --dtypes LIST         GEMM types: bf16,fp16,tf32,fp8 (fp8 only where the GPU has it)\n"
         "  --suites LIST         gemm,memory,p2p,nccl\n"
         "  -b, --min-bytes SIZE  smallest collective (default 1K)\n"
         "  -e, --max-bytes SIZE  largest collective (default 8G)\n"
         "  --warmup N --reps N   untimed and timed repetitions (median reported)\n"
         "  --device N            GPU for the single-GPU benchmarks\n"
         "Across nodes: launch under MPI (one process per GPU) in a build with MPI support.\n";
}

std::vector<double> collective_sizes(double min_bytes, double max_bytes, double factor) {
  std::vector<double> out;
  if (factor <= 1) factor = 2;
  for (double s = min_bytes; s <= max_bytes * (1 + 1e-9); s *= factor) out.push_back(std::round(s));
  return out;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

}  // namespace aiscale::calibration

#pragma once
// Command-line options of aiscale-calibrate (the CUDA microbenchmarks) and the size grids they imply.
#include <string>
#include <vector>

namespace aiscale::calibration {

struct BenchOptions {
  bool help = false;
  bool quick = false;
  std::string output;    // profile to write (required)
  std::string scenario;  // optional: also measure this scenario's GEMM shapes
  std::string gpu;       // catalog name; "" = from the device name
  std::vector<std::string> dtypes = {"bf16", "fp16", "tf32", "fp8"};
  std::vector<std::string> suites = {"gemm", "memory", "p2p", "nccl"};
  double min_bytes = 1024;                    // collective sweep, as nccl-tests -b
  double max_bytes = 8.0 * 1024 * 1024 * 1024;  // as nccl-tests -e
  int warmup = 5;
  int reps = 20;
  int device = 0;
  bool has(const std::string& suite) const;
};

// Parses argv[1..] ("--quick", "-o FILE", "--dtypes bf16,fp8", "--min-bytes 1K" ...); throws aiscale::Error naming
// the option. --quick lowers reps, warm-up and the largest size unless they are given explicitly.
BenchOptions parse_bench_args(const std::vector<std::string>& args);

// The usage text printed by --help.
std::string bench_usage();

// "8G", "1K", "512M", "4096" in bytes (binary multiples, as nccl-tests reads -b/-e); throws aiscale::Error.
double parse_size(const std::string& text, const std::string& option);

// Sizes from min to max by `factor` (nccl-tests -f), rounded to whole bytes.
std::vector<double> collective_sizes(double min_bytes, double max_bytes, double factor = 2);

// Median of repeated timings (robust to the odd preempted or throttled repetition).
double median(std::vector<double> v);

}  // namespace aiscale::calibration

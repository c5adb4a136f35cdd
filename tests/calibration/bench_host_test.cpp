#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "calibration/bench_check.hpp"
#include "calibration/bench_options.hpp"
#include "calibration/gemm_shapes.hpp"
#include "models/error.hpp"
#include "models/scenario.hpp"

using namespace aiscale;
using namespace aiscale::calibration;

namespace {
std::string error_of(const std::vector<std::string>& args) {
  try {
    parse_bench_args(args);
  } catch (const Error& e) {
    return e.path() + ": " + e.message();
  }
  return "";
}
}  // namespace

TEST(BenchOptions, DefaultsAndQuick) {
  BenchOptions o = parse_bench_args({"-o", "p.json"});
  EXPECT_EQ(o.output, "p.json");
  EXPECT_FALSE(o.quick);
  EXPECT_EQ(o.reps, 20);
  EXPECT_EQ(o.max_bytes, 8.0 * (1LL << 30));
  EXPECT_TRUE(o.has("nccl"));
  o = parse_bench_args({"--quick", "-o", "p.json"});
  EXPECT_EQ(o.reps, 5);
  EXPECT_EQ(o.max_bytes, 1.0 * (1LL << 30));
  o = parse_bench_args({"--quick", "--reps", "9", "-e", "2G", "-b", "4K", "--dtypes", "bf16,fp8", "--suites", "gemm",
                        "--output", "x.json", "--device", "1", "--gpu", "h100-sxm"});
  EXPECT_EQ(o.reps, 9);
  EXPECT_EQ(o.max_bytes, 2.0 * (1LL << 30));
  EXPECT_EQ(o.min_bytes, 4096);
  EXPECT_EQ(o.dtypes, (std::vector<std::string>{"bf16", "fp8"}));
  EXPECT_FALSE(o.has("nccl"));
  EXPECT_EQ(o.device, 1);
  EXPECT_TRUE(parse_bench_args({"--help"}).help);
  EXPECT_NE(bench_usage().find("--quick"), std::string::npos);
}

TEST(BenchOptions, BadArguments) {
  EXPECT_NE(error_of({}).find("-o: is required"), std::string::npos);
  EXPECT_NE(error_of({"-o"}).find("needs a value"), std::string::npos);
  EXPECT_NE(error_of({"-o", "p", "--fast"}).find("unknown option"), std::string::npos);
  EXPECT_NE(error_of({"-o", "p", "--dtypes", "bf61"}).find("did you mean 'bf16'"), std::string::npos);
  EXPECT_NE(error_of({"-o", "p", "--reps", "0"}).find(">= 1"), std::string::npos);
  EXPECT_NE(error_of({"-o", "p", "-e", "8T"}).find("unknown size unit"), std::string::npos);
  EXPECT_NE(error_of({"-o", "p", "-b", "2G", "-e", "1G"}).find("larger than"), std::string::npos);
}

TEST(BenchOptions, SizesAndMedian) {
  EXPECT_EQ(parse_size("1K", "-b"), 1024);
  EXPECT_EQ(parse_size("512M", "-b"), 512.0 * (1 << 20));
  EXPECT_EQ(parse_size("4096", "-b"), 4096);
  const auto s = collective_sizes(1024, 8.0 * (1LL << 30));
  EXPECT_EQ(s.size(), 24u);  // 1 KB .. 8 GB by 2, as nccl-tests -b 1K -e 8G -f 2
  EXPECT_EQ(s.front(), 1024);
  EXPECT_EQ(s.back(), 8.0 * (1LL << 30));
  EXPECT_EQ(collective_sizes(1024, 1 << 20, 4).size(), 6u);
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median({}), 0);
}

// The GEMM patterns are exact in every benchmarked input type, so the reference is exact too.
TEST(BenchCheck, GemmPatternsAndReference) {
  for (long i = 0; i < 50; ++i)
    for (long k = 0; k < 50; ++k) {
      const float a = gemm_a(i, k), b = gemm_b(k, i);
      EXPECT_EQ(a * 8, std::round(a * 8));  // multiples of 1/8 in [-0.25, 0.25]: exact in fp8 e4m3 and up
      EXPECT_LE(std::fabs(a), 0.25f);
      EXPECT_EQ(b * 2, std::round(b * 2));
      EXPECT_LE(std::fabs(b), 0.5f);
    }
  // Brute force against a naive triple loop on a small, odd-sized problem.
  const long m = 7, n = 5, k = 13;
  for (long i = 0; i < m; ++i)
    for (long j = 0; j < n; ++j) {
      double c = 0;
      for (long kk = 0; kk < k; ++kk) c += gemm_a(i, kk) * gemm_b(kk, j);
      EXPECT_DOUBLE_EQ(gemm_reference(i, j, k), c);
    }
  // Not a trivially constant output: a transposed or shifted result would be caught.
  EXPECT_NE(gemm_reference(0, 0, 64), gemm_reference(1, 0, 64));
  EXPECT_NE(gemm_reference(0, 0, 64), gemm_reference(0, 1, 64));
}

// expected_collective against a direct simulation of each collective on host buffers.
TEST(BenchCheck, CollectiveReferences) {
  const int n = 4;
  const long count = 12;  // elements per rank (nccl-tests convention per op)
  auto send = [&](int r, long e) { return static_cast<double>(coll_value(r, e)); };
  for (int r = 0; r < n; ++r) {
    for (long e = 0; e < count; ++e) {
      double sum = 0;
      for (int q = 0; q < n; ++q) sum += send(q, e);
      EXPECT_EQ(expected_collective("all_reduce", r, n, count, e), sum);
      EXPECT_EQ(expected_collective("send_recv", r, n, count, e), send((r + n - 1) % n, e));
      const long per = count / n;  // all_to_all: block p of rank r's receive buffer is block r of rank p's send
      EXPECT_EQ(expected_collective("all_to_all", r, n, count, e), send(static_cast<int>(e / per), r * per + e % per));
    }
    const long sendcount = 3;  // all_gather: receive holds n * sendcount
    for (long e = 0; e < n * sendcount; ++e)
      EXPECT_EQ(expected_collective("all_gather", r, n, sendcount, e), send(static_cast<int>(e / sendcount), e % sendcount));
    for (long e = 0; e < sendcount; ++e) {  // reduce_scatter: rank r gets the sum of block r
      double sum = 0;
      for (int q = 0; q < n; ++q) sum += send(q, r * sendcount + e);
      EXPECT_EQ(expected_collective("reduce_scatter", r, n, sendcount, e), sum);
    }
  }
  EXPECT_THROW(expected_collective("broadcast", 0, 2, 4, 0), Error);
}

TEST(BenchCheck, CheckCloseCatchesUnwrittenAndWrongOutputs) {
  const std::vector<long> idx = {0, 5, 9};
  EXPECT_TRUE(check_close(idx, {1, 2, 3}, {1, 2, 3}, 0, 0).ok);
  EXPECT_TRUE(check_close(idx, {1, 2.01, 3}, {1, 2, 3}, 0.01, 0).ok);
  const CheckResult bad = check_close(idx, {1, 2, NAN}, {1, 2, 3}, 1, 1);
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.first_bad, 9);
  EXPECT_NE(bad.describe().find("element 9"), std::string::npos);
  EXPECT_FALSE(check_close(idx, {1, 2.5, 3}, {1, 2, 3}, 0.1, 0).ok);
  EXPECT_THROW(check_close(idx, {1}, {1, 2, 3}, 0, 0), Error);
  const auto s = sample_indices(1000000);
  EXPECT_EQ(s.size(), 64u);
  for (long i : s) EXPECT_TRUE(i >= 0 && i < 1000000);
  EXPECT_EQ(s[0], 0);
  EXPECT_EQ(s[3], 999999);
  EXPECT_EQ(sample_indices(5).size(), 5u);
  EXPECT_EQ(s, sample_indices(1000000));
}

TEST(GemmShapes, GridAndScenarioShapes) {
  const auto grid = standard_gemm_grid(false), quick = standard_gemm_grid(true);
  EXPECT_GT(grid.size(), quick.size());
  EXPECT_GE(quick.size(), 3u);
  // GPT-3 175B, TP 8, micro-batch 1, sequence 2048 (the built-in default scenario).
  const Scenario sc = parse_scenario(default_scenario_json());
  const auto shapes = scenario_gemm_shapes(sc);
  ASSERT_FALSE(shapes.empty());
  bool fc1 = false;
  for (const auto& s : shapes) {
    EXPECT_GT(s.m, 0);
    EXPECT_GT(s.n, 0);
    EXPECT_GT(s.k, 0);
    if (s.origin == "fc1 fwd") {
      fc1 = true;
      EXPECT_EQ(s.m, 2048);        // tokens per micro-batch
      EXPECT_EQ(s.n, 4 * 12288 / 8);  // GELU FFN 4h, split over TP 8
      EXPECT_EQ(s.k, 12288);
    }
  }
  EXPECT_TRUE(fc1);
  // Merging drops duplicates.
  const auto merged = merge_shapes(grid, shapes);
  EXPECT_EQ(merge_shapes(merged, shapes).size(), merged.size());
}

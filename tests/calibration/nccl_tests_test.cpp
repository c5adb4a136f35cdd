#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "calibration/nccl_tests.hpp"
#include "models/error.hpp"

using namespace aiscale;
using namespace aiscale::calibration;

namespace {

std::string data(const std::string& name) { return std::string(AISCALE_SOURCE_DIR) + "/tests/calibration/data/" + name; }

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* kNvls = "nccl-tests-290_H100_1node_8gpu_allreduce_NVLS.txt";
const char* kRing = "nccl-tests-290_H100_2node_16gpu_allreduce_RING.txt";
const char* kDefault = "nccl-tests-290_H100_2node_16gpu_allreduce_default.txt";
const char* kSendRecv = "li-plus_A100_8gpu_sendrecv.txt";

// The error a parse of `text` throws, as "path|message" ("" when it parses).
std::string error_of(const std::string& text, const std::string& file = "x_all_reduce_perf.log",
                     const NcclParseHints& hints = {}) {
  try {
    parse_nccl_tests(text, file, hints);
  } catch (const Error& e) {
    return e.path() + "|" + e.message();
  }
  return "";
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  const size_t p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  return p == std::string::npos ? s : s.replace(p, from.size(), to);
}

}  // namespace

TEST(NcclTests, SingleNodeNvlsLog) {
  const auto log = read_nccl_tests(data(kNvls));
  EXPECT_EQ(log.op, "all_reduce");  // from the file name: this log has no command line
  EXPECT_EQ(log.ranks, 8);
  EXPECT_EQ(log.nodes, 1);
  EXPECT_EQ(log.gpu_name, "NVIDIA H100 80GB HBM3");
  ASSERT_EQ(log.rows.size(), 6u);
  EXPECT_EQ(log.rows[0].bytes, 134217728);
  EXPECT_EQ(log.rows[0].count, 33554432);
  EXPECT_EQ(log.rows[0].type, "float");
  EXPECT_EQ(log.rows[0].redop, "sum");
  EXPECT_EQ(log.rows[0].root, -1);
  EXPECT_DOUBLE_EQ(log.rows[0].out_of_place.time_us, 613.3);
  EXPECT_DOUBLE_EQ(log.rows[0].out_of_place.busbw_gbps, 382.99);
  EXPECT_EQ(log.rows[0].out_of_place.wrong, 0);
  ASSERT_TRUE(log.rows[0].in_place);
  EXPECT_DOUBLE_EQ(log.rows[0].in_place->time_us, 614.3);
  EXPECT_DOUBLE_EQ(log.rows[5].out_of_place.time_us, 15870);
  ASSERT_TRUE(log.avg_busbw_gbps);
  EXPECT_DOUBLE_EQ(*log.avg_busbw_gbps, 439.369);
  ASSERT_FALSE(log.source_lines.empty());
  EXPECT_NE(log.source_lines[0].find("NVIDIA/nccl-tests#290"), std::string::npos);
  EXPECT_NE(log.header.find("nGpus 8"), std::string::npos);
}

TEST(NcclTests, MultiNodeLogWithRankPrefixes) {
  for (const char* f : {kRing, kDefault}) {
    SCOPED_TRACE(f);
    const auto log = read_nccl_tests(data(f));
    EXPECT_EQ(log.op, "all_reduce");
    EXPECT_EQ(log.ranks, 16);
    EXPECT_EQ(log.nodes, 2);  // node005 and node007
    ASSERT_EQ(log.rows.size(), 11u);
    EXPECT_EQ(log.rows.front().bytes, 8388608);
    EXPECT_EQ(log.rows.back().bytes, 8589934592.0);
    EXPECT_EQ(log.rows.front().out_of_place.wrong, -1);  // N/A: validation was off
    EXPECT_TRUE(log.avg_busbw_gbps);
  }
  EXPECT_DOUBLE_EQ(read_nccl_tests(data(kRing)).rows.back().out_of_place.time_us, 179148);
}

TEST(NcclTests, SendRecvLogWithoutDeviceList) {
  const auto log = read_nccl_tests(data(kSendRecv));
  EXPECT_EQ(log.op, "send_recv");  // from the pasted command line
  EXPECT_EQ(log.ranks, 8);         // its -g 8
  EXPECT_EQ(log.nodes, 1);
  EXPECT_TRUE(log.gpu_name.empty());
  ASSERT_EQ(log.rows.size(), 4u);
  EXPECT_DOUBLE_EQ(log.rows[3].out_of_place.busbw_gbps, 195.10);
  EXPECT_EQ(log.rows[3].out_of_place.wrong, 0);
  EXPECT_EQ(log.rows[3].in_place->wrong, -1);
  EXPECT_FALSE(log.avg_busbw_gbps);
}

TEST(NcclTests, OpFromNames) {
  EXPECT_EQ(op_from_name("./build/all_reduce_perf"), "all_reduce");
  EXPECT_EQ(op_from_name("reduce_scatter_perf"), "reduce_scatter");
  EXPECT_EQ(op_from_name("run-AllGather.log"), "all_gather");
  EXPECT_EQ(op_from_name("alltoall_perf"), "all_to_all");
  EXPECT_EQ(op_from_name("sendrecv_perf"), "send_recv");
  EXPECT_EQ(op_from_name("broadcast_perf"), "");
}

TEST(NcclTests, TruncatedRowNamesFileAndLine) {
  const std::string text = slurp(data(kNvls));
  const size_t p = text.find("  1073741824");
  const std::string cut = text.substr(0, p + 40);
  const std::string e = error_of(cut, "cut_all_reduce.log");
  // The cut row is line 22 of the log.
  EXPECT_EQ(e.substr(0, e.find('|')), "cut_all_reduce.log:22") << e;
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
}

TEST(NcclTests, MissingRowsCaughtByTheAverage) {
  std::string text = slurp(data(kNvls));
  const size_t a = text.find("   134217728"), b = text.find('\n', a);
  text.erase(a, b - a + 1);
  const std::string e = error_of(text);
  EXPECT_NE(e.find("rows are missing"), std::string::npos) << e;
}

TEST(NcclTests, HeaderOnlyLogIsTruncated) {
  const std::string text = slurp(data(kNvls));
  const std::string e = error_of(text.substr(0, text.find("   134217728")));
  EXPECT_NE(e.find("no rows"), std::string::npos) << e;
}

TEST(NcclTests, ReorderedRows) {
  std::string text = slurp(data(kRing));
  const std::string r1 = " 0:     16777216       4194304     float     sum      -1    495.4   33.87   63.50    N/A    461.0   36.39   68.24    N/A\n";
  const std::string r2 = " 0:     33554432       8388608     float     sum      -1    666.0   50.38   94.47    N/A    665.8   50.40   94.50    N/A\n";
  text = replace_once(text, r1 + r2, r2 + r1);
  const std::string e = error_of(text, "ring_all_reduce.log");
  EXPECT_EQ(e.substr(0, e.find('|')), "ring_all_reduce.log:30") << e;
  EXPECT_NE(e.find("not larger"), std::string::npos) << e;
}

TEST(NcclTests, GarbageInput) {
  EXPECT_NE(error_of("hello\nworld\n").find("not an nccl-tests log"), std::string::npos);
  EXPECT_EQ(error_of("hello\nworld\n").substr(0, error_of("hello\nworld\n").find('|')), "x_all_reduce_perf.log:1");
  EXPECT_NE(error_of(std::string("\x7f" "ELF\0\0\x01", 7)).find("binary"), std::string::npos);
  EXPECT_NE(error_of("").find("not an nccl-tests log"), std::string::npos);
  // A stray line inside the result table.
  std::string text = slurp(data(kNvls));
  text = replace_once(text, "   268435456", "garbage here\n   268435456");
  const std::string e = error_of(text);
  EXPECT_NE(e.find(":20|expected a result row"), std::string::npos) << e;
  // Words where numbers belong.
  text = replace_once(slurp(data(kNvls)), "613.3  218.85", "fast  218.85");
  EXPECT_NE(error_of(text).find("time 'fast'"), std::string::npos);
}

TEST(NcclTests, DamagedAndFailedRows) {
  // algbw inconsistent with size / time.
  std::string text = replace_once(slurp(data(kNvls)), "613.3  218.85", "413.3  218.85");
  EXPECT_NE(error_of(text).find("does not match size/time"), std::string::npos);
  // A run that failed its own validation.
  text = replace_once(slurp(data(kNvls)), "382.99      0", "382.99      3");
  EXPECT_NE(error_of(text).find("wrong values"), std::string::npos);
  // Rank count that disagrees with busbw/algbw.
  NcclParseHints h;
  h.ranks = 4;
  EXPECT_NE(error_of(slurp(data(kNvls)), "a_all_reduce.log", h).find("bus factor"), std::string::npos);
  // Unknown collective.
  EXPECT_NE(error_of(slurp(data(kNvls)), "mystery.log").find("which collective"), std::string::npos);
  h = {};
  h.op = "all_reduce";
  EXPECT_EQ(error_of(slurp(data(kNvls)), "mystery.log", h), "");
}

TEST(NcclTests, OlderFormatWithoutRootColumn) {
  const std::string text =
      "# nThread 1 nGpus 2 minBytes 8 maxBytes 1024 step: 2(factor) warmup iters: 5 iters: 20 validation: 1\n"
      "#                                                     out-of-place                       in-place\n"
      "#       size         count    type   redop     time   algbw   busbw  error     time   algbw   busbw  error\n"
      "     1048576        262144   float     sum    100.0   10.49   10.49  0e+00    100.0   10.49   10.49  0e+00\n"
      "     2097152        524288   float     sum    150.0   13.98   13.98  0e+00    150.0   13.98   13.98  0e+00\n";
  const auto log = parse_nccl_tests(text, "old_all_reduce_perf.log");
  EXPECT_EQ(log.ranks, 2);
  ASSERT_EQ(log.rows.size(), 2u);
  EXPECT_EQ(log.rows[1].out_of_place.wrong, 0);
}

#pragma once
// Reader for the standard nccl-tests output (all_reduce_perf, all_gather_perf, reduce_scatter_perf, alltoall_perf,
// sendrecv_perf), so a site can calibrate from logs it already has.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aiscale::calibration {

// One timing column group of a result row (out-of-place or in-place).
struct NcclTiming {
  double time_us = 0;
  double algbw_gbps = 0;  // GB/s = 1e9 bytes/s, as nccl-tests prints it
  double busbw_gbps = 0;
  long wrong = -1;  // #wrong; -1 where the log says N/A (validation off)
};

// One line of the result table.
struct NcclRow {
  int line = 0;  // 1-based line number in the log
  double bytes = 0;
  double count = 0;
  std::string type, redop;
  long root = -1;
  NcclTiming out_of_place;
  std::optional<NcclTiming> in_place;  // absent when the log prints N/A
};

// One "#  Rank  0 Group  0 Pid 1 on node005 device  0 [0x18] NVIDIA H100 80GB HBM3" line.
struct NcclDevice {
  int rank = 0;
  std::string host;
  int device = 0;
  std::string name;
};

// A parsed log: which collective, on how many ranks and nodes, and its result rows in increasing size.
struct NcclTestsLog {
  std::string file;
  std::string op;  // all_reduce, all_gather, reduce_scatter, all_to_all, send_recv
  int ranks = 0, nodes = 1;
  std::string algo;  // NCCL_ALGO the run forced, when the log records it ("" = NCCL's choice)
  std::string gpu_name;                  // device name from the device list ("" when the log has none)
  std::vector<NcclDevice> devices;
  std::vector<NcclRow> rows;
  std::optional<double> avg_busbw_gbps;  // "# Avg bus bandwidth" line
  std::vector<std::string> source_lines;  // "# SOURCE: ..." provenance comments
  std::string header;                     // the "# nThread ..." line, when present
};

// What the caller knows better than the log (all optional).
struct NcclParseHints {
  std::string op;  // overrides detection
  int ranks = 0;   // 0: from the device list or the command line
  int nodes = 0;   // 0: from the device list (distinct hosts), else 1
  std::string algo;  // overrides an NCCL_ALGO=... found in the log
};

// Canonical collective name for a test binary or file name ("all_reduce_perf", "allreduce" -> "all_reduce"); "" if none.
std::string op_from_name(std::string_view name);

// Parses the text of a log; `file` names it in errors (aiscale::Error "<file>:<line>", message).
NcclTestsLog parse_nccl_tests(std::string_view text, const std::string& file, const NcclParseHints& hints = {});

// Reads and parses a log file.
NcclTestsLog read_nccl_tests(const std::string& path, const NcclParseHints& hints = {});

}  // namespace aiscale::calibration

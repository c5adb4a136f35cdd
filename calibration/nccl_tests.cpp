#include "calibration/nccl_tests.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "calibration/collective_fit.hpp"
#include "models/error.hpp"

namespace aiscale::calibration {

namespace {

std::string lower(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

std::vector<std::string> split(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

// Multi-process launchers (srun -l, mpirun --tag-output) prefix each line with "<rank>: ".
std::string_view strip_rank_prefix(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  size_t j = i;
  while (j < line.size() && std::isdigit(static_cast<unsigned char>(line[j]))) ++j;
  if (j > i && j < line.size() && line[j] == ':' && (j + 1 == line.size() || line[j + 1] == ' '))
    return line.substr(std::min(line.size(), j + 2));
  return line;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool parse_double(const std::string& t, double& v) {
  const char* b = t.data();
  const char* e = b + t.size();
  auto r = std::from_chars(b, e, v);
  return r.ec == std::errc() && r.ptr == e && std::isfinite(v);
}

bool parse_long(const std::string& t, long& v) {
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

bool is_number_token(const std::string& t) {
  double v;
  return parse_double(t, v);
}

// "#wrong" is a count in current nccl-tests, a max error ("0e+00") in old ones, or N/A with validation off.
bool parse_wrong(const std::string& t, long& v) {
  if (t == "N/A") return v = -1, true;
  double d;
  if (!parse_double(t, d) || d < 0) return false;
  v = static_cast<long>(std::ceil(d));
  return true;
}

const std::set<std::string> kTypes = {"int8", "uint8", "int32", "uint32", "int64", "uint64", "half", "float",
                                      "double", "bfloat16", "f8e4m3", "f8e5m2", "fp8_e4m3", "fp8_e5m2"};

}  // namespace

std::string op_from_name(std::string_view name) {
  const std::string n = lower(name);
  auto has = [&](std::initializer_list<const char*> keys) {
    return std::any_of(keys.begin(), keys.end(), [&](const char* k) { return n.find(k) != std::string::npos; });
  };
  // reduce_scatter before all_reduce: "reduce_scatter" does not contain "allreduce", but order keeps intent clear.
  if (has({"reduce_scatter", "reducescatter", "reduce-scatter"})) return "reduce_scatter";
  if (has({"all_reduce", "allreduce", "all-reduce"})) return "all_reduce";
  if (has({"all_gather", "allgather", "all-gather"})) return "all_gather";
  if (has({"alltoall", "all_to_all", "all-to-all"})) return "all_to_all";
  if (has({"sendrecv", "send_recv", "send-recv"})) return "send_recv";
  return "";
}

NcclTestsLog parse_nccl_tests(std::string_view text, const std::string& file, const NcclParseHints& hints) {
  NcclTestsLog log;
  log.file = file;
  auto fail = [&](int line, const std::string& msg) -> void {
    throw Error(line > 0 ? file + ":" + std::to_string(line) : file, msg);
  };
  if (text.find('\0') != std::string_view::npos) fail(0, "binary data, not an nccl-tests log");

  std::string op_detected, command_op;
  int command_gpus = 0, header_gpus = 0, header_threads = 0;
  bool in_table = false, table_seen = false, avg_seen = false;
  int line_no = 0, first_unknown_line = 0;
  std::string first_unknown;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    // An NCCL_ALGO setting recorded anywhere (env dump, comment) means the run did not use NCCL's own choice.
    if (const size_t a = raw.find("NCCL_ALGO="); a != std::string_view::npos) {
      size_t b = a + 10;
      while (b < raw.size() && (std::isalnum(static_cast<unsigned char>(raw[b])) || raw[b] == ',' || raw[b] == '_')) ++b;
      log.algo = std::string(raw.substr(a + 10, b - a - 10));
    }
    const std::string_view line = trim(strip_rank_prefix(raw));
    if (line.empty()) {
      if (pos > text.size()) break;
      continue;
    }
    if (line.front() == '#') {
      const std::string_view body = trim(line.substr(1));
      const auto tok = split(body);
      if (body.rfind("SOURCE:", 0) == 0 || body.rfind("NOTE:", 0) == 0) {
        log.source_lines.emplace_back(trim(body));
      } else if (body.rfind("nThread", 0) == 0) {
        log.header = std::string(body);
        for (size_t i = 0; i + 1 < tok.size(); ++i) {
          long v;
          if (tok[i] == "nThread" && parse_long(tok[i + 1], v)) header_threads = static_cast<int>(v);
          if (tok[i] == "nGpus" && parse_long(tok[i + 1], v)) header_gpus = static_cast<int>(v);
        }
      } else if (body.rfind("Collective test starting:", 0) == 0) {
        op_detected = op_from_name(body);
      } else if (tok.size() >= 9 && tok[0] == "Rank" && tok[2] == "Group" && tok[4] == "Pid" && tok[6] == "on") {
        // #  Rank  0 Group  0 Pid 295203 on node005 device  0 [0x18] NVIDIA H100 80GB HBM3
        NcclDevice d;
        long v;
        if (!parse_long(tok[1], v)) fail(line_no, "device line: rank '" + tok[1] + "' is not a number");
        d.rank = static_cast<int>(v);
        d.host = tok[7];
        if (tok.size() > 9 && tok[8] == "device" && parse_long(tok[9], v)) d.device = static_cast<int>(v);
        const size_t bracket = body.find(']');
        if (bracket != std::string_view::npos) d.name = std::string(trim(body.substr(bracket + 1)));
        log.devices.push_back(d);
      } else if (!tok.empty() && tok[0] == "size" && std::find(tok.begin(), tok.end(), "busbw") != tok.end()) {
        in_table = table_seen = true;
      } else if (body.rfind("Avg bus bandwidth", 0) == 0) {
        const size_t colon = body.find(':');
        double v;
        if (colon == std::string_view::npos || !parse_double(std::string(trim(body.substr(colon + 1))), v))
          fail(line_no, "unreadable 'Avg bus bandwidth' line");
        log.avg_busbw_gbps = v;
        avg_seen = true;
        in_table = false;
      } else if (body.rfind("Out of bounds", 0) == 0) {
        in_table = false;
      }
      continue;
    }
    const auto tok = split(line);
    // The command that produced the log, when the user pasted it: "./build/all_reduce_perf -b 8 -e 8G -f 2 -g 8".
    if (!tok.empty() && tok[0].find("_perf") != std::string::npos) {
      command_op = op_from_name(tok[0]);
      for (size_t i = 0; i + 1 < tok.size(); ++i) {
        long v;
        if ((tok[i] == "-g" || tok[i] == "--ngpus") && parse_long(tok[i + 1], v)) command_gpus = static_cast<int>(v);
      }
      continue;
    }
    const bool looks_like_row = !tok.empty() && is_number_token(tok[0]) && tok.size() >= 2 && is_number_token(tok[1]);
    if (!looks_like_row) {
      // NCCL INFO/WARN chatter and launcher messages may appear anywhere; anything else inside the table is corrupt.
      const bool chatter = line.find("NCCL INFO") != std::string_view::npos ||
                           line.find("NCCL WARN") != std::string_view::npos;
      if (in_table && !chatter)
        fail(line_no, "expected a result row (size count type redop root time algbw busbw #wrong ...), got '" +
                          std::string(line.substr(0, 60)) + "'");
      if (!first_unknown_line && !chatter) first_unknown_line = line_no, first_unknown = line.substr(0, 60);
      continue;
    }
    if (!table_seen)
      fail(line_no, "result row before the column header ('#  size  count  type ...'): not an nccl-tests log?");
    if (avg_seen) fail(line_no, "result row after the 'Avg bus bandwidth' summary: two runs concatenated?");
    // size count type redop [root] time algbw busbw #wrong time algbw busbw #wrong  (root since nccl-tests 2.10)
    const bool has_root = tok.size() == 13;
    if (tok.size() != 13 && tok.size() != 12)
      fail(line_no, "truncated or malformed result row: " + std::to_string(tok.size()) +
                        " fields, expected 13 (size count type redop root, then time algbw busbw #wrong twice)");
    NcclRow row;
    row.line = line_no;
    long root = -1;
    if (!parse_double(tok[0], row.bytes) || row.bytes <= 0 || row.bytes != std::floor(row.bytes))
      fail(line_no, "size '" + tok[0] + "' is not a positive whole number of bytes");
    if (!parse_double(tok[1], row.count) || row.count < 0) fail(line_no, "count '" + tok[1] + "' is not a number");
    row.type = tok[2];
    if (!kTypes.count(row.type)) fail(line_no, "unknown data type '" + row.type + "'");
    row.redop = tok[3];
    if (has_root && !parse_long(tok[4], root)) fail(line_no, "root '" + tok[4] + "' is not a number");
    row.root = root;
    const size_t t0 = has_root ? 5 : 4;
    auto timing = [&](size_t i, const char* which, bool optional) -> std::optional<NcclTiming> {
      if (optional && tok[i] == "N/A") return std::nullopt;
      NcclTiming t;
      if (!parse_double(tok[i], t.time_us) || t.time_us <= 0)
        fail(line_no, std::string(which) + " time '" + tok[i] + "' is not a positive number of microseconds");
      if (!parse_double(tok[i + 1], t.algbw_gbps) || t.algbw_gbps < 0)
        fail(line_no, std::string(which) + " algbw '" + tok[i + 1] + "' is not a number");
      if (!parse_double(tok[i + 2], t.busbw_gbps) || t.busbw_gbps < 0)
        fail(line_no, std::string(which) + " busbw '" + tok[i + 2] + "' is not a number");
      if (!parse_wrong(tok[i + 3], t.wrong))
        fail(line_no, std::string(which) + " #wrong '" + tok[i + 3] + "' is neither a count nor N/A");
      if (t.wrong > 0)
        fail(line_no, std::string(which) + " result has " + tok[i + 3] +
                          " wrong values: the run failed its own check and cannot calibrate anything");
      // algbw = size / time: a row whose columns disagree was damaged (edited, merged, or cut and re-joined).
      const double expect = row.bytes / (t.time_us * 1e-6) / 1e9;
      const double rounding = 0.006 + 0.5 / t.time_us;  // 2 decimals printed; time to ~0.1 us or 1 us
      if (std::fabs(expect - t.algbw_gbps) > 0.02 * expect + rounding * expect + 0.011)
        fail(line_no, std::string(which) + " algbw " + tok[i + 1] + " GB/s does not match size/time = " +
                          std::to_string(expect) + " GB/s: damaged row");
      return t;
    };
    row.out_of_place = *timing(t0, "out-of-place", false);
    row.in_place = timing(t0 + 4, "in-place", true);
    if (!log.rows.empty() && row.bytes <= log.rows.back().bytes)
      fail(line_no, "size " + tok[0] + " is not larger than the previous row's " +
                        std::to_string(static_cast<long long>(log.rows.back().bytes)) +
                        " (rows reordered, or two runs mixed)");
    log.rows.push_back(row);
  }

  if (!table_seen)
    fail(first_unknown_line, "not an nccl-tests log: no result table (the '#  size  count  type ... busbw' header)" +
                                 (first_unknown.empty() ? std::string() : "; first unrecognised line: '" + first_unknown + "'"));
  if (log.rows.empty()) fail(0, "the result table has no rows: the log is truncated");

  // Which collective: caller, then the "Collective test starting" line, the command line, the file name.
  log.op = !hints.op.empty() ? hints.op : !op_detected.empty() ? op_detected : !command_op.empty() ? command_op
                                                                                                    : op_from_name(file);
  if (log.op.empty())
    fail(0, "cannot tell which collective this log measures: name the file after the test (all_reduce_perf ...) "
            "or name the collective in the import's op");

  if (!hints.algo.empty()) log.algo = hints.algo;
  // Ranks: caller, the device list, the -g flag, the header's nThread x nGpus (one process).
  std::set<std::string> hosts;
  for (const auto& d : log.devices) hosts.insert(d.host);
  if (!log.devices.empty()) log.gpu_name = log.devices.front().name;
  log.ranks = hints.ranks > 0           ? hints.ranks
              : !log.devices.empty()    ? static_cast<int>(log.devices.size())
              : command_gpus > 0        ? command_gpus
              : header_gpus > 0         ? header_gpus * std::max(1, header_threads)
                                        : 0;
  log.nodes = hints.nodes > 0 ? hints.nodes : std::max<int>(1, static_cast<int>(hosts.size()));
  if (log.ranks < 2) fail(0, "cannot tell how many GPUs took part (no device list, no -g flag): pass --ranks");
  if (log.nodes > log.ranks) fail(0, "more nodes than ranks");

  // busbw / algbw is the bus factor of the collective at this rank count: a cross-check on op and ranks.
  const auto& first = log.rows.back().out_of_place;
  if (first.algbw_gbps > 0) {
    const double want = bus_factor(log.op, log.ranks), got = first.busbw_gbps / first.algbw_gbps;
    if (std::fabs(got - want) > 0.01 * want + 0.01)
      fail(log.rows.back().line, "busbw/algbw = " + std::to_string(got) + ", but " + log.op + " on " +
                                     std::to_string(log.ranks) + " ranks has bus factor " + std::to_string(want) +
                                     ": wrong collective or rank count (set the import's op and ranks)");
  }

  // nccl-tests averages busbw over every printed column; a mismatch means rows were lost (a truncated log).
  if (log.avg_busbw_gbps) {
    double sum = 0;
    int n = 0;
    for (const auto& r : log.rows) {
      sum += r.out_of_place.busbw_gbps, ++n;
      if (r.in_place) sum += r.in_place->busbw_gbps, ++n;
    }
    const double mean = sum / n;
    if (std::fabs(mean - *log.avg_busbw_gbps) > 0.005 * *log.avg_busbw_gbps + 0.01)
      fail(0, "the rows average " + std::to_string(mean) + " GB/s busbw but the log's 'Avg bus bandwidth' says " +
                  std::to_string(*log.avg_busbw_gbps) + ": rows are missing (truncated or edited log)");
  }
  return log;
}

NcclTestsLog read_nccl_tests(const std::string& path, const NcclParseHints& hints) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, "cannot open this nccl-tests log");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_nccl_tests(ss.str(), path, hints);
}

}  // namespace aiscale::calibration

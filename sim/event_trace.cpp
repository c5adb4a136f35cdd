#include "sim/event_trace.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <tuple>

namespace aiscale {

const char* to_string(TraceStream s) {
  switch (s) {
    case TraceStream::compute:
      return "compute";
    case TraceStream::tp:
      return "tp comm";
    case TraceStream::tp_overlap:
      return "tp comm (overlapped)";
    case TraceStream::cp:
      return "cp comm";
    case TraceStream::dp:
      return "dp comm";
    case TraceStream::pp_fwd:
      return "pp send fwd";
    case TraceStream::pp_bwd:
      return "pp send bwd";
    case TraceStream::ep:
      return "ep comm";
    case TraceStream::edp:
      return "edp comm";
    case TraceStream::count:
      break;
  }
  return "";
}

namespace {

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    o += c;
  }
  return o;
}

// Microseconds with three decimals from whole nanoseconds, without floating-point formatting.
std::string micros(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ns / 1000), static_cast<long long>(ns % 1000));
  return buf;
}

}  // namespace

void TraceWriter::add(int gpu, TraceStream stream, double start_s, double end_s, std::string name,
                      const char* category) {
  const auto a = static_cast<std::int64_t>(std::llround(start_s * 1e9));
  const auto b = static_cast<std::int64_t>(std::llround(end_s * 1e9));
  if (b <= a) return;  // zero-length ops carry no time
  events_.push_back({gpu, stream, a, b, std::move(name), category});
}

std::string TraceWriter::json(int gpus_per_node) {
  std::sort(events_.begin(), events_.end(), [](const TraceEvent& x, const TraceEvent& y) {
    return std::tie(x.gpu, x.stream, x.start_ns, x.end_ns, x.name) <
           std::tie(y.gpu, y.stream, y.start_ns, y.end_ns, y.name);
  });
  std::set<std::pair<int, int>> tracks;
  std::set<int> gpus;
  for (const auto& e : events_) tracks.insert({e.gpu, static_cast<int>(e.stream)}), gpus.insert(e.gpu);
  std::string o = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
  bool first = true;
  auto sep = [&] {
    if (!first) o += ",\n";
    first = false;
  };
  for (int g : gpus) {
    sep();
    o += "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":" + std::to_string(g) + ",\"args\":{\"name\":\"gpu" +
         std::to_string(g) + " (node " + std::to_string(gpus_per_node > 0 ? g / gpus_per_node : 0) + ")\"}}";
    sep();
    o += "{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":" + std::to_string(g) +
         ",\"args\":{\"sort_index\":" + std::to_string(g) + "}}";
  }
  for (const auto& [g, s] : tracks) {
    sep();
    o += "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":" + std::to_string(g) + ",\"tid\":" + std::to_string(s) +
         ",\"args\":{\"name\":\"" + to_string(static_cast<TraceStream>(s)) + "\"}}";
  }
  for (const auto& e : events_) {
    sep();
    o += "{\"ph\":\"X\",\"name\":\"" + escape(e.name) + "\",\"cat\":\"" + e.category +
         "\",\"pid\":" + std::to_string(e.gpu) + ",\"tid\":" + std::to_string(static_cast<int>(e.stream)) +
         ",\"ts\":" + micros(e.start_ns) + ",\"dur\":" + micros(e.end_ns - e.start_ns) + "}";
  }
  o += "\n]}\n";
  return o;
}

}  // namespace aiscale

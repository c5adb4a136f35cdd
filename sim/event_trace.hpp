#pragma once
// Chrome trace (Trace Event Format JSON, opened by Perfetto and chrome://tracing): one process per GPU, one thread
// per GPU stream, complete ("X") events at nanosecond resolution. Output bytes depend only on the events.
#include <cstdint>
#include <string>
#include <vector>

namespace aiscale {

// ep: expert-parallel all-to-alls and expert tensor-parallel collectives; edp: expert gradient/parameter syncs.
enum class TraceStream : int { compute = 0, tp, tp_overlap, cp, dp, pp_fwd, pp_bwd, ep, edp, count };
// Track name of a stream ("compute", "tp comm", ...).
const char* to_string(TraceStream s);

struct TraceEvent {
  int gpu = 0;
  TraceStream stream = TraceStream::compute;
  std::int64_t start_ns = 0, end_ns = 0;
  std::string name;           // "L12/mb3/qkv", "p2p fwd c0 mb3", ...
  const char* category = "";  // forward, backward, recompute, comm, step
};

class TraceWriter {
 public:
  // Records an event from start to end (seconds); both are rounded to whole nanoseconds.
  void add(int gpu, TraceStream stream, double start_s, double end_s, std::string name, const char* category);
  size_t size() const { return events_.size(); }
  // The whole trace: metadata naming every GPU (with its node) and stream in use, then events sorted by GPU,
  // stream, start and name.
  std::string json(int gpus_per_node);

 private:
  std::vector<TraceEvent> events_;
};

}  // namespace aiscale

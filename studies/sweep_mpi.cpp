// Distributed sweeps over MPI: rank 0 deals rows out one at a time (dynamic load balancing) and writes them in
// order through SweepOutput, so the file is the same as a single-process run's.
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <cstring>

#include "models/error.hpp"
#include "studies/sweep.hpp"

namespace aiscale {

namespace {
constexpr int kTagReady = 1, kTagWork = 2, kTagStop = 3, kTagResult = 4;

struct WorkMsg {
  uint64_t k, index;
};
}  // namespace

bool sweep_mpi_available() { return true; }

SweepStats run_sweep_mpi(const SweepSpec& spec, const SweepOptions& opt, const RunControl& control) {
  const auto t0 = std::chrono::steady_clock::now();
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  SweepStats st;
  st.total = spec.size();
  if (size < 2) return run_sweep(spec, opt, control);

  if (rank != 0) {
    const RowFormat fmt = format_for(opt.output);
    MPI_Send(nullptr, 0, MPI_BYTE, 0, kTagReady, MPI_COMM_WORLD);
    while (true) {
      MPI_Status status;
      WorkMsg w{};
      MPI_Recv(&w, sizeof w, MPI_BYTE, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &status);
      if (status.MPI_TAG == kTagStop) break;
      const SweepRow row = evaluate_row(spec, w.index);
      // Result message: k, then one status byte, then the formatted line.
      std::string msg(sizeof w.k + 1, '\0');
      std::memcpy(msg.data(), &w.k, sizeof w.k);
      msg[sizeof w.k] = row.status == RowStatus::invalid ? 'i' : row.status == RowStatus::oom ? 'o' : 'k';
      msg += format_row(spec, row, fmt);
      MPI_Send(msg.data(), int(msg.size()), MPI_BYTE, 0, kTagResult, MPI_COMM_WORLD);
    }
    return st;
  }

  SweepOutput out(spec, opt.output, opt.resume);
  const auto& todo = out.todo();
  st.skipped = out.skipped();
  size_t next = 0, received = 0;
  int active = size - 1;
  std::string buf;
  while (active > 0) {
    MPI_Status status;
    MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &status);
    int bytes = 0;
    MPI_Get_count(&status, MPI_BYTE, &bytes);
    buf.resize(size_t(bytes));
    MPI_Recv(buf.data(), bytes, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (status.MPI_TAG == kTagResult) {
      uint64_t k = 0;
      std::memcpy(&k, buf.data(), sizeof k);
      const char s = buf[sizeof k];
      out.put(size_t(k), buf.substr(sizeof k + 1),
              s == 'i' ? RowStatus::invalid : s == 'o' ? RowStatus::oom : RowStatus::ok);
      control.progress(++received, todo.size(), "rows");
    }
    const bool stop = control.cancelled();
    if (next < todo.size() && !stop) {
      const WorkMsg w{next, todo[next]};
      ++next;
      MPI_Send(&w, sizeof w, MPI_BYTE, status.MPI_SOURCE, kTagWork, MPI_COMM_WORLD);
    } else {
      MPI_Send(nullptr, 0, MPI_BYTE, status.MPI_SOURCE, kTagStop, MPI_COMM_WORLD);
      --active;
    }
  }
  st.written = out.written();
  st.invalid = out.invalid();
  st.oom = out.oom();
  st.interrupted = st.written < todo.size();
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

}  // namespace aiscale

#pragma once
// What a long call tells its front end while it runs (progress, log lines, each row or candidate as it is done) and
// how the front end stops it (a CancelToken). Every study takes a RunControl; the defaults observe nothing.
#include <cstddef>
#include <string>

#include "sim/cancel.hpp"

namespace aiscale {

struct SweepRow;
struct Candidate;

// done of total units of the named phase ("check", "enumerate", "time", "verify", "rows", "cases").
struct Progress {
  size_t done = 0, total = 0;
  std::string phase;
};

// Callbacks arrive on worker threads, one at a time (the study serialises them), so an observer needs no lock of
// its own; a GUI observer forwards them to its event loop. They must not throw.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_progress(const Progress&) {}
  virtual void on_log(const std::string&) {}
  virtual void on_row(const SweepRow&) {}         // a sweep row, in completion order (its index says where it goes)
  virtual void on_candidate(const Candidate&) {}  // a timed plan configuration, in completion order
};

struct RunControl {
  Observer* observer = nullptr;
  const CancelToken* cancel = nullptr;

  bool cancelled() const noexcept { return is_cancelled(cancel); }
  void check() const { throw_if_cancelled(cancel); }
  void progress(size_t done, size_t total, const char* phase) const {
    if (observer) observer->on_progress({done, total, phase});
  }
  void log(const std::string& line) const {
    if (observer) observer->on_log(line);
  }
};

}  // namespace aiscale

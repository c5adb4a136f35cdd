#pragma once
// Cooperative cancellation: a front end sets the token, long work checks it between units (a row, a candidate, a
// simulated step) and stops with Cancelled, leaving nothing half-written.
#include <atomic>
#include <stdexcept>

namespace aiscale {

// Set once from any thread (a GUI button, a signal handler: the store is lock-free); read by the workers.
class CancelToken {
 public:
  void cancel() noexcept { flag_.store(true, std::memory_order_relaxed); }
  void reset() noexcept { flag_.store(false, std::memory_order_relaxed); }
  bool cancelled() const noexcept { return flag_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> flag_{false};
};
static_assert(std::atomic<bool>::is_always_lock_free, "CancelToken::cancel must be safe in a signal handler");

// Thrown by work that was cancelled before it had a whole result.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

inline bool is_cancelled(const CancelToken* t) noexcept { return t && t->cancelled(); }
inline void throw_if_cancelled(const CancelToken* t) {
  if (is_cancelled(t)) throw Cancelled();
}

}  // namespace aiscale

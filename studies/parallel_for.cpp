#include "studies/parallel_for.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace aiscale {

size_t parallel_for(size_t n, int jobs, const CancelToken* cancel, const std::function<void(size_t)>& body) {
  std::atomic<size_t> next{0}, completed{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mu;
  auto worker = [&] {
    while (!failed.load(std::memory_order_relaxed) && !is_cancelled(cancel)) {
      const size_t i = next.fetch_add(1);
      if (i >= n) break;
      try {
        body(i);
        completed.fetch_add(1);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!error) error = std::current_exception();
        failed.store(true);
      }
    }
  };
  const size_t threads = std::min<size_t>(std::max(1, jobs), std::max<size_t>(n, 1));
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  return completed.load();
}

}  // namespace aiscale

#pragma once
// The one thread pool of the studies: sweep rows and plan candidates are independent units of work.
#include <cstddef>
#include <functional>

#include "sim/cancel.hpp"

namespace aiscale {

// Runs body(i) for i in [0, n) on `jobs` threads (the calling thread among them), handing out indices in increasing
// order. Once `cancel` is set or a body throws, no further index is handed out; bodies already running finish. The
// first exception is rethrown after every thread has joined. Returns the number of bodies that completed.
size_t parallel_for(size_t n, int jobs, const CancelToken* cancel, const std::function<void(size_t)>& body);

}  // namespace aiscale

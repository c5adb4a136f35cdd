#pragma once
// CUDA error checking and event timing shared by the benchmarks.
#include <cuda_runtime.h>

#include <string>
#include <vector>

#include "calibration/bench_options.hpp"
#include "models/error.hpp"

namespace aiscale::calibration::gpu {

// Throws aiscale::Error naming the failed call.
inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw Error("cuda", std::string(what) + ": " + cudaGetErrorString(e));
}
#define AISCALE_CUDA(call) ::aiscale::calibration::gpu::check((call), #call)

// RAII device buffer.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) { AISCALE_CUDA(cudaMalloc(&p_, bytes ? bytes : 1)); }
  ~DeviceBuffer() { cudaFree(p_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return p_; }
  size_t bytes() const { return bytes_; }

 private:
  void* p_ = nullptr;
  size_t bytes_ = 0;
};

// Times `body` (which enqueues work on `stream`): `warmup` untimed runs, then `reps` runs each bracketed by CUDA
// events; returns the median in seconds. Events time the GPU work itself, not host-side launch jitter.
template <typename F>
double time_median(cudaStream_t stream, int warmup, int reps, F&& body) {
  for (int i = 0; i < warmup; ++i) body();
  AISCALE_CUDA(cudaStreamSynchronize(stream));
  cudaEvent_t a, b;
  AISCALE_CUDA(cudaEventCreate(&a));
  AISCALE_CUDA(cudaEventCreate(&b));
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    AISCALE_CUDA(cudaEventRecord(a, stream));
    body();
    AISCALE_CUDA(cudaEventRecord(b, stream));
    AISCALE_CUDA(cudaEventSynchronize(b));
    float ms = 0;
    AISCALE_CUDA(cudaEventElapsedTime(&ms, a, b));
    t.push_back(ms * 1e-3);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return median(t);
}

}  // namespace aiscale::calibration::gpu

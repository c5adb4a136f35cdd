// Device discovery, host information and launch overhead.
#include <cstdio>

#include "calibration/cuda/bench_cuda.hpp"
#include "calibration/cuda/cuda_util.cuh"

namespace aiscale::calibration::gpu {

namespace {
__global__ void empty_kernel() {}

std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }
}  // namespace

std::string no_gpu_reason() {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) return std::string("cudaGetDeviceCount: ") + cudaGetErrorString(e);
  if (n == 0) return "the CUDA runtime sees no device";
  return "";
}

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) return 0;
  return n;
}

HostInfo device_info(int device) {
  HostInfo h;
  cudaDeviceProp p{};
  AISCALE_CUDA(cudaGetDeviceProperties(&p, device));
  h.gpu_name = p.name;
  int v = 0;
  AISCALE_CUDA(cudaDriverGetVersion(&v));
  h.driver = "CUDA driver API " + version_text(v);
  AISCALE_CUDA(cudaRuntimeGetVersion(&v));
  h.cuda = version_text(v);
  return h;
}

double run_launch_overhead(const BenchOptions& o) {
  AISCALE_CUDA(cudaSetDevice(o.device));
  cudaStream_t s;
  AISCALE_CUDA(cudaStreamCreate(&s));
  // Launch + completion of an empty kernel: the fixed cost every op pays on top of its work.
  const double t = time_median(s, o.warmup + 10, std::max(o.reps, 100), [&] { empty_kernel<<<1, 1, 0, s>>>(); });
  AISCALE_CUDA(cudaGetLastError());
  cudaStreamDestroy(s);
  return t;
}

}  // namespace aiscale::calibration::gpu

// Device discovery, host information and launch overhead.
#include <cublas_v2.h>

#include <cmath>
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

double spin_up_clocks(int device, double min_s, double max_s) {
  AISCALE_CUDA(cudaSetDevice(device));
  const int n = 8192;
  DeviceBuffer a(size_t(n) * n * 2), b(size_t(n) * n * 2), d(size_t(n) * n * 2);
  AISCALE_CUDA(cudaMemset(a.get(), 0x3c, a.bytes()));  // any finite bf16 values do
  AISCALE_CUDA(cudaMemset(b.get(), 0x3c, b.bytes()));
  cublasHandle_t h;
  if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS) throw Error("cublas", "cublasCreate failed");
  cudaStream_t st;
  AISCALE_CUDA(cudaStreamCreate(&st));
  cublasSetStream(h, st);
  cudaEvent_t e0, e1;
  AISCALE_CUDA(cudaEventCreate(&e0));
  AISCALE_CUDA(cudaEventCreate(&e1));
  const float one = 1.0f, zero = 0.0f;
  double spent = 0, last = 0;
  for (;;) {
    AISCALE_CUDA(cudaEventRecord(e0, st));
    for (int i = 0; i < 10; ++i)
      if (cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, n, n, n, &one, a.get(), CUDA_R_16BF, n, b.get(), CUDA_R_16BF, n,
                       &zero, d.get(), CUDA_R_16BF, n, CUBLAS_COMPUTE_32F,
                       CUBLAS_GEMM_DEFAULT) != CUBLAS_STATUS_SUCCESS)
        throw Error("cublas", "cublasGemmEx failed while spinning up the clocks");
    AISCALE_CUDA(cudaEventRecord(e1, st));
    AISCALE_CUDA(cudaEventSynchronize(e1));
    float ms = 0;
    AISCALE_CUDA(cudaEventElapsedTime(&ms, e0, e1));
    const double t = ms * 1e-3;
    spent += t;
    const bool steady = last > 0 && std::abs(t - last) <= 0.02 * last;
    last = t;
    if ((steady && spent >= min_s) || spent >= max_s) break;
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  cublasDestroy(h);
  cudaStreamDestroy(st);
  return spent;
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

// NVLink (or PCIe) peer-to-peer bandwidth matrix: one-direction copies between every ordered pair of GPUs.
#include <cstdio>

#include "calibration/bench_check.hpp"
#include "calibration/cuda/bench_cuda.hpp"
#include "calibration/cuda/cuda_util.cuh"

namespace aiscale::calibration::gpu {

namespace {
__global__ void fill(float* a, long n) {
  for (long i = blockIdx.x * long(blockDim.x) + threadIdx.x; i < n; i += long(gridDim.x) * blockDim.x)
    a[i] = stream_value(i);
}
}  // namespace

P2pResult run_p2p(const BenchOptions& o, const Log& log) {
  int n = 0;
  AISCALE_CUDA(cudaGetDeviceCount(&n));
  P2pResult r;
  r.bytes = o.quick ? 64.0 * (1 << 20) : 256.0 * (1 << 20);  // large enough that the copy engine runs at its rate
  r.bw.assign(n, std::vector<double>(n, 0.0));
  if (n < 2) {
    log("p2p: one GPU, no peers");
    return r;
  }
  const long count = static_cast<long>(r.bytes / 4);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (i == j) continue;
      int can = 0;
      AISCALE_CUDA(cudaDeviceCanAccessPeer(&can, i, j));
      if (!can) continue;
      AISCALE_CUDA(cudaSetDevice(i));
      const cudaError_t e = cudaDeviceEnablePeerAccess(j, 0);
      if (e != cudaSuccess && e != cudaErrorPeerAccessAlreadyEnabled) check(e, "cudaDeviceEnablePeerAccess");
      cudaGetLastError();  // clear "already enabled"
      DeviceBuffer src(r.bytes);
      fill<<<256, 256>>>(static_cast<float*>(src.get()), count);
      AISCALE_CUDA(cudaGetLastError());
      AISCALE_CUDA(cudaSetDevice(j));
      DeviceBuffer dst(r.bytes);
      AISCALE_CUDA(cudaMemset(dst.get(), 0xFF, r.bytes));
      AISCALE_CUDA(cudaSetDevice(i));
      cudaStream_t st;
      AISCALE_CUDA(cudaStreamCreate(&st));
      const double t = time_median(st, o.warmup, o.reps, [&] {
        AISCALE_CUDA(cudaMemcpyPeerAsync(dst.get(), j, src.get(), i, r.bytes, st));
      });
      AISCALE_CUDA(cudaStreamSynchronize(st));
      cudaStreamDestroy(st);
      const auto idx = sample_indices(count);
      std::vector<double> got, want;
      for (long x : idx) {
        float v = 0;
        AISCALE_CUDA(cudaMemcpy(&v, static_cast<float*>(dst.get()) + x, sizeof v, cudaMemcpyDeviceToHost));
        got.push_back(v);
        want.push_back(stream_value(x));
      }
      const CheckResult c = check_close(idx, got, want, 0, 0);
      if (!c.ok) throw Error("p2p", "copy GPU " + std::to_string(i) + " -> " + std::to_string(j) + " wrong (" +
                                        c.describe() + ")");
      r.bw[i][j] = r.bytes / t;
    }
    char line[64];
    std::string row = "p2p from GPU " + std::to_string(i) + ":";
    for (int j = 0; j < n; ++j) {
      std::snprintf(line, sizeof line, " %6.1f", r.bw[i][j] / 1e9);
      row += line;
    }
    log(row + " GB/s");
  }
  return r;
}

}  // namespace aiscale::calibration::gpu

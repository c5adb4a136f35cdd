// HBM bandwidth: STREAM-style copy (b = a) and triad (a = b + s*c) over arrays far larger than L2.
#include <cstdio>

#include "calibration/bench_check.hpp"
#include "calibration/cuda/bench_cuda.hpp"
#include "calibration/cuda/cuda_util.cuh"

namespace aiscale::calibration::gpu {

namespace {

__global__ void init(float* a, float* b, float* c, long n) {
  for (long i = blockIdx.x * long(blockDim.x) + threadIdx.x; i < n; i += long(gridDim.x) * blockDim.x) {
    a[i] = stream_value(i);
    b[i] = -1.0f;  // overwritten by copy: a leftover -1 fails the check
    c[i] = stream_value(i + 1);
  }
}

// float4 accesses: the widest load per thread, as BabelStream and the Azure benchmarking guide's kernels use.
__global__ void copy(const float4* __restrict__ a, float4* __restrict__ b, long n4) {
  for (long i = blockIdx.x * long(blockDim.x) + threadIdx.x; i < n4; i += long(gridDim.x) * blockDim.x) b[i] = a[i];
}

__global__ void triad(float4* __restrict__ a, const float4* __restrict__ b, const float4* __restrict__ c, float s,
                      long n4) {
  for (long i = blockIdx.x * long(blockDim.x) + threadIdx.x; i < n4; i += long(gridDim.x) * blockDim.x) {
    const float4 x = b[i], y = c[i];
    a[i] = make_float4(x.x + s * y.x, x.y + s * y.y, x.z + s * y.z, x.w + s * y.w);
  }
}

std::vector<double> sample(const float* d, const std::vector<long>& idx) {
  std::vector<double> out;
  for (long i : idx) {
    float v = 0;
    AISCALE_CUDA(cudaMemcpy(&v, d + i, sizeof v, cudaMemcpyDeviceToHost));
    out.push_back(v);
  }
  return out;
}

}  // namespace

MemoryResult run_memory(const BenchOptions& o, const Log& log) {
  AISCALE_CUDA(cudaSetDevice(o.device));
  cudaDeviceProp prop{};
  AISCALE_CUDA(cudaGetDeviceProperties(&prop, o.device));
  // 1 GiB per array (256 MiB quick): hundreds of times the L2 (50 MB on H100), so HBM is what is measured.
  const long n = (o.quick ? 64L : 256L) << 20;
  DeviceBuffer a(n * 4), b(n * 4), c(n * 4);
  float* pa = static_cast<float*>(a.get());
  float* pb = static_cast<float*>(b.get());
  float* pc = static_cast<float*>(c.get());
  cudaStream_t st;
  AISCALE_CUDA(cudaStreamCreate(&st));
  const int block = 256, grid = prop.multiProcessorCount * 8;
  init<<<grid, block, 0, st>>>(pa, pb, pc, n);
  AISCALE_CUDA(cudaGetLastError());
  MemoryResult r;
  r.bytes = n * 4.0;
  const double tc = time_median(st, o.warmup, o.reps, [&] {
    copy<<<grid, block, 0, st>>>(reinterpret_cast<const float4*>(pa), reinterpret_cast<float4*>(pb), n / 4);
  });
  AISCALE_CUDA(cudaGetLastError());
  AISCALE_CUDA(cudaStreamSynchronize(st));
  const auto idx = sample_indices(n);
  std::vector<double> want;
  for (long i : idx) want.push_back(stream_value(i));
  const CheckResult cc = check_close(idx, sample(pb, idx), want, 0, 0);
  if (!cc.ok) throw Error("memory copy", "wrong result (" + cc.describe() + ")");
  const float s = 3.0f;
  const double tt = time_median(st, o.warmup, o.reps, [&] {
    triad<<<grid, block, 0, st>>>(reinterpret_cast<float4*>(pa), reinterpret_cast<const float4*>(pb),
                                  reinterpret_cast<const float4*>(pc), s, n / 4);
  });
  AISCALE_CUDA(cudaGetLastError());
  AISCALE_CUDA(cudaStreamSynchronize(st));
  want.clear();
  for (long i : idx) want.push_back(stream_value(i) + 3.0 * stream_value(i + 1));  // b holds the copy of a
  const CheckResult ct = check_close(idx, sample(pa, idx), want, 0, 0);
  if (!ct.ok) throw Error("memory triad", "wrong result (" + ct.describe() + ")");
  cudaStreamDestroy(st);
  r.copy_bw = 2 * r.bytes / tc;   // read a, write b
  r.triad_bw = 3 * r.bytes / tt;  // read b and c, write a
  r.verified = true;
  char line[160];
  std::snprintf(line, sizeof line, "memory: copy %.0f GB/s, triad %.0f GB/s (%.0f MiB arrays)", r.copy_bw / 1e9,
                r.triad_bw / 1e9, r.bytes / (1 << 20));
  log(line);
  return r;
}

}  // namespace aiscale::calibration::gpu

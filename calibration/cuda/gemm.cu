// GEMM sweep through cuBLASLt (cuBLAS where cuBLASLt has no algorithm): bf16, fp16, tf32 and fp8 (sm_89+).
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <cstdio>
#include <functional>
#include <type_traits>

#include "calibration/bench_check.hpp"
#include "calibration/cuda/bench_cuda.hpp"
#include "calibration/cuda/cuda_util.cuh"

namespace aiscale::calibration::gpu {

namespace {

void check_blas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) throw Error("cublas", std::string(what) + ": status " + std::to_string(int(s)));
}
#define AISCALE_BLAS(call) check_blas((call), #call)

template <typename T>
__device__ T from_float(float v);
template <>
__device__ float from_float<float>(float v) { return v; }
template <>
__device__ __half from_float<__half>(float v) { return __float2half(v); }
template <>
__device__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) { return __float2bfloat16(v); }
template <>
__device__ __nv_fp8_e4m3 from_float<__nv_fp8_e4m3>(float v) { return __nv_fp8_e4m3(v); }

template <typename T>
__device__ float to_float(T v) { return static_cast<float>(v); }

// TN layout, the one cuBLASLt fp8 requires and the others accept: A is stored as m rows of k (op(A) = A^T of a
// k x m column-major matrix), B as n columns of k; D is m x n column-major.
template <typename T>
__global__ void fill_a(T* a, long m, long k, long batch) {
  const long total = m * k * batch;
  for (long x = blockIdx.x * long(blockDim.x) + threadIdx.x; x < total; x += long(gridDim.x) * blockDim.x) {
    const long y = x % (m * k);
    a[x] = from_float<T>(gemm_a(y / k, y % k));
  }
}
template <typename T>
__global__ void fill_b(T* b, long k, long n, long batch) {
  const long total = k * n * batch;
  for (long x = blockIdx.x * long(blockDim.x) + threadIdx.x; x < total; x += long(gridDim.x) * blockDim.x) {
    const long y = x % (k * n);
    b[x] = from_float<T>(gemm_b(y % k, y / k));
  }
}
// Timing inputs: uniform values in [-1, 1) from a hash of the element index (the MurmurHash3 64-bit finalizer).
// Tensor cores draw less power, and a power-capped GPU clocks higher, on low-entropy data (the structured pattern
// above has a third of B zero), so times are taken on data that looks like training data, as cuBLAS's and
// nccl-tests' own benchmarks do; the structured pattern is used only for the correctness check.
__device__ float hash_unit(unsigned long long x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return static_cast<float>(x >> 40) * (2.0f / 16777216.0f) - 1.0f;
}
template <typename T>
__global__ void fill_random(T* p, long total, unsigned long long salt) {
  for (long x = blockIdx.x * long(blockDim.x) + threadIdx.x; x < total; x += long(gridDim.x) * blockDim.x)
    p[x] = from_float<T>(hash_unit(static_cast<unsigned long long>(x) ^ salt));
}
template <typename T>
__global__ void gather(const T* d, const long* idx, float* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = to_float(d[idx[i]]);
}

struct TypeSet {
  cudaDataType_t ab, d;
  cublasComputeType_t compute;
  size_t ab_size, d_size;
  double rel_tol;  // rounding of the stored output: 2^-8 for bf16, 2^-11 fp16, 2^-24 fp32 (x2 margin)
};

TypeSet types_for(const std::string& dtype) {
  if (dtype == "bf16") return {CUDA_R_16BF, CUDA_R_16BF, CUBLAS_COMPUTE_32F, 2, 2, 1.0 / 128};
  if (dtype == "fp16") return {CUDA_R_16F, CUDA_R_16F, CUBLAS_COMPUTE_32F, 2, 2, 1.0 / 1024};
  if (dtype == "tf32") return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32, 4, 4, 1e-6};
  return {CUDA_R_8F_E4M3, CUDA_R_16BF, CUBLAS_COMPUTE_32F, 1, 2, 1.0 / 128};  // fp8 in, bf16 out
}

// Calls f with a null pointer of the element type that `dtype`'s A and B matrices are stored in.
template <typename F>
void with_input_type(const std::string& dtype, F f) {
  if (dtype == "bf16")
    f(static_cast<__nv_bfloat16*>(nullptr));
  else if (dtype == "fp16")
    f(static_cast<__half*>(nullptr));
  else if (dtype == "tf32")
    f(static_cast<float*>(nullptr));
  else
    f(static_cast<__nv_fp8_e4m3*>(nullptr));
}

// The exact structured inputs the correctness check knows.
void fill_inputs(const std::string& dtype, void* a, void* b, const GemmShape& s, cudaStream_t st) {
  with_input_type(dtype, [&](auto* type) {
    using T = std::remove_pointer_t<decltype(type)>;
    fill_a<<<1024, 256, 0, st>>>(static_cast<T*>(a), s.m, s.k, s.batch);
    fill_b<<<1024, 256, 0, st>>>(static_cast<T*>(b), s.k, s.n, s.batch);
  });
  AISCALE_CUDA(cudaGetLastError());
}

// The pseudo-random inputs the timing runs on.
void fill_random_inputs(const std::string& dtype, void* a, void* b, const GemmShape& s, cudaStream_t st) {
  with_input_type(dtype, [&](auto* type) {
    using T = std::remove_pointer_t<decltype(type)>;
    fill_random<<<1024, 256, 0, st>>>(static_cast<T*>(a), s.m * s.k * s.batch, 0x9e3779b97f4a7c15ULL);
    fill_random<<<1024, 256, 0, st>>>(static_cast<T*>(b), s.k * s.n * s.batch, 0xbf58476d1ce4e5b9ULL);
  });
  AISCALE_CUDA(cudaGetLastError());
}

// Sampled outputs of the last batch entry against the exact reference.
CheckResult verify(const std::string& dtype, const void* d, const GemmShape& s, cudaStream_t st) {
  const long mn = s.m * s.n, base = (s.batch - 1) * mn;
  const std::vector<long> local = sample_indices(mn);
  std::vector<long> idx;
  for (long i : local) idx.push_back(base + i);
  DeviceBuffer di(idx.size() * sizeof(long)), dout(idx.size() * sizeof(float));
  AISCALE_CUDA(cudaMemcpyAsync(di.get(), idx.data(), idx.size() * sizeof(long), cudaMemcpyHostToDevice, st));
  const int n = static_cast<int>(idx.size());
  const long* pi = static_cast<const long*>(di.get());
  float* po = static_cast<float*>(dout.get());
  if (dtype == "fp16")
    gather<<<(n + 127) / 128, 128, 0, st>>>(static_cast<const __half*>(d), pi, po, n);
  else if (dtype == "tf32")
    gather<<<(n + 127) / 128, 128, 0, st>>>(static_cast<const float*>(d), pi, po, n);
  else
    gather<<<(n + 127) / 128, 128, 0, st>>>(static_cast<const __nv_bfloat16*>(d), pi, po, n);
  AISCALE_CUDA(cudaGetLastError());
  std::vector<float> got_f(n);
  AISCALE_CUDA(cudaMemcpyAsync(got_f.data(), po, n * sizeof(float), cudaMemcpyDeviceToHost, st));
  AISCALE_CUDA(cudaStreamSynchronize(st));
  std::vector<double> got(got_f.begin(), got_f.end()), want;
  for (long i : local) want.push_back(gemm_reference(i % s.m, i / s.m, s.k));
  return check_close(local, got, want, types_for(dtype).rel_tol, 1e-6);
}

}  // namespace

std::vector<GemmResult> run_gemm(const BenchOptions& o, const std::vector<GemmShape>& shapes, const Log& log) {
  AISCALE_CUDA(cudaSetDevice(o.device));
  cudaDeviceProp prop{};
  AISCALE_CUDA(cudaGetDeviceProperties(&prop, o.device));
  const bool fp8_ok = prop.major * 10 + prop.minor >= 89;  // fp8 tensor cores: Ada (8.9) and Hopper (9.0) onward
  cudaStream_t st;
  AISCALE_CUDA(cudaStreamCreate(&st));
  cublasLtHandle_t lt;
  AISCALE_BLAS(cublasLtCreate(&lt));
  cublasHandle_t blas;
  AISCALE_BLAS(cublasCreate(&blas));
  AISCALE_BLAS(cublasSetStream(blas, st));
  const size_t ws_bytes = 64ull << 20;  // cuBLAS recommends >= 32 MiB of workspace on Hopper
  DeviceBuffer ws(ws_bytes);
  std::vector<GemmResult> out;

  for (const auto& dtype : o.dtypes) {
    if (dtype == "fp8" && !fp8_ok) {
      log("gemm fp8: skipped, " + std::string(prop.name) + " has no fp8 tensor cores");
      continue;
    }
    const TypeSet ty = types_for(dtype);
    for (const auto& s : shapes) {
      // fp8 cuBLASLt needs k and the leading dimensions to be multiples of 16.
      if (dtype == "fp8" && (s.k % 16 || s.m % 16 || s.n % 16)) continue;
      const size_t a_bytes = size_t(s.m) * s.k * s.batch * ty.ab_size, b_bytes = size_t(s.k) * s.n * s.batch * ty.ab_size,
                   d_bytes = size_t(s.m) * s.n * s.batch * ty.d_size;
      size_t free_b = 0, total_b = 0;
      AISCALE_CUDA(cudaMemGetInfo(&free_b, &total_b));
      if (a_bytes + b_bytes + d_bytes > free_b * 0.9) {
        log("gemm " + dtype + " " + std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) +
            ": skipped, does not fit in free memory");
        continue;
      }
      DeviceBuffer a(a_bytes), b(b_bytes), d(d_bytes);
      fill_random_inputs(dtype, a.get(), b.get(), s, st);

      cublasLtMatmulDesc_t op;
      AISCALE_BLAS(cublasLtMatmulDescCreate(&op, ty.compute, CUDA_R_32F));
      const cublasOperation_t transa = CUBLAS_OP_T, transb = CUBLAS_OP_N;
      AISCALE_BLAS(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &transa, sizeof transa));
      AISCALE_BLAS(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &transb, sizeof transb));
      cublasLtMatrixLayout_t la, lb, ld;
      AISCALE_BLAS(cublasLtMatrixLayoutCreate(&la, ty.ab, s.k, s.m, s.k));
      AISCALE_BLAS(cublasLtMatrixLayoutCreate(&lb, ty.ab, s.k, s.n, s.k));
      AISCALE_BLAS(cublasLtMatrixLayoutCreate(&ld, ty.d, s.m, s.n, s.m));
      if (s.batch > 1) {
        const int32_t bc = static_cast<int32_t>(s.batch);
        const int64_t sa = s.m * s.k, sb = s.k * s.n, sd = s.m * s.n;
        for (auto [l, stride] : {std::pair{la, sa}, std::pair{lb, sb}, std::pair{ld, sd}}) {
          AISCALE_BLAS(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &bc, sizeof bc));
          AISCALE_BLAS(
              cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof stride));
        }
      }
      cublasLtMatmulPreference_t pref;
      AISCALE_BLAS(cublasLtMatmulPreferenceCreate(&pref));
      AISCALE_BLAS(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws_bytes,
                                                        sizeof ws_bytes));
      cublasLtMatmulHeuristicResult_t heur{};
      int found = 0;
      const bool lt_ok = cublasLtMatmulAlgoGetHeuristic(lt, op, la, lb, ld, ld, pref, 1, &heur, &found) ==
                             CUBLAS_STATUS_SUCCESS && found > 0;
      const float alpha = 1.0f, beta = 0.0f;
      std::string api = "cuBLASLt";
      std::function<void()> run;
      if (lt_ok) {
        run = [&] {
          AISCALE_BLAS(cublasLtMatmul(lt, op, &alpha, a.get(), la, b.get(), lb, &beta, d.get(), ld, d.get(), ld,
                                      &heur.algo, ws.get(), ws_bytes, st));
        };
      } else if (dtype != "fp8") {
        api = "cuBLAS";
        run = [&] {
          AISCALE_BLAS(cublasGemmStridedBatchedEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, s.m, s.n, s.k, &alpha, a.get(), ty.ab,
                                                  s.k, s.m * s.k, b.get(), ty.ab, s.k, s.k * s.n, &beta, d.get(), ty.d,
                                                  s.m, s.m * s.n, s.batch, ty.compute, CUBLAS_GEMM_DEFAULT));
        };
      }
      if (run) {
        GemmResult r;
        r.shape = s;
        r.dtype = dtype;
        r.median_s = time_median(st, o.warmup, o.reps, run);
        // Then once more on the structured inputs, into a poisoned output (all bits set is NaN in every float
        // format), so an unwritten or wrong result cannot pass the check.
        fill_inputs(dtype, a.get(), b.get(), s, st);
        AISCALE_CUDA(cudaMemsetAsync(d.get(), 0xFF, d_bytes, st));
        run();
        const CheckResult c = verify(dtype, d.get(), s, st);
        r.verified = c.ok;
        if (!c.ok)
          throw Error("gemm " + dtype, std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) +
                                           " via " + api + " gave a wrong result (" + c.describe() + ")");
        char line[200];
        std::snprintf(line, sizeof line, "gemm %-4s %6ldx%6ldx%6ld x%-3ld %-9s %8.1f TFLOP/s  (%s)", dtype.c_str(),
                      s.m, s.n, s.k, s.batch, api.c_str(), r.tflops(), s.origin.c_str());
        log(line);
        out.push_back(r);
      } else {
        log("gemm " + dtype + ": no cuBLASLt algorithm for " + std::to_string(s.m) + "x" + std::to_string(s.n) + "x" +
            std::to_string(s.k));
      }
      cublasLtMatmulPreferenceDestroy(pref);
      cublasLtMatrixLayoutDestroy(la);
      cublasLtMatrixLayoutDestroy(lb);
      cublasLtMatrixLayoutDestroy(ld);
      cublasLtMatmulDescDestroy(op);
    }
  }
  cublasDestroy(blas);
  cublasLtDestroy(lt);
  cudaStreamDestroy(st);
  return out;
}

}  // namespace aiscale::calibration::gpu

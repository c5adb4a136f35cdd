#pragma once
// Known input patterns and the results they must produce, shared by the CUDA benchmarks (to fill buffers on the GPU)
// and the host (to check sampled outputs), so no timing is reported for an output that was not written correctly.
#include <string>
#include <vector>

#if defined(__CUDACC__)
#define AISCALE_HD __host__ __device__
#else
#define AISCALE_HD
#endif

namespace aiscale::calibration {

// GEMM inputs: multiples of 1/8 and 1/2 in [-0.5, 0.5], exact in fp8 e4m3, bf16, fp16 and tf32, so every product and
// fp32 partial sum is exact and the only error left is the rounding of the stored output.
AISCALE_HD inline float gemm_a(long i, long kk) { return 0.125f * static_cast<float>((i + 2 * kk) % 5 - 2); }
AISCALE_HD inline float gemm_b(long kk, long j) { return 0.5f * static_cast<float>((3 * kk + j) % 3 - 1); }

// Memory benchmark input: small integers, exact in fp32.
AISCALE_HD inline float stream_value(long i) { return static_cast<float>(i % 1021); }

// Collective input of `rank` at element `e` of its send buffer: small integers so sums are exact in fp32.
AISCALE_HD inline float coll_value(int rank, long e) { return static_cast<float>(rank + 1 + e % 7); }

// C(i, j) of the GEMM of gemm_a and gemm_b over `k`, exactly (host reference).
double gemm_reference(long i, long j, long k);

// Element `e` of `rank`'s receive buffer after `op` on `nranks` ranks, when every rank's send buffer holds
// coll_value(rank, .). `count` is the per-rank element count of the nccl-tests convention: the receive buffer of
// all_gather holds nranks*count, of reduce_scatter count; all_to_all sends count/nranks to each peer; send_recv sends
// to rank+1 and receives from rank-1.
double expected_collective(const std::string& op, int rank, int nranks, long count, long e);

// Indices to check in a buffer of `n` elements: both ends and a spread between (deterministic).
std::vector<long> sample_indices(long n, int samples = 64);

// Outcome of comparing sampled outputs with their reference values.
struct CheckResult {
  bool ok = true;
  long checked = 0;
  long first_bad = -1;  // index of the first mismatch
  double got = 0, want = 0;
  std::string describe() const;  // "ok" or "element 12: got 3, want 4"
};

// got[i] against want[i] within rel_tol*|want| + abs_tol (NaN never passes: an unwritten buffer is caught).
CheckResult check_close(const std::vector<long>& indices, const std::vector<double>& got,
                        const std::vector<double>& want, double rel_tol, double abs_tol);

}  // namespace aiscale::calibration

#pragma once
// The GPU benchmarks behind aiscale-calibrate, declared without CUDA types so plain C++ can drive them.
#include <functional>
#include <string>
#include <vector>

#include "calibration/bench_options.hpp"
#include "calibration/bench_results.hpp"

namespace aiscale::calibration::gpu {

// Why no benchmark can run ("" when at least one CUDA GPU is usable).
std::string no_gpu_reason();

// Number of usable CUDA devices (0 when there is no driver or no GPU).
int device_count();

// Device name, driver and runtime versions of GPU `device`.
HostInfo device_info(int device);

// Progress lines ("gemm bf16 8192x8192x8192: 781.2 TFLOP/s") go through this.
using Log = std::function<void(const std::string&)>;

// An idle GPU runs at a low clock and takes a fraction of a second of sustained work to reach its boost clock (an
// idle H200 reads 345-360 MHz, 1,980 under load): without this, the first shapes of a sweep are timed while the
// clock ramps (2048^3 bf16 measured at 342 instead of 570 TFLOP/s on an H200). Runs back-to-back 8192^3 bf16 GEMMs
// until the time of a batch of them is steady (within 2% of the previous batch) for `min_s` seconds at least and
// `max_s` at most; returns the seconds spent.
double spin_up_clocks(int device, double min_s, double max_s);

// Each benchmark throws aiscale::Error when a CUDA call fails or a result does not match its reference.
std::vector<GemmResult> run_gemm(const BenchOptions& o, const std::vector<GemmShape>& shapes, const Log& log);
MemoryResult run_memory(const BenchOptions& o, const Log& log);
P2pResult run_p2p(const BenchOptions& o, const Log& log);
double run_launch_overhead(const BenchOptions& o);

// Process layout for NCCL: one process driving every local GPU, or one MPI rank per GPU (possibly many nodes).
struct ProcessGroup {
  int rank = 0, size = 1;  // MPI rank and world size; 0 and 1 without MPI
  int local_gpus = 0;      // GPUs this process drives (all of them without MPI, one under MPI)
  int nodes = 1;
  bool mpi = false;
};

// Whether this build can run NCCL benchmarks.
bool have_nccl();

// NCCL all-reduce, all-gather, reduce-scatter, all-to-all and send/recv over the size sweep; verified points.
std::vector<CollectivePoint> run_nccl(const BenchOptions& o, const ProcessGroup& g, const Log& log);

}  // namespace aiscale::calibration::gpu

// NCCL collectives over a size sweep, with the nccl-tests conventions for sizes and bus bandwidth: every GPU of this
// process in one communicator, or one GPU per MPI rank across nodes.
#include <algorithm>
#include <cstdio>

#include "calibration/bench_check.hpp"
#include "calibration/collective_fit.hpp"
#include "calibration/cuda/bench_cuda.hpp"
#include "calibration/cuda/cuda_util.cuh"

#ifdef AISCALE_HAVE_NCCL
#include <nccl.h>
#endif
#ifdef AISCALE_HAVE_MPI
#include <mpi.h>
#endif

namespace aiscale::calibration::gpu {

bool have_nccl() {
#ifdef AISCALE_HAVE_NCCL
  return true;
#else
  return false;
#endif
}

#ifndef AISCALE_HAVE_NCCL
std::vector<CollectivePoint> run_nccl(const BenchOptions&, const ProcessGroup&, const Log& log) {
  log("nccl: this build has no NCCL, collectives not measured");
  return {};
}
#else

namespace {

void check_nccl(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) throw Error("nccl", std::string(what) + ": " + ncclGetErrorString(r));
}
#define AISCALE_NCCL(call) check_nccl((call), #call)

__global__ void fill(float* a, int rank, long n) {
  for (long i = blockIdx.x * long(blockDim.x) + threadIdx.x; i < n; i += long(gridDim.x) * blockDim.x)
    a[i] = coll_value(rank, i);
}

struct Local {
  int device = 0, rank = 0;
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  float *send = nullptr, *recv = nullptr;
};

// Enqueues `op` on `bytes` (nccl-tests size) for one rank.
void issue(const std::string& op, const Local& l, int nranks, double bytes) {
  const size_t count = static_cast<size_t>(bytes / sizeof(float));
  switch (parse_coll_op(op)) {
    case CollOp::all_reduce:
      AISCALE_NCCL(ncclAllReduce(l.send, l.recv, count, ncclFloat, ncclSum, l.comm, l.stream));
      break;
    case CollOp::all_gather:  // size = gathered bytes
      AISCALE_NCCL(ncclAllGather(l.send, l.recv, count / nranks, ncclFloat, l.comm, l.stream));
      break;
    case CollOp::reduce_scatter:  // size = bytes before scattering
      AISCALE_NCCL(ncclReduceScatter(l.send, l.recv, count / nranks, ncclFloat, ncclSum, l.comm, l.stream));
      break;
    case CollOp::all_to_all: {  // size = bytes each rank sends in all
      const size_t per = count / nranks;
      for (int p = 0; p < nranks; ++p) {
        AISCALE_NCCL(ncclSend(l.send + p * per, per, ncclFloat, p, l.comm, l.stream));
        AISCALE_NCCL(ncclRecv(l.recv + p * per, per, ncclFloat, p, l.comm, l.stream));
      }
      break;
    }
    case CollOp::send_recv:  // ring: send to the next rank, receive from the previous
      AISCALE_NCCL(ncclSend(l.send, count, ncclFloat, (l.rank + 1) % nranks, l.comm, l.stream));
      AISCALE_NCCL(ncclRecv(l.recv, count, ncclFloat, (l.rank - 1 + nranks) % nranks, l.comm, l.stream));
      break;
  }
}

}  // namespace

std::vector<CollectivePoint> run_nccl(const BenchOptions& o, const ProcessGroup& g, const Log& log) {
  const int nranks = g.mpi ? g.size : g.local_gpus;
  if (nranks < 2) {
    log("nccl: one GPU, no collectives to measure");
    return {};
  }
  std::vector<Local> locals(g.mpi ? 1 : g.local_gpus);
  if (g.mpi) {
    locals[0].device = o.device;
    locals[0].rank = g.rank;
    ncclUniqueId id;
    if (g.rank == 0) AISCALE_NCCL(ncclGetUniqueId(&id));
#ifdef AISCALE_HAVE_MPI
    MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, MPI_COMM_WORLD);
#endif
    AISCALE_CUDA(cudaSetDevice(o.device));
    AISCALE_NCCL(ncclCommInitRank(&locals[0].comm, nranks, id, g.rank));
  } else {
    std::vector<ncclComm_t> comms(nranks);
    std::vector<int> devs(nranks);
    for (int i = 0; i < nranks; ++i) devs[i] = i;
    AISCALE_NCCL(ncclCommInitAll(comms.data(), nranks, devs.data()));
    for (int i = 0; i < nranks; ++i) locals[i].device = i, locals[i].rank = i, locals[i].comm = comms[i];
  }
  // Largest size: what the sweep asks for, within a third of free memory (send and receive buffers per GPU).
  double max_bytes = o.max_bytes;
  for (auto& l : locals) {
    AISCALE_CUDA(cudaSetDevice(l.device));
    size_t free_b = 0, total_b = 0;
    AISCALE_CUDA(cudaMemGetInfo(&free_b, &total_b));
    while (max_bytes > o.min_bytes && max_bytes * 2 > free_b * 0.66) max_bytes /= 2;
  }
  const auto sizes = collective_sizes(o.min_bytes, max_bytes, o.quick ? 4 : 2);
  for (auto& l : locals) {
    AISCALE_CUDA(cudaSetDevice(l.device));
    AISCALE_CUDA(cudaStreamCreate(&l.stream));
    AISCALE_CUDA(cudaEventCreate(&l.start));
    AISCALE_CUDA(cudaEventCreate(&l.stop));
    AISCALE_CUDA(cudaMalloc(&l.send, static_cast<size_t>(max_bytes)));
    AISCALE_CUDA(cudaMalloc(&l.recv, static_cast<size_t>(max_bytes)));
    fill<<<256, 256, 0, l.stream>>>(l.send, l.rank, static_cast<long>(max_bytes / 4));
    AISCALE_CUDA(cudaGetLastError());
  }

  auto one_rep = [&](const std::string& op, double bytes) {
    for (auto& l : locals) AISCALE_CUDA(cudaSetDevice(l.device)), AISCALE_CUDA(cudaEventRecord(l.start, l.stream));
    AISCALE_NCCL(ncclGroupStart());
    for (auto& l : locals) issue(op, l, nranks, bytes);
    AISCALE_NCCL(ncclGroupEnd());
    double t = 0;
    for (auto& l : locals) {
      AISCALE_CUDA(cudaSetDevice(l.device));
      AISCALE_CUDA(cudaEventRecord(l.stop, l.stream));
      AISCALE_CUDA(cudaEventSynchronize(l.stop));
      float ms = 0;
      AISCALE_CUDA(cudaEventElapsedTime(&ms, l.start, l.stop));
      t = std::max(t, ms * 1e-3);  // a collective ends when its slowest rank does
    }
    return t;
  };

  std::vector<CollectivePoint> out;
  for (const std::string op : {"all_reduce", "all_gather", "reduce_scatter", "all_to_all", "send_recv"}) {
    for (double bytes : sizes) {
      const long count = static_cast<long>(bytes / 4);
      const bool split = op == "all_gather" || op == "reduce_scatter" || op == "all_to_all";
      if (split && count % nranks) continue;  // nccl-tests skips sizes that do not divide among ranks too
      for (auto& l : locals) {
        AISCALE_CUDA(cudaSetDevice(l.device));
        AISCALE_CUDA(cudaMemsetAsync(l.recv, 0xFF, static_cast<size_t>(bytes), l.stream));  // NaN until written
      }
      for (int i = 0; i < o.warmup; ++i) one_rep(op, bytes);
      std::vector<double> times;
      for (int i = 0; i < o.reps; ++i) times.push_back(one_rep(op, bytes));
#ifdef AISCALE_HAVE_MPI
      if (g.mpi) MPI_Allreduce(MPI_IN_PLACE, times.data(), static_cast<int>(times.size()), MPI_DOUBLE, MPI_MAX,
                               MPI_COMM_WORLD);
#endif
      // Check every local rank's receive buffer against the exact result.
      const long recv_count = op == "reduce_scatter" ? count / nranks : count;
      const long conv_count = op == "all_gather" || op == "reduce_scatter" ? count / nranks : count;
      for (auto& l : locals) {
        AISCALE_CUDA(cudaSetDevice(l.device));
        AISCALE_CUDA(cudaStreamSynchronize(l.stream));
        const auto idx = sample_indices(recv_count, 32);
        std::vector<double> got, want;
        for (long x : idx) {
          float v = 0;
          AISCALE_CUDA(cudaMemcpy(&v, l.recv + x, sizeof v, cudaMemcpyDeviceToHost));
          got.push_back(v);
          want.push_back(expected_collective(op, l.rank, nranks, conv_count, x));
        }
        const CheckResult c = check_close(idx, got, want, 0, 0);
        if (!c.ok)
          throw Error("nccl " + op, std::to_string(static_cast<long long>(bytes)) + " bytes on rank " +
                                        std::to_string(l.rank) + ": wrong result (" + c.describe() + ")");
      }
      CollectivePoint p;
      p.op = op;
      p.scope = g.nodes > 1 ? "network" : "nvlink";
      p.ranks = nranks;
      p.nodes = g.nodes;
      p.bytes = bytes;
      p.time = Seconds(median(times));
      out.push_back(p);
      char line[160];
      std::snprintf(line, sizeof line, "nccl %-14s %12.0f B  %10.1f us  busbw %7.2f GB/s", op.c_str(), bytes,
                    p.time.value * 1e6, busbw_of(p) / 1e9);
      log(line);
    }
  }
  for (auto& l : locals) {
    cudaSetDevice(l.device);
    cudaFree(l.send);
    cudaFree(l.recv);
    cudaEventDestroy(l.start);
    cudaEventDestroy(l.stop);
    cudaStreamDestroy(l.stream);
    ncclCommDestroy(l.comm);
  }
  return out;
}

#endif  // AISCALE_HAVE_NCCL

}  // namespace aiscale::calibration::gpu

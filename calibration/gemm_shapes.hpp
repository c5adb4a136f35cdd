#pragma once
// GEMM shapes to measure: a standard grid plus the exact shapes a scenario's layers produce.
#include <string>
#include <vector>

#include "models/scenario.hpp"

namespace aiscale::calibration {

// C[m x n] = A[m x k] * B[k x n], `batch` independent times (attention's per-head products).
struct GemmShape {
  long m = 0, n = 0, k = 0, batch = 1;
  std::string origin;  // "grid" or the layer op it came from ("fc1 fwd", ...)
  double flops() const { return 2.0 * m * n * k * batch; }
};

// Square sizes 256..16384 by powers of two (the usual public sweep) and Megatron-like rectangular shapes;
// `quick` keeps a handful that still span the ramp to peak.
std::vector<GemmShape> standard_gemm_grid(bool quick);

// The distinct GEMMs (m, n, k, batch) one GPU runs for `sc`: layer forward and backward, embedding and head.
std::vector<GemmShape> scenario_gemm_shapes(const Scenario& sc);

// `a` then the shapes of `b` not already in `a` (same m, n, k, batch).
std::vector<GemmShape> merge_shapes(std::vector<GemmShape> a, const std::vector<GemmShape>& b);

}  // namespace aiscale::calibration

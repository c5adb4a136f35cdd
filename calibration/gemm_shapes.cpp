#include "calibration/gemm_shapes.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "models/workload.hpp"

namespace aiscale::calibration {

std::vector<GemmShape> standard_gemm_grid(bool quick) {
  std::vector<GemmShape> out;
  const std::vector<long> squares = quick ? std::vector<long>{1024, 4096, 8192}
                                          : std::vector<long>{256, 512, 1024, 2048, 4096, 8192, 16384};
  for (long s : squares) out.push_back({s, s, s, 1, "grid"});
  // Token-count x hidden shapes of GPT-3 / Llama-class layers (tokens 4096-16384, hidden 4096-12288), as in the
  // Azure AI benchmarking guide's 6144x12288x12288 point: they show the efficiency of skinny and wide GEMMs.
  const std::vector<std::array<long, 3>> rect = quick ? std::vector<std::array<long, 3>>{{6144, 12288, 12288}}
                                                      : std::vector<std::array<long, 3>>{{6144, 12288, 12288},
                                                                                         {8192, 4096, 4096},
                                                                                         {8192, 14336, 4096},
                                                                                         {8192, 4096, 14336},
                                                                                         {16384, 8192, 8192},
                                                                                         {4096, 49152, 12288}};
  for (const auto& r : rect) out.push_back({r[0], r[1], r[2], 1, "grid"});
  return out;
}

std::vector<GemmShape> scenario_gemm_shapes(const Scenario& sc) {
  const Workload w = build_workload(sc);
  std::vector<GemmShape> out;
  auto add = [&](const std::vector<Op>& ops, const char* phase) {
    for (const auto& o : ops) {
      if (o.kind != OpKind::gemm) continue;
      GemmShape s{std::lround(o.m), std::lround(o.n), std::lround(o.k), std::max(1L, std::lround(o.batch)),
                  std::string(o.name) + " " + phase};
      if (s.m <= 0 || s.n <= 0 || s.k <= 0) continue;
      out = merge_shapes(std::move(out), {s});
    }
  };
  for (const LayerOps& k : w.kinds) {  // dense layers, and MoE layers (expert GEMMs) when the model has them
    add(k.fwd, "fwd");
    add(k.bwd, "bwd");
  }
  add(w.embed_fwd, "fwd");
  add(w.embed_bwd, "bwd");
  add(w.head_fwd, "fwd");
  add(w.head_bwd, "bwd");
  return out;
}

std::vector<GemmShape> merge_shapes(std::vector<GemmShape> a, const std::vector<GemmShape>& b) {
  for (const auto& s : b) {
    const bool dup = std::any_of(a.begin(), a.end(), [&](const GemmShape& t) {
      return t.m == s.m && t.n == s.n && t.k == s.k && t.batch == s.batch;
    });
    if (!dup) a.push_back(s);
  }
  return a;
}

}  // namespace aiscale::calibration

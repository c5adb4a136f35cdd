#pragma once
// Test helpers: a scenario document parsed with its calibration profile, every issue a document raises, a search
// among them, and the small MoE scenario that the model and engine tests share.
#include <string>
#include <vector>

#include "models/calibration_profile.hpp"
#include "models/error.hpp"
#include "models/scenario.hpp"

namespace aiscale::test_support {

// A scenario document read relative to the working directory, and the calibration profile a scenario names.
inline Scenario parse(const nlohmann::json& doc) { return parse_scenario(doc, "."); }
inline CalibrationProfile profile(const Scenario& sc) {
  return load_profile(sc.calibration, sc.cluster.gpu, sc.base_dir);
}

inline std::vector<Issue> issues_of(const nlohmann::json& doc) {
  try {
    parse_scenario(doc);
  } catch (const ValidationError& e) {
    return e.issues();
  } catch (const Error& e) {
    return {{e.path(), e.message()}};
  }
  return {};
}

inline bool has_issue(const std::vector<Issue>& v, const std::string& path, const std::string& text) {
  for (const auto& i : v)
    if (i.path == path && i.message.find(text) != std::string::npos) return true;
  return false;
}

// 4 MoE layers, h = 1024, 16 heads of 64 with 4 KV heads, SwiGLU, 8 experts of width 1024, top-2, one shared
// expert of width 1024; 16 H100 GPUs (2 nodes) as tp 2 (SP) x dp 8, ep 4 (etp = tp = 2, edp = 2): each EP group is
// 4 ranks of one tp index over 4 consecutive workers of one node.
inline nlohmann::json small_moe_doc() {
  return nlohmann::json::parse(R"({
    "schema": "aiscale/scenario/v1", "name": "small-moe",
    "model": { "layers": 4, "hidden": 1024, "heads": 16, "kv_heads": 4, "ffn_hidden": 4096, "vocab": 32000,
               "ffn_act": "swiglu", "norm": "rmsnorm",
               "moe": { "experts": 8, "top_k": 2, "shared_experts": 1, "expert_ffn_hidden": 1024 } },
    "cluster": { "gpu": "h100-sxm", "nodes": 2 },
    "parallelism": { "tp": 2, "ep": 4, "sequence_parallel": true, "zero": 1, "micro_batch": 1 },
    "training": { "global_batch": 32, "seq_len": 2048 }
  })");
}

}  // namespace aiscale::test_support

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/common.hpp"
#include "models/calibration_profile.hpp"
#include "models/catalog.hpp"
#include "models/transformer.hpp"

namespace aiscale::cli {

namespace {
std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

void print_gpus(bool json) {
  nlohmann::json j = nlohmann::json::array();
  char line[256];
  if (!json) {
    std::snprintf(line, sizeof line, "%-16s %8s %8s %8s %8s %9s %10s %9s %6s\n", "gpu", "fp32", "tf32", "bf16",
                  "fp8", "HBM", "HBM bw", "NVLink", "TDP");
    std::cout << line << std::string(96, '-') << "\n";
  }
  for (const auto& g : gpu_catalog()) {
    if (json) {
      j.push_back({{"name", g.name}, {"description", g.description}, {"peak_tflops",
                    {{"fp32", g.peak_fp32.value / 1e12}, {"tf32", g.peak_tf32.value / 1e12},
                     {"bf16", g.peak_bf16.value / 1e12}, {"fp16", g.peak_fp16.value / 1e12},
                     {"fp8", g.peak_fp8.value / 1e12}}},
                   {"hbm_gib", g.hbm_capacity.value / 1073741824.0}, {"hbm_bandwidth_GBps", g.hbm_bandwidth.value / 1e9},
                   {"nvlink_GBps", g.nvlink_bandwidth.value / 1e9}, {"tdp_w", g.tdp.value},
                   {"default_node", g.default_node}, {"source", g.source}});
      continue;
    }
    auto tf = [](FlopRate r) { return r.value > 0 ? fmt("%.1f", r.value / 1e12) : std::string("-"); };
    std::snprintf(line, sizeof line, "%-16s %8s %8s %8s %8s %9s %10s %9s %5.0fW\n", g.name.c_str(),
                  tf(g.peak_fp32).c_str(), tf(g.peak_tf32).c_str(), tf(g.peak_bf16).c_str(), tf(g.peak_fp8).c_str(),
                  format_bytes(g.hbm_capacity.value).c_str(), format_bandwidth(g.hbm_bandwidth.value).c_str(),
                  format_bandwidth(g.nvlink_bandwidth.value).c_str(), g.tdp.value);
    std::cout << line;
  }
  if (json)
    std::cout << j.dump(2) << "\n";
  else
    std::cout << "(dense TFLOP/s; NVLink both directions; sources: aiscale catalog gpus --json)\n";
}

void print_models(bool json) {
  nlohmann::json j = nlohmann::json::array();
  char line[256];
  if (!json) {
    std::snprintf(line, sizeof line, "%-14s %10s %9s %7s %7s %6s %5s %7s %8s %7s  %s\n", "model", "params", "active",
                  "layers", "hidden", "heads", "kv", "ffn", "vocab", "ffn_act", "experts");
    std::cout << line << std::string(106, '-') << "\n";
  }
  for (const auto& m : model_presets()) {
    if (json) {
      j.push_back({{"name", m.name}, {"params", m.total_params()}, {"layers", m.layers}, {"hidden", m.hidden},
                   {"heads", m.heads}, {"kv_heads", m.kv_heads}, {"ffn_hidden", m.ffn_hidden}, {"vocab", m.vocab},
                   {"ffn_act", to_string(m.ffn_act)}, {"tied_embeddings", m.tied_embeddings}, {"source", m.source}});
      if (m.moe.enabled())
        j.back()["moe"] = {{"experts", m.moe.experts},           {"top_k", m.moe.top_k},
                           {"shared_experts", m.moe.shared_experts}, {"expert_ffn_hidden", m.moe.expert_ffn_hidden},
                           {"every", m.moe.every},               {"first_dense", m.moe.first_dense},
                           {"active_params", m.active_params()}};
      if (m.mla.enabled())
        j.back()["mla"] = {{"q_lora_rank", m.mla.q_lora_rank}, {"kv_lora_rank", m.mla.kv_lora_rank},
                           {"qk_nope_head_dim", m.mla.qk_nope_head_dim}, {"qk_rope_head_dim", m.mla.qk_rope_head_dim},
                           {"v_head_dim", m.mla.v_head_dim}};
      continue;
    }
    std::string experts = "-";
    if (m.moe.enabled()) {
      experts = std::to_string(m.moe.experts) + " top-" + std::to_string(m.moe.top_k);
      if (m.moe.shared_experts > 0) experts += " +" + std::to_string(m.moe.shared_experts) + " shared";
      experts += ", width " + std::to_string(m.moe.expert_ffn_hidden);
      if (m.mla.enabled()) experts += "; MLA";
    }
    std::snprintf(line, sizeof line, "%-14s %9.2fB %8.2fB %7d %7d %6d %5d %7d %8d %7s  %s\n", m.name.c_str(),
                  m.total_params() / 1e9, m.active_params() / 1e9, m.layers, m.hidden, m.heads, m.kv_heads,
                  m.ffn_hidden, m.vocab, to_string(m.ffn_act).c_str(), experts.c_str());
    std::cout << line;
  }
  if (json) std::cout << j.dump(2) << "\n";
}

void print_nodes(bool json) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& n : node_catalog()) {
    if (json)
      j.push_back({{"name", n.name}, {"description", n.description}, {"gpus", n.gpus}, {"scale_up", n.scale_up_kind},
                   {"scale_up_GBps_per_direction", n.scale_up_bandwidth.value / 1e9},
                   {"nic_Gbps", n.nic_bandwidth.value * 8 / 1e9}, {"nics", n.nics}, {"source", n.source}});
    else
      std::cout << n.name << std::string(14 - std::min<size_t>(13, n.name.size()), ' ') << n.description << "\n";
  }
  if (json) std::cout << j.dump(2) << "\n";
}
}  // namespace

void add_catalog_command(CLI::App& app) {
  auto what = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("catalog", "List built-in GPUs, node types, models and calibration profiles");
  cmd->add_option("what", *what, "gpus | nodes | models | profiles")
      ->required()
      ->check(CLI::IsMember({"gpus", "nodes", "models", "profiles"}));
  cmd->add_flag("--json", *json, "Print JSON");
  cmd->callback([what, json] {
    if (*what == "gpus") print_gpus(*json);
    if (*what == "nodes") print_nodes(*json);
    if (*what == "models") print_models(*json);
    if (*what == "profiles") {
      if (*json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& n : shipped_profile_names()) j.push_back(nlohmann::json::parse(shipped_profile_text(n)));
        std::cout << j.dump(2) << "\n";
      } else {
        for (const auto& n : shipped_profile_names()) std::cout << n << "\n";
      }
    }
  });
}

}  // namespace aiscale::cli

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
    std::snprintf(line, sizeof line, "%-14s %10s %7s %7s %6s %5s %7s %8s %7s\n", "model", "params", "layers", "hidden",
                  "heads", "kv", "ffn", "vocab", "ffn_act");
    std::cout << line << std::string(80, '-') << "\n";
  }
  for (const auto& m : model_presets()) {
    if (json) {
      j.push_back({{"name", m.name}, {"params", m.total_params()}, {"layers", m.layers}, {"hidden", m.hidden},
                   {"heads", m.heads}, {"kv_heads", m.kv_heads}, {"ffn_hidden", m.ffn_hidden}, {"vocab", m.vocab},
                   {"ffn_act", to_string(m.ffn_act)}, {"tied_embeddings", m.tied_embeddings}, {"source", m.source}});
      continue;
    }
    std::snprintf(line, sizeof line, "%-14s %9.2fB %7d %7d %6d %5d %7d %8d %7s\n", m.name.c_str(),
                  m.total_params() / 1e9, m.layers, m.hidden, m.heads, m.kv_heads, m.ffn_hidden, m.vocab,
                  to_string(m.ffn_act).c_str());
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

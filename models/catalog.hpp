#pragma once
// Hardware catalog: GPUs and node types, every figure with its public source.
#include <string>
#include <vector>

#include "models/units.hpp"

namespace aiscale {

enum class Precision { fp32, tf32, bf16, fp16, fp8 };
Precision parse_precision(const std::string& s, const std::string& field);
std::string to_string(Precision p);

struct GpuSpec {
  std::string name;  // catalog key, e.g. "h100-sxm"
  std::string description;
  // Dense (non-sparse) tensor-core peak per precision; 0 where the GPU has no such mode.
  FlopRate peak_fp32, peak_tf32, peak_bf16, peak_fp16, peak_fp8;
  Bytes hbm_capacity;
  Bandwidth hbm_bandwidth;
  Bandwidth nvlink_bandwidth;  // per GPU, both directions added, as NVIDIA quotes it
  Watts tdp;
  int nvlink_domain = 8;  // GPUs in one NVLink/NVSwitch domain for the usual node/rack
  std::string default_node;  // node type key
  std::string source;        // public sources of the figures above

  FlopRate peak(Precision p) const;
};

struct NodeType {
  std::string name;  // "dgx-h100"
  std::string description;
  int gpus = 8;
  std::string scale_up_kind;  // "nvswitch", "nvl72", "pcie"
  Bandwidth scale_up_bandwidth;  // per GPU, one direction
  Bandwidth nic_bandwidth;       // per compute NIC, one direction
  int nics = 8;                  // compute NICs per node
  std::string source;
};

// Lower case with '_' read as '-': the form catalog and preset names are compared in.
std::string canonical_name(std::string s);

// The built-in catalog; lookups are case-insensitive and accept '_' for '-'.
const std::vector<GpuSpec>& gpu_catalog();
const std::vector<NodeType>& node_catalog();
const GpuSpec* find_gpu(const std::string& name);
const NodeType* find_node(const std::string& name);
std::vector<std::string> gpu_names();
std::vector<std::string> node_names();

}  // namespace aiscale

#include "models/catalog.hpp"

#include <algorithm>
#include <cctype>

#include "models/error.hpp"

namespace aiscale {

namespace {

constexpr double T = 1e12;   // TFLOP/s
constexpr double GB = 1e9;   // bytes (decimal, as datasheets quote bandwidth)
constexpr double GiB = 1073741824.0;


std::vector<GpuSpec> make_gpus() {
  std::vector<GpuSpec> g;
  // A100: NVIDIA A100 Tensor Core GPU datasheet (nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/
  // nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf): FP32 19.5, TF32 156, BF16/FP16 312 TFLOPS dense,
  // NVLink 600 GB/s, 400 W (SXM). Memory sizes as nvidia-smi reports them (40960 / 81920 MiB).
  g.push_back({"a100-sxm4-40gb", "NVIDIA A100 SXM4 40GB (HBM2)", FlopRate(19.5 * T), FlopRate(156 * T),
               FlopRate(312 * T), FlopRate(312 * T), FlopRate(0), Bytes(40 * GiB), Bandwidth(1555 * GB),
               Bandwidth(600 * GB), Watts(400), 8, "dgx-a100",
               "NVIDIA A100 datasheet (r4): 312 TFLOPS BF16/FP16 dense, 156 TF32, 19.5 FP32, 1,555 GB/s HBM2, "
               "NVLink 600 GB/s, 400 W"});
  g.push_back({"a100-sxm4-80gb", "NVIDIA A100 SXM4 80GB (HBM2e)", FlopRate(19.5 * T), FlopRate(156 * T),
               FlopRate(312 * T), FlopRate(312 * T), FlopRate(0), Bytes(80 * GiB), Bandwidth(2039 * GB),
               Bandwidth(600 * GB), Watts(400), 8, "dgx-a100",
               "NVIDIA A100 datasheet (r4): 312 TFLOPS BF16/FP16 dense, 156 TF32, 19.5 FP32, 2,039 GB/s HBM2e, "
               "NVLink 600 GB/s, 400 W"});
  // H100 SXM: NVIDIA H100 Tensor Core GPU datasheet; the dense figures are half the with-sparsity ones it lists.
  g.push_back({"h100-sxm", "NVIDIA H100 SXM5 80GB (HBM3)", FlopRate(66.9 * T), FlopRate(494.7 * T),
               FlopRate(989.4 * T), FlopRate(989.4 * T), FlopRate(1978.9 * T), Bytes(80 * GiB),
               Bandwidth(3350 * GB), Bandwidth(900 * GB), Watts(700), 8, "dgx-h100",
               "NVIDIA H100 datasheet: 989.4 TFLOPS BF16/FP16 dense (1,979 sparse), 1,978.9 FP8 dense, 494.7 TF32, "
               "66.9 FP32, 3.35 TB/s HBM3, NVLink 900 GB/s, up to 700 W"});
  // H800 SXM: H100 compute with NVLink cut to 400 GB/s (NVIDIA H800 product brief).
  g.push_back({"h800", "NVIDIA H800 SXM5 80GB (export variant, NVLink 400 GB/s)", FlopRate(66.9 * T),
               FlopRate(494.7 * T), FlopRate(989.4 * T), FlopRate(989.4 * T), FlopRate(1978.9 * T),
               Bytes(80 * GiB), Bandwidth(3350 * GB), Bandwidth(400 * GB), Watts(700), 8, "hgx-h800",
               "NVIDIA H800 SXM5 product brief: H100 tensor throughput, 3.35 TB/s HBM3, NVLink 400 GB/s, 700 W"});
  // H200 SXM: NVIDIA H200 Tensor Core GPU datasheet.
  g.push_back({"h200", "NVIDIA H200 SXM 141GB (HBM3e)", FlopRate(66.9 * T), FlopRate(494.7 * T),
               FlopRate(989.5 * T), FlopRate(989.5 * T), FlopRate(1979 * T), Bytes(141 * GB),
               Bandwidth(4800 * GB), Bandwidth(900 * GB), Watts(700), 8, "hgx-h200",
               "NVIDIA H200 datasheet: 989 TFLOPS BF16/FP16 dense, 1,979 FP8 dense, 141 GB HBM3e at 4.8 TB/s, "
               "NVLink 900 GB/s, up to 700 W"});
  // B200 in an HGX/DGX B200 board (1000 W): DGX B200 datasheet, 72 PFLOPS FP8 / 8 GPUs with sparsity.
  g.push_back({"b200", "NVIDIA B200 SXM 180GB (HGX/DGX B200, 1000 W)", FlopRate(0), FlopRate(1100 * T),
               FlopRate(2250 * T), FlopRate(2250 * T), FlopRate(4500 * T), Bytes(180 * GB), Bandwidth(8000 * GB),
               Bandwidth(1800 * GB), Watts(1000), 8, "dgx-b200",
               "NVIDIA DGX B200 datasheet (1,440 GB HBM3e and 64 TB/s per 8 GPUs, 72 PF FP8 sparse); HGX B200 "
               "per-GPU dense: 2.25 PF BF16, 4.5 PF FP8, 1.1 PF TF32; NVLink 5 1.8 TB/s; FP32 not published"});
  // B200 inside GB200 (1200 W): GB200 NVL72 datasheet, 72 GPUs, 13.4 TB HBM3e, 130 TB/s NVLink domain.
  g.push_back({"gb200", "NVIDIA GB200 (B200 in a GB200 NVL72 rack, 1200 W)", FlopRate(0), FlopRate(1250 * T),
               FlopRate(2500 * T), FlopRate(2500 * T), FlopRate(5000 * T), Bytes(186 * GB), Bandwidth(8000 * GB),
               Bandwidth(1800 * GB), Watts(1200), 72, "gb200-nvl72",
               "NVIDIA GB200 NVL72 datasheet: per GPU 2.5 PF BF16, 5 PF FP8 dense, 1.25 PF TF32; 13.4 TB HBM3e "
               "per 72 GPUs (186 GB each) at 8 TB/s; NVLink 5 1.8 TB/s; FP32 not published"});
  return g;
}

std::vector<NodeType> make_nodes() {
  // Scale-up bandwidth is per GPU and per direction: NVIDIA quotes NVLink as both directions added.
  return {
      {"dgx-a100", "DGX/HGX A100: 8x A100 SXM4, 6x NVSwitch (NVLink 3), 8x ConnectX-6 HDR 200 Gb/s", 8, "nvswitch",
       Bandwidth(300 * GB), Bandwidth(200e9 / 8), 8,
       "NVIDIA DGX A100 User Guide: 8 GPUs, 600 GB/s NVLink per GPU, 8 single-port Mellanox ConnectX-6 VPI "
       "200 Gb/s HDR InfiniBand for compute"},
      {"dgx-h100", "DGX/HGX H100: 8x H100 SXM5, 4x NVSwitch (NVLink 4), 8x ConnectX-7 NDR 400 Gb/s", 8, "nvswitch",
       Bandwidth(450 * GB), Bandwidth(400e9 / 8), 8,
       "NVIDIA DGX H100 User Guide; MLPerf Training v3.1 system description eos-dfw_n1344 (8x ConnectX-7 "
       "NDR 400 Gb/s per node)"},
      {"hgx-h800", "HGX H800: 8x H800 SXM5, NVLink 400 GB/s, 8x 400 Gb/s NICs", 8, "nvswitch", Bandwidth(200 * GB),
       Bandwidth(400e9 / 8), 8, "NVIDIA H800 product brief (NVLink 400 GB/s); NICs as on HGX H100"},
      {"hgx-h200", "HGX H200: 8x H200 SXM, 4x NVSwitch (NVLink 4), 8x ConnectX-7 NDR 400 Gb/s", 8, "nvswitch",
       Bandwidth(450 * GB), Bandwidth(400e9 / 8), 8, "NVIDIA HGX H200 datasheet (900 GB/s NVLink per GPU)"},
      {"dgx-b200", "DGX/HGX B200: 8x B200, 2x NVSwitch (NVLink 5), 8x ConnectX-7 400 Gb/s", 8, "nvswitch",
       Bandwidth(900 * GB), Bandwidth(400e9 / 8), 8,
       "NVIDIA DGX B200 datasheet: 1.8 TB/s NVLink per GPU (14.4 TB/s per node), 8x single-port ConnectX-7 "
       "400 Gb/s"},
      {"gb200-nvl72", "GB200 NVL72 rack: 72 B200 in one NVLink 5 domain, one 400 Gb/s ConnectX-7 per GPU", 72,
       "nvl72", Bandwidth(900 * GB), Bandwidth(400e9 / 8), 72,
       "NVIDIA GB200 NVL72 datasheet: 130 TB/s NVLink domain (1.8 TB/s per GPU); compute tray with ConnectX-7 "
       "400 Gb/s per GPU"},
      {"pcie-8gpu", "Generic 8-GPU PCIe Gen4 server, no NVLink, 4x 200 Gb/s NICs", 8, "pcie", Bandwidth(25 * GB),
       Bandwidth(200e9 / 8), 4, "PCIe 4.0 x16: 31.5 GB/s raw per direction, ~25 GB/s achievable (PCI-SIG spec)"},
  };
}

}  // namespace

std::string canonical_name(std::string s) {
  for (auto& c : s) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Precision parse_precision(const std::string& s, const std::string& field) {
  const std::string c = canonical_name(s);
  if (c == "fp32") return Precision::fp32;
  if (c == "tf32") return Precision::tf32;
  if (c == "bf16") return Precision::bf16;
  if (c == "fp16") return Precision::fp16;
  if (c == "fp8") return Precision::fp8;
  throw Error(field, "unknown precision '" + s + "'; use one of fp32, tf32, bf16, fp16, fp8");
}

std::string to_string(Precision p) {
  switch (p) {
    case Precision::fp32: return "fp32";
    case Precision::tf32: return "tf32";
    case Precision::bf16: return "bf16";
    case Precision::fp16: return "fp16";
    case Precision::fp8: return "fp8";
  }
  return "bf16";
}

FlopRate GpuSpec::peak(Precision p) const {
  switch (p) {
    case Precision::fp32: return peak_fp32;
    case Precision::tf32: return peak_tf32;
    case Precision::bf16: return peak_bf16;
    case Precision::fp16: return peak_fp16;
    case Precision::fp8: return peak_fp8;
  }
  return peak_bf16;
}

const std::vector<GpuSpec>& gpu_catalog() {
  static const std::vector<GpuSpec> gpus = make_gpus();
  return gpus;
}

const std::vector<NodeType>& node_catalog() {
  static const std::vector<NodeType> nodes = make_nodes();
  return nodes;
}

const GpuSpec* find_gpu(const std::string& name) {
  const std::string c = canonical_name(name);
  for (const auto& g : gpu_catalog())
    if (g.name == c) return &g;
  // Common aliases people type.
  if (c == "a100" || c == "a100-80gb" || c == "a100-sxm-80gb") return find_gpu("a100-sxm4-80gb");
  if (c == "a100-40gb" || c == "a100-sxm-40gb") return find_gpu("a100-sxm4-40gb");
  if (c == "h100" || c == "h100-sxm5" || c == "h100-80gb") return find_gpu("h100-sxm");
  return nullptr;
}

const NodeType* find_node(const std::string& name) {
  const std::string c = canonical_name(name);
  for (const auto& n : node_catalog())
    if (n.name == c) return &n;
  if (c == "hgx-a100") return find_node("dgx-a100");
  if (c == "hgx-h100") return find_node("dgx-h100");
  if (c == "hgx-b200") return find_node("dgx-b200");
  return nullptr;
}

std::vector<std::string> gpu_names() {
  std::vector<std::string> out;
  for (const auto& g : gpu_catalog()) out.push_back(g.name);
  return out;
}

std::vector<std::string> node_names() {
  std::vector<std::string> out;
  for (const auto& n : node_catalog()) out.push_back(n.name);
  return out;
}

}  // namespace aiscale

#include "report/result_report.hpp"

#include <cstdio>
#include <sstream>

namespace aiscale {

namespace {
std::string f(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}
}  // namespace

std::string to_report(const Result& r, const Scenario& sc) {
  std::ostringstream o;
  const auto& p = sc.plan;
  o << "aiscale: " << r.scenario << " (" << r.engine << " engine)\n";
  if (!sc.description.empty()) o << "  " << sc.description << "\n";
  o << "  model      " << sc.model.name << ", " << f("%.1f", sc.model.total_params() / 1e9) << "B parameters"
    << (sc.model.moe.enabled() ? " (" + f("%.1f", sc.model.active_params() / 1e9) + "B active, " +
                                     std::to_string(sc.model.moe.experts) + " experts, top-" +
                                     std::to_string(sc.model.moe.top_k) + ")"
                               : std::string())
    << ", " << sc.model.layers << " layers, hidden " << sc.model.hidden << "\n";
  o << "  cluster    " << r.gpus << " x " << sc.cluster.gpu.name << " (" << sc.cluster.nodes << " nodes x "
    << sc.cluster.gpus_per_node << "), " << sc.cluster.scale_out.topology << ", "
    << format_bandwidth(sc.cluster.scale_out.nic.value) << " x " << sc.cluster.scale_out.nics_per_node
    << " NICs/node\n";
  o << "  plan       tp " << p.tp << " pp " << p.pp << " dp " << p.dp << " cp " << p.cp
    << (p.cp > 1 ? " (" + to_string(p.cp_comm) + ")" : "")
    << (sc.model.moe.enabled() ? " ep " + std::to_string(p.ep) + " etp " + std::to_string(expert_tp(p)) : "")
    << (p.vpp > 1 ? " vpp " + std::to_string(p.vpp) : "") << ", " << to_string(p.schedule) << ", ZeRO-" << p.zero
    << ", recompute " << to_string(p.recompute) << (p.sequence_parallel ? ", SP" : "") << ", micro-batch "
    << p.micro_batch << " x " << r.microbatches << "\n\n";
  o << "  step time            " << format_time(r.step_time_s) << "\n";
  o << "  throughput           " << f("%.0f", r.tokens_per_s) << " tokens/s (" << f("%.0f", r.tokens_per_s / r.gpus)
    << " per GPU)\n";
  o << "  model FLOPs          " << f("%.1f", r.model_tflops_per_gpu) << " TFLOP/s per GPU, MFU "
    << f("%.1f%%", 100 * r.mfu) << "\n";
  o << "  hardware FLOPs       " << f("%.1f", r.hardware_tflops_per_gpu) << " TFLOP/s per GPU, HFU "
    << f("%.1f%%", 100 * r.hfu) << "\n\n";
  const Breakdown& b = r.breakdown;
  o << "  step breakdown (critical stage " << r.critical_stage << ")\n";
  auto line = [&](const char* name, double v) {
    if (v <= 0 && std::string(name) != "compute") return;
    o << "    " << name << std::string(22 - std::string(name).size(), ' ') << format_time(v) << "  ("
      << f("%.1f%%", 100 * v / r.step_time_s) << ")\n";
  };
  line("compute", b.compute);
  line("TP communication", b.tp);
  line("CP communication", b.cp);
  line("EP communication", b.ep);
  line("PP communication", b.pp);
  line("DP communication", b.dp);
  line("pipeline bubble", b.bubble);
  line("optimizer", b.optimizer);
  const MemoryBreakdown& m = r.memory;
  o << "\n  memory per GPU (stage " << m.stage << ")  " << format_bytes(m.peak) << " of " << format_bytes(m.capacity)
    << (m.fits ? "  fits" : "  DOES NOT FIT") << "\n";
  o << "    weights " << format_bytes(m.weights) << ", gradients " << format_bytes(m.gradients) << ", optimizer "
    << format_bytes(m.optimizer) << ", activations " << format_bytes(m.activations)
    << (m.fp8_state > 0 ? ", of the weights FP8 copies and scaling " + format_bytes(m.fp8_state) : std::string())
    << ", CUDA and NCCL " << format_bytes(m.runtime) << "\n";
  if (sc.training.tokens > 0) {
    o << "\n  training " << f("%.3g", sc.training.tokens) << " tokens\n";
    o << "    steps " << f("%.0f", r.training.steps) << ", " << f("%.1f", r.training.days) << " days, "
      << f("%.0f", r.training.gpu_hours) << " GPU-hours\n";
    if (sc.cost.gpu_hour.value > 0) o << "    cost $" << f("%.0f", r.training.cost_usd) << "\n";
    o << "    energy " << f("%.1f", r.training.energy_mwh) << " MWh (GPUs at TDP"
      << (sc.cost.pue > 1 ? f(", PUE %.2f", sc.cost.pue) : std::string("")) << ")\n";
  }
  if (r.links) {
    o << "\n  link utilisation (share of the step each link was busy)\n";
    for (const auto& t : r.links->tiers)
      o << "    " << t.tier << std::string(t.tier.size() < 18 ? 18 - t.tier.size() : 1, ' ') << t.links
        << " links, " << format_bytes(t.bytes) << ", mean " << f("%.1f%%", 100 * t.mean_utilisation) << ", max "
        << f("%.1f%%", 100 * t.max_utilisation) << "\n";
    if (!r.links->busiest.empty()) o << "  busiest links\n";
    for (const auto& l : r.links->busiest)
      o << "    " << l.name << " (" << l.tier << ")  " << format_bytes(l.bytes) << ", "
        << f("%.1f%%", 100 * l.utilisation) << "\n";
  }
  for (const auto& w : r.warnings) o << "  warning: " << w << "\n";
  return o.str();
}

}  // namespace aiscale

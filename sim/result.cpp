#include "sim/result.hpp"

#include <cstdio>
#include <sstream>

namespace aiscale {

namespace {
constexpr double kGiB = 1073741824.0;

std::string f(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}
}  // namespace

void complete_result(Result& r, const Scenario& sc, double step, double model_flops, double hardware_flops) {
  const TrainingSpec& tr = sc.training;
  r.step_time_s = step;
  r.tokens_per_step = double(tr.global_batch) * tr.seq_len;
  r.tokens_per_s = r.tokens_per_step / step;
  r.model_flops_per_step = model_flops;
  r.hardware_flops_per_step = hardware_flops;
  r.model_tflops_per_gpu = model_flops / step / r.gpus / 1e12;
  r.hardware_tflops_per_gpu = hardware_flops / step / r.gpus / 1e12;
  const double peak = sc.cluster.gpu.peak(tr.precision).value;
  r.mfu = model_flops / step / r.gpus / peak;
  r.hfu = hardware_flops / step / r.gpus / peak;
  r.memory = memory_per_gpu(sc.model, sc.plan, sc.cluster.gpu, tr.precision, tr.global_batch, tr.seq_len,
                            tr.flash_attention, tr.framework);
  r.training = training_totals(step, r.tokens_per_step, tr.tokens, r.gpus, sc.cost.gpu_hour.value,
                               sc.cluster.gpu.tdp.value, sc.cost.pue);
  r.warnings = sc.warnings;
  if (!r.memory.fits)
    r.warnings.push_back("memory: pipeline stage " + std::to_string(r.memory.stage) + " needs " +
                         format_bytes(r.memory.peak) + " per GPU but " + sc.cluster.gpu.name + " has " +
                         format_bytes(r.memory.capacity) + "; raise tp/pp, ZeRO or recompute");
}

nlohmann::json to_json(const Result& r, const Scenario& sc) {
  nlohmann::json j;
  j["schema"] = kResultSchema;
  j["scenario"] = r.scenario;
  j["engine"] = r.engine;
  j["gpus"] = r.gpus;
  j["gpu"] = sc.cluster.gpu.name;
  j["model"] = sc.model.name;
  j["params"] = sc.model.total_params();
  if (sc.model.moe.enabled()) j["active_params"] = sc.model.active_params();
  j["parallelism"] = {{"tp", sc.plan.tp}, {"pp", sc.plan.pp}, {"dp", sc.plan.dp}, {"cp", sc.plan.cp},
                      {"ep", sc.plan.ep}, {"etp", expert_tp(sc.plan)}, {"cp_comm", to_string(sc.plan.cp_comm)},
                      {"vpp", sc.plan.vpp}, {"schedule", to_string(sc.plan.schedule)},
                      {"zero", sc.plan.zero}, {"recompute", to_string(sc.plan.recompute)},
                      {"micro_batch", sc.plan.micro_batch}, {"microbatches", r.microbatches}};
  j["step_time_s"] = r.step_time_s;
  j["tokens_per_s"] = r.tokens_per_s;
  j["model_flops_per_step"] = r.model_flops_per_step;
  j["hardware_flops_per_step"] = r.hardware_flops_per_step;
  j["model_tflops_per_gpu"] = r.model_tflops_per_gpu;
  j["hardware_tflops_per_gpu"] = r.hardware_tflops_per_gpu;
  j["mfu"] = r.mfu;
  j["hfu"] = r.hfu;
  const Breakdown& b = r.breakdown;
  j["breakdown_s"] = {{"compute", b.compute}, {"tp", b.tp}, {"pp", b.pp}, {"dp", b.dp}, {"cp", b.cp},
                      {"ep", b.ep}, {"bubble", b.bubble}, {"optimizer", b.optimizer}};
  j["critical_stage"] = r.critical_stage;
  const MemoryBreakdown& m = r.memory;
  j["memory_gib"] = {{"weights", m.weights / kGiB},
                     {"gradients", m.gradients / kGiB},
                     {"optimizer", m.optimizer / kGiB},
                     {"activations", m.activations / kGiB},
                     {"runtime", m.runtime / kGiB},
                     {"peak", m.peak / kGiB},
                     {"capacity", m.capacity / kGiB},
                     {"fits", m.fits},
                     {"stage", m.stage}};
  j["training"] = {{"tokens", sc.training.tokens}, {"steps", r.training.steps},
                   {"time_to_train_days", r.training.days}, {"gpu_hours", r.training.gpu_hours}};
  j["cost_usd"] = r.training.cost_usd;
  j["energy_mwh"] = r.training.energy_mwh;
  j["warnings"] = r.warnings;
  if (r.links) {
    nlohmann::json tiers = nlohmann::json::array(), busiest = nlohmann::json::array();
    for (const auto& t : r.links->tiers)
      tiers.push_back({{"tier", t.tier}, {"links", t.links}, {"bytes", t.bytes},
                       {"mean_utilisation", t.mean_utilisation}, {"max_utilisation", t.max_utilisation}});
    for (const auto& l : r.links->busiest)
      busiest.push_back({{"link", l.name}, {"tier", l.tier}, {"bytes", l.bytes}, {"utilisation", l.utilisation}});
    j["links"] = {{"tiers", tiers}, {"busiest", busiest}};
  }
  return j;
}

std::string to_csv_header() {
  return "scenario,engine,gpus,step_time_s,tokens_per_s,model_tflops_per_gpu,hardware_tflops_per_gpu,mfu,hfu,"
         "compute_s,tp_s,pp_s,dp_s,cp_s,ep_s,bubble_s,optimizer_s,memory_peak_gib,memory_fits,time_to_train_days,"
         "gpu_hours,cost_usd,energy_mwh";
}

std::string to_csv_row(const Result& r) {
  std::ostringstream o;
  o.precision(10);
  std::string name = r.scenario;
  if (name.find_first_of(",\"") != std::string::npos) {
    std::string q = "\"";
    for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    name = q + "\"";
  }
  const Breakdown& b = r.breakdown;
  o << name << ',' << r.engine << ',' << r.gpus << ',' << r.step_time_s << ',' << r.tokens_per_s << ','
    << r.model_tflops_per_gpu << ',' << r.hardware_tflops_per_gpu << ',' << r.mfu << ',' << r.hfu << ','
    << b.compute << ',' << b.tp << ',' << b.pp << ',' << b.dp << ',' << b.cp << ',' << b.ep << ',' << b.bubble << ','
    << b.optimizer << ',' << r.memory.peak / kGiB << ',' << (r.memory.fits ? "true" : "false") << ','
    << r.training.days << ',' << r.training.gpu_hours << ',' << r.training.cost_usd << ','
    << r.training.energy_mwh;
  return o.str();
}

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

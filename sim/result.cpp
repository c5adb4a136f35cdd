#include "sim/result.hpp"

#include <cstdio>
#include <sstream>

namespace aiscale {

namespace {
constexpr double kGiB = 1073741824.0;
}  // namespace

std::string memory_shortfall(const MemoryBreakdown& m, const std::string& gpu_name) {
  return "memory: pipeline stage " + std::to_string(m.stage) + " needs " + format_bytes(m.peak) + " per GPU but " +
         gpu_name + " has " + format_bytes(m.capacity) + "; raise tp/pp, ZeRO or recompute";
}

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
  if (!r.memory.fits) r.warnings.push_back(memory_shortfall(r.memory, sc.cluster.gpu.name));
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

}  // namespace aiscale

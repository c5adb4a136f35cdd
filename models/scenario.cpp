#include "models/scenario.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/json_reader.hpp"

namespace aiscale {

namespace {

TransformerConfig parse_model(const nlohmann::json& j, const std::string& base_dir, Diagnostics& diag) {
  if (j.is_string()) {
    const std::string name = j.get<std::string>();
    if (const TransformerConfig* m = find_model(name)) return *m;
    const std::string near = nearest(name, model_names());
    diag.error("model", "unknown model preset '" + name + "'" +
                            (near.empty() ? "; `aiscale catalog models` lists them" : " (did you mean '" + near + "'?)"));
    return {};
  }
  if (j.is_object() && j.contains("hf_config")) {
    ObjectReader r(j, "model", diag);
    const std::string rel = r.text("hf_config", "");
    r.finish();
    if (!diag.empty()) return {};
    std::filesystem::path p(rel);
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    try {
      // A config without "_name_or_path" is named after its directory (hf/<model>/config.json).
      const std::string dir = p.parent_path().filename().string();
      return model_from_hf_config(read_json_file(p.string()), p.string(), dir.empty() ? "hf-model" : dir);
    } catch (const Error& e) {
      diag.error("model.hf_config", e.what());
      return {};
    } catch (const ValidationError& e) {
      for (const Issue& i : e.issues()) diag.error("model.hf_config", i.path + ": " + i.message);
      return {};
    }
  }
  if (!j.is_object()) {
    diag.error("model",
               "must be a preset name such as \"llama3-70b\" (`aiscale catalog models`), an object with "
               "layers, hidden, heads and vocab, or {\"hf_config\": \"path/to/config.json\"}");
    return {};
  }
  ObjectReader r(j, "model", diag);
  TransformerConfig m;
  m.name = r.text("name", "custom");
  m.layers = r.count("layers", 1);
  m.hidden = r.count("hidden", 1);
  m.heads = r.count("heads", 1);
  m.kv_heads = r.count("kv_heads", m.heads);
  m.ffn_hidden = r.count("ffn_hidden", 4 * m.hidden);
  m.vocab = r.count("vocab", 1);
  m.ffn_act = r.choice("ffn_act", "gelu", {"gelu", "swiglu"}) == "swiglu" ? FfnAct::swiglu : FfnAct::gelu;
  m.tied_embeddings = r.flag("tied_embeddings", false);
  m.bias = r.flag("bias", false);
  m.rmsnorm = r.choice("norm", "layernorm", {"layernorm", "rmsnorm"}) == "rmsnorm";
  m.learned_positions = r.count("learned_positions", 0, 0);
  m.qkv_bias = r.flag("qkv_bias", false);
  if (const nlohmann::json* mo = r.get("moe")) {
    ObjectReader e(*mo, "model.moe", diag);
    m.moe.experts = e.count("experts", 1);
    m.moe.top_k = e.count("top_k", 1);
    m.moe.shared_experts = e.count("shared_experts", 0, 0);
    m.moe.expert_ffn_hidden = e.count("expert_ffn_hidden", m.ffn_hidden);
    m.moe.shared_ffn_hidden = e.count("shared_ffn_hidden", 0, 0);
    m.moe.every = e.count("every", 1);
    m.moe.first_dense = e.count("first_dense", 0, 0);
    m.moe.shared_gate = e.flag("shared_gate", false);
    e.require({"experts", "top_k"}, "a mixture-of-experts model");
    e.finish();
    if (m.moe.top_k > m.moe.experts)
      diag.error("model.moe.top_k", "top_k " + std::to_string(m.moe.top_k) + " exceeds the " +
                                        std::to_string(m.moe.experts) + " experts");
    if (m.moe.first_dense >= m.layers)
      diag.error("model.moe.first_dense", "must be smaller than the number of layers");
  }
  if (const nlohmann::json* ml = r.get("mla")) {
    ObjectReader a(*ml, "model.mla", diag);
    m.mla.q_lora_rank = a.count("q_lora_rank", 0, 0);
    m.mla.kv_lora_rank = a.count("kv_lora_rank", 1);
    m.mla.qk_nope_head_dim = a.count("qk_nope_head_dim", 1);
    m.mla.qk_rope_head_dim = a.count("qk_rope_head_dim", 1);
    m.mla.v_head_dim = a.count("v_head_dim", 1);
    a.require({"kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"}, "multi-head latent attention");
    a.finish();
    m.kv_heads = m.heads;
  }
  r.require({"layers", "hidden", "heads", "vocab"}, "a custom model");
  r.finish();
  if (m.hidden % m.heads != 0) diag.error("model.hidden", "hidden must be divisible by heads");
  if (m.heads % m.kv_heads != 0) diag.error("model.kv_heads", "heads must be divisible by kv_heads");
  m.source = "scenario file";
  return m;
}

GpuSpec parse_gpu(const nlohmann::json& j, Diagnostics& diag) {
  if (j.is_string()) {
    const std::string name = j.get<std::string>();
    if (const GpuSpec* g = find_gpu(name)) return *g;
    const std::string near = nearest(name, gpu_names());
    diag.error("cluster.gpu", "unknown GPU '" + name + "'" +
                                  (near.empty() ? "; `aiscale catalog gpus` lists them" : " (did you mean '" + near + "'?)"));
    return *find_gpu("h100-sxm");
  }
  if (!j.is_object()) {
    diag.error("cluster.gpu",
               "must be a catalog GPU name such as \"h100-sxm\" (`aiscale catalog gpus`) or an object "
               "with 'base' or peak_bf16, hbm_capacity and hbm_bandwidth");
    return *find_gpu("h100-sxm");
  }
  ObjectReader r(j, "cluster.gpu", diag);
  GpuSpec g = *find_gpu("h100-sxm");
  const std::string base = r.text("base", "");
  if (!base.empty()) {
    if (const GpuSpec* b = find_gpu(base))
      g = *b;
    else
      diag.error("cluster.gpu.base", "unknown GPU '" + base + "'");
  } else {
    r.require({"peak_bf16", "hbm_capacity", "hbm_bandwidth"},
              "a custom GPU without 'base', which copies a catalog GPU");
  }
  g.name = r.text("name", base.empty() ? "custom-gpu" : g.name + "-custom");
  g.description = "custom GPU from the scenario";
  // A peak of 0 marks a data type the GPU has no tensor-core rate for (the catalog's A100 FP8), except BF16 and FP16.
  g.peak_fp32 = r.quantity("peak_fp32", g.peak_fp32, true);
  g.peak_tf32 = r.quantity("peak_tf32", g.peak_tf32, true);
  g.peak_bf16 = r.quantity("peak_bf16", g.peak_bf16);
  g.peak_fp16 = r.quantity("peak_fp16", g.peak_bf16);
  g.peak_fp8 = r.quantity("peak_fp8", g.peak_fp8, true);
  g.hbm_capacity = r.quantity("hbm_capacity", g.hbm_capacity);
  g.hbm_bandwidth = r.quantity("hbm_bandwidth", g.hbm_bandwidth);
  g.nvlink_bandwidth = r.quantity("nvlink_bandwidth", g.nvlink_bandwidth);
  g.tdp = r.quantity("tdp", g.tdp);
  g.nvlink_domain = r.count("nvlink_domain", g.nvlink_domain);
  g.default_node = r.text("node", g.default_node);
  g.source = r.text("source", "scenario file");
  r.finish();
  return g;
}

ClusterSpec parse_cluster(const nlohmann::json& j, Diagnostics& diag) {
  ClusterSpec c;
  ObjectReader r(j, "cluster", diag);
  const nlohmann::json* gpu = r.get("gpu");
  if (!gpu) {
    diag.error("cluster.gpu", "is required: a catalog name such as \"h100-sxm\" (see `aiscale catalog gpus`)");
    c.gpu = *find_gpu("h100-sxm");
  } else {
    c.gpu = parse_gpu(*gpu, diag);
  }
  c.node_type = r.text("node", c.gpu.default_node);
  const NodeType* node = find_node(c.node_type);
  if (!node) {
    const std::string near = nearest(c.node_type, node_names());
    diag.error("cluster.node", "unknown node type '" + c.node_type + "'" +
                                   (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    node = find_node("dgx-h100");
  }
  c.nodes = r.count("nodes", 1, 1, kMaxNodes);
  if (!r.has("nodes")) diag.error("cluster.nodes", "is required (number of nodes)");
  c.gpus_per_node = r.count("gpus_per_node", node->gpus, 1, kMaxGpusPerNode);

  c.scale_up.kind = node->scale_up_kind;
  c.scale_up.bandwidth = node->scale_up_bandwidth;
  c.scale_up.domain_size = node->gpus;
  if (const nlohmann::json* su = r.get("scale_up")) {
    ObjectReader s(*su, "cluster.scale_up", diag);
    c.scale_up.kind = s.choice("kind", c.scale_up.kind, {"nvswitch", "nvl72", "pcie"});
    c.scale_up.bandwidth = s.quantity("bandwidth", c.scale_up.bandwidth);
    c.scale_up.latency = s.quantity("latency", c.scale_up.latency);
    c.scale_up.domain_size = s.count("domain_size", c.scale_up.kind == "nvl72" ? 72 : c.gpus_per_node);
    c.scale_up.switches = s.count("switches", c.scale_up.switches, 0);
    s.finish();
  }
  c.scale_up.domain_size = std::min(c.scale_up.domain_size, std::max(c.gpus_per_node, 1));

  c.scale_out.nic = node->nic_bandwidth;
  c.scale_out.nics_per_node = node->nics;
  if (const nlohmann::json* so = r.get("scale_out")) {
    ObjectReader s(*so, "cluster.scale_out", diag);
    auto& o = c.scale_out;
    o.topology = s.choice("topology", o.topology, {"fat-tree", "rail-optimized", "dragonfly", "torus"});
    o.tiers = s.count("tiers", o.tiers, 0);  // 0: the fewest tiers that fit the node count
    o.nic = s.quantity("nic", o.nic);
    o.nics_per_node = s.count("nics_per_node", o.nics_per_node);
    o.oversubscription = s.number("oversubscription", o.oversubscription, 1.0, 1024.0);
    o.spine_oversubscription = s.number("spine_oversubscription", o.spine_oversubscription, 1.0, 1024.0);
    o.leaf_cabling = s.choice("leaf_cabling", o.leaf_cabling, {"auto", "copper", "optical"});
    o.switch_radix = s.count("switch_radix", o.switch_radix, 4);
    o.latency = s.quantity("latency", o.latency);
    o.routing = s.choice("routing", o.routing, {"d-mod-k", "ecmp"});
    o.dragonfly_groups = s.count("dragonfly_groups", o.dragonfly_groups, 0);
    o.routers_per_group = s.count("routers_per_group", o.routers_per_group, 0);
    o.global_links_per_router = s.count("global_links_per_router", o.global_links_per_router, 0);
    o.torus_dims = s.text("torus_dims", o.torus_dims);
    s.finish();
  }
  r.finish();
  return c;
}

ParallelPlan parse_plan(const nlohmann::json& j, Diagnostics& diag, bool& dp_given) {
  ParallelPlan p;
  ObjectReader r(j, "parallelism", diag);
  p.tp = r.count("tp", 1, 1, kMaxParallelism);
  p.pp = r.count("pp", 1, 1, kMaxParallelism);
  // dp may be left out, null or "auto": the cluster's GPUs divided by tp*pp*cp.
  const nlohmann::json* dpj = r.has("dp") ? &j.at("dp") : nullptr;
  dp_given = dpj && !(dpj->is_string() && dpj->get<std::string>() == "auto");
  p.dp = dp_given ? r.count("dp", 1, 1, kMaxParallelism) : (r.get("dp"), 1);
  p.cp = r.count("cp", 1, 1, kMaxParallelism);
  p.ep = r.count("ep", 1, 1, kMaxParallelism);
  p.vpp = r.count("vpp", 1, 1, kMaxParallelism);
  p.etp = r.count("etp", 0, 0, kMaxParallelism);
  const std::string sched =
      r.choice("schedule", p.vpp > 1 ? "interleaved" : "1f1b", {"gpipe", "1f1b", "interleaved", "zb-h1"});
  p.schedule = sched == "gpipe"         ? Schedule::gpipe
               : sched == "interleaved" ? Schedule::interleaved
               : sched == "zb-h1"       ? Schedule::zb_h1
                                        : Schedule::one_f_one_b;
  p.cp_comm = r.choice("cp_comm", "p2p", {"p2p", "all_gather"}) == "all_gather" ? CpComm::all_gather : CpComm::p2p;
  p.first_stage_layers = r.count("first_stage_layers", 0, 0);
  p.last_stage_layers = r.count("last_stage_layers", 0, 0);
  if (p.vpp > 1 && p.schedule == Schedule::one_f_one_b) p.schedule = Schedule::interleaved;
  if (p.vpp > 1 && p.schedule == Schedule::gpipe)
    diag.error("parallelism.schedule", "gpipe has no interleaved variant; use \"interleaved\" with vpp > 1");
  p.sequence_parallel = r.flag("sequence_parallel", false);
  p.zero = r.count("zero", 0, 0);
  if (r.flag("fsdp", false)) p.zero = 3;
  const std::string rc = r.choice("recompute", "none", {"none", "selective", "full"});
  p.recompute = rc == "full" ? Recompute::full : rc == "selective" ? Recompute::selective : Recompute::none;
  p.micro_batch = r.count("micro_batch", 1, 1, kMaxParallelism);
  p.overlap_grad_reduce = r.flag("overlap_grad_reduce", false);
  p.overlap_param_gather = r.flag("overlap_param_gather", false);
  p.tp_comm_overlap = r.flag("tp_comm_overlap", false);
  p.ep_comm_overlap = r.flag("ep_comm_overlap", false);
  p.grad_reduce_bf16 = r.choice("grad_reduce_dtype", "fp32", {"fp32", "bf16"}) == "bf16";
  r.finish();
  return p;
}

}  // namespace

namespace {
struct TooDeep {};
bool depth_guard(int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
  if (depth > kMaxJsonDepth) throw TooDeep{};
  return true;
}
const std::string too_deep =
    "nested more than " + std::to_string(kMaxJsonDepth) + " levels deep; a scenario needs a few";
}  // namespace

nlohmann::json override_value(const std::string& value, const std::string& field) {
  try {
    nlohmann::json v = nlohmann::json::parse(value, depth_guard, false);
    return v.is_discarded() ? nlohmann::json(value) : v;
  } catch (const TooDeep&) {
    throw Error(field, "the value is " + too_deep);
  }
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, "cannot open file (does it exist and is it readable?)");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::json::parse(ss.str(), depth_guard);
  } catch (const TooDeep&) {
    throw Error(path, "JSON " + too_deep);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann reports the byte offset; turn it into a line number for the user.
    const std::string text = ss.str();
    const size_t upto = std::min<size_t>(e.byte, text.size());
    const long line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(upto), '\n');
    std::string what = e.what();
    const auto pos = what.find("parse error");
    throw Error(path + ":" + std::to_string(line), "malformed JSON: " + (pos == std::string::npos ? what : what.substr(pos)));
  } catch (const nlohmann::json::exception& e) {
    // out_of_range.406: a number such as 1e400 beyond a double. nlohmann reports no position for it.
    std::string what = e.what();
    const auto pos = what.find("] ");
    throw Error(path, "number out of range: " + (pos == std::string::npos ? what : what.substr(pos + 2)) +
                          "; write numbers within about +-1.8e308");
  }
}

void apply_overrides(nlohmann::json& doc, const std::vector<std::string>& sets) {
  for (const auto& s : sets) {
    if (!valid_utf8(s))
      throw Error("overrides", "'" + s.substr(0, s.find('=')) + "=...' is not valid UTF-8 text; retype the value in UTF-8");
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error("overrides", "'" + s + "' is not path=value (e.g. parallelism.tp=4)");
    const std::string path = s.substr(0, eq), value = s.substr(eq + 1);
    nlohmann::json* node = &doc;
    size_t start = 0;
    while (true) {
      const size_t dot = path.find('.', start);
      const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (key.empty()) throw Error("overrides", "empty component in path '" + path + "'");
      if (!node->is_object()) {
        // Replacing a preset name by an object would silently drop the preset; say so.
        throw Error("overrides " + path, "'" + path.substr(0, start ? start - 1 : 0) +
                                         "' is not an object in this scenario, so it has no field '" + key + "'");
      }
      if (dot == std::string::npos) {
        (*node)[key] = override_value(value, "overrides " + path);
        break;
      }
      node = &(*node)[key];
      if (node->is_null()) *node = nlohmann::json::object();
      start = dot + 1;
    }
  }
}

nlohmann::json default_scenario_json() {
  return nlohmann::json::parse(R"json({
    "schema": "aiscale/scenario/v1",
    "name": "gpt3-175b-1024xa100",
    "description": "GPT-3 175B on 128 DGX A100 nodes with PTD-P parallelism (built-in default)",
    "model": "gpt3-175b",
    "cluster": {
      "gpu": "a100-sxm4-80gb",
      "nodes": 128,
      "gpus_per_node": 8,
      "scale_up":  { "kind": "nvswitch", "bandwidth": "300GBps" },
      "scale_out": { "topology": "rail-optimized", "nic": "200Gbps", "nics_per_node": 8,
                     "oversubscription": 1.0, "switch_radix": 40 }
    },
    "parallelism": { "tp": 8, "pp": 16, "dp": 8, "cp": 1, "ep": 1, "vpp": 1,
                     "schedule": "1f1b", "sequence_parallel": true, "zero": 1,
                     "recompute": "selective", "micro_batch": 1,
                     "overlap_grad_reduce": true, "overlap_param_gather": true, "tp_comm_overlap": false },
    "training": { "global_batch": 1536, "seq_len": 2048, "precision": "bf16", "tokens": 3e11 },
    "cost": { "gpu_hour": "2.0USD" },
    "calibration": "a100-sxm4-80gb"
  })json");
}

Scenario parse_scenario(const nlohmann::json& doc, const std::string& base_dir, bool check_plan) {
  Diagnostics diag;
  Scenario sc;
  sc.base_dir = base_dir;
  ObjectReader r(doc, "", diag);
  const std::string schema = r.text("schema", kScenarioSchema);
  if (schema != kScenarioSchema)
    diag.error("schema", "'" + schema + "' is not supported; this version reads \"" + std::string(kScenarioSchema) + "\"");
  sc.name = r.text("name", "scenario");
  sc.description = r.text("description", "");
  sc.calibration = r.text("calibration", "");
  const double seed = r.number("seed", 1, 0, 1.8e19);
  sc.seed = static_cast<uint64_t>(seed);

  if (const nlohmann::json* m = r.get("model"))
    sc.model = parse_model(*m, base_dir, diag);
  else
    diag.error("model", "is required: a preset name (see `aiscale catalog models`) or an object");

  if (const nlohmann::json* c = r.get("cluster"))
    sc.cluster = parse_cluster(*c, diag);
  else
    diag.error("cluster", "is required: { \"gpu\": ..., \"nodes\": ... }");

  bool dp_given = false;
  static const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json* pj = r.get("parallelism");
  sc.plan = parse_plan(pj ? *pj : empty, diag, dp_given);

  double moe_capacity = 0, moe_imbalance = 1;
  if (const nlohmann::json* t = r.get("training")) {
    ObjectReader tr(*t, "training", diag);
    sc.training.global_batch = tr.count("global_batch", 1);
    sc.training.seq_len = tr.count("seq_len", 2048);
    const std::string prec = tr.choice("precision", "bf16", {"fp32", "tf32", "bf16", "fp16", "fp8"});
    sc.training.precision = parse_precision(prec, "training.precision");
    sc.training.tokens = tr.number("tokens", 0, 0, 1e18);
    sc.training.flash_attention = tr.flag("flash_attention", true);
    sc.training.attention_kernel = tr.text("attention_kernel", "");
    sc.training.framework = parse_framework(tr.choice("framework", "any", framework_names()));
    // Routing behaviour of mixture-of-experts training (not part of the model's shape).
    moe_capacity = tr.number("moe_capacity_factor", 0, 0, 64);
    moe_imbalance = tr.number("moe_imbalance", 1, 1, 64);
    if ((tr.has("moe_capacity_factor") || tr.has("moe_imbalance")) && !sc.model.moe.enabled() && diag.empty())
      diag.error(tr.has("moe_capacity_factor") ? "training.moe_capacity_factor" : "training.moe_imbalance",
                 "applies to mixture-of-experts models only; this model is dense");
    if (tr.has("moe_capacity_factor") && moe_capacity > 0 && moe_capacity < 1)
      diag.error("training.moe_capacity_factor", "must be 0 (dropless) or at least 1");
    for (const char* k : {"global_batch", "seq_len"})
      if (!tr.has(k)) diag.error(std::string("training.") + k, "is required");
    tr.finish();
  } else {
    diag.error("training", "is required: { \"global_batch\": ..., \"seq_len\": ... }");
  }

  if (const nlohmann::json* c = r.get("cost")) {
    ObjectReader cr(*c, "cost", diag);
    sc.cost.gpu_hour = cr.quantity("gpu_hour", sc.cost.gpu_hour);
    sc.cost.pue = cr.number("pue", 1.0, 1.0, 5.0);
    cr.finish();
  }

  if (const nlohmann::json* e = r.get("engine")) {
    ObjectReader er(*e, "engine", diag);
    er.choice("mode", "aggregated", {"aggregated", "exact"});
    if (const nlohmann::json* a = er.get("algorithm")) {
      ObjectReader ar(*a, "engine.algorithm", diag);
      for (const char* op : {"all_reduce", "all_gather", "reduce_scatter", "all_to_all", "send_recv"})
        ar.choice(op, "auto", {"auto", "ring", "tree", "hierarchical", "pairwise", "direct"});
      ar.finish();
    }
    er.finish();
    sc.engine = *e;
  }

  if (const nlohmann::json* v = r.get("validation")) {
    ObjectReader vr(*v, "validation", diag);
    ValidationSpec vs;
    vs.metric = vr.choice("metric", "hardware_tflops_per_gpu",
                          {"hardware_tflops_per_gpu", "model_tflops_per_gpu", "step_time_s", "tokens_per_s", "mfu"});
    vs.measured = vr.number("measured", 0, 1e-12, 1e18);
    if (!vr.has("measured")) diag.error("validation.measured", "is required");
    vs.suite = vr.text("suite", "");
    vs.source = vr.text("source", "");
    vr.get("notes");
    vr.finish();
    sc.validation = vs;
  }
  r.finish();
  diag.throw_if_any();
  sc.model.moe.capacity_factor = moe_capacity;
  sc.model.moe.imbalance = moe_imbalance;

  // dp defaults to what the cluster leaves after tp, pp and cp.
  if (!dp_given) {
    const long long rest = static_cast<long long>(sc.plan.tp) * sc.plan.pp * sc.plan.cp;
    sc.plan.dp = static_cast<int>(std::max(1LL, sc.cluster.gpus() / rest));
  }
  if (sc.training.precision == Precision::fp8 && sc.cluster.gpu.peak_fp8.value <= 0)
    diag.inconsistent("training.precision", sc.cluster.gpu.name + " has no FP8 tensor cores; use bf16");
  if (sc.cluster.gpu.peak(sc.training.precision).value <= 0)
    diag.inconsistent("training.precision", "the catalog has no " + to_string(sc.training.precision) + " peak for " +
                                         sc.cluster.gpu.name + "; use bf16");
  Diagnostics plan_diag;
  sc.warnings = validate_plan(sc.plan, sc.model, sc.cluster, sc.training, check_plan ? diag : plan_diag);
  diag.throw_if_any();
  return sc;
}

}  // namespace aiscale

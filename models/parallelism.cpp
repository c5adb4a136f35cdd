#include "models/parallelism.hpp"

#include <algorithm>

#include "models/cluster.hpp"
#include "models/scenario.hpp"
#include "models/transformer.hpp"

namespace aiscale {

std::string to_string(Schedule s) {
  switch (s) {
    case Schedule::gpipe: return "gpipe";
    case Schedule::one_f_one_b: return "1f1b";
    case Schedule::interleaved: return "interleaved";
    case Schedule::zb_h1: return "zb-h1";
  }
  return "1f1b";
}

const std::vector<std::string>& framework_names() {
  static const std::vector<std::string> names{"any", "megatron-lm-2.5", "megatron-core-0.8"};
  return names;
}

std::string to_string(Framework f) { return framework_names()[static_cast<size_t>(f)]; }

Framework parse_framework(const std::string& name) {
  const auto& n = framework_names();
  const auto it = std::find(n.begin(), n.end(), name);
  return it == n.end() ? Framework::any : Framework(it - n.begin());
}

bool has_sequence_parallel(Framework f) { return f != Framework::megatron_lm_2_5; }

bool can_overlap_grad_reduce(Framework f, int pp) { return f != Framework::megatron_lm_2_5 || pp <= 1; }

std::string to_string(CpComm c) { return c == CpComm::all_gather ? "all_gather" : "p2p"; }

int expert_tp(const ParallelPlan& plan) { return plan.etp > 0 ? plan.etp : plan.tp; }

int expert_dp(const ParallelPlan& plan) {
  const long long denom = static_cast<long long>(expert_tp(plan)) * plan.ep;
  return denom > 0 ? static_cast<int>(std::max(1LL, static_cast<long long>(plan.tp) * plan.cp * plan.dp / denom)) : 1;
}

std::vector<int> stage_layers(const TransformerConfig& model, const ParallelPlan& plan) {
  const int pp = std::max(plan.pp, 1);
  std::vector<int> n(static_cast<size_t>(pp), model.layers / pp);
  if (pp < 2 || (plan.first_stage_layers <= 0 && plan.last_stage_layers <= 0)) return n;
  int rest = model.layers, rest_stages = pp;
  if (plan.first_stage_layers > 0) rest -= plan.first_stage_layers, --rest_stages;
  if (plan.last_stage_layers > 0) rest -= plan.last_stage_layers, --rest_stages;
  for (int s = 0; s < pp; ++s) n[static_cast<size_t>(s)] = rest_stages > 0 ? rest / rest_stages : 0;
  if (plan.first_stage_layers > 0) n.front() = plan.first_stage_layers;
  if (plan.last_stage_layers > 0) n.back() = plan.last_stage_layers;
  return n;
}

std::vector<ChunkSpan> chunk_spans(const TransformerConfig& model, const ParallelPlan& plan) {
  const std::vector<int> per_stage = stage_layers(model, plan);
  const int pp = static_cast<int>(per_stage.size()), v = std::max(plan.vpp, 1);
  std::vector<ChunkSpan> out(static_cast<size_t>(pp) * static_cast<size_t>(v));
  int next = 0;
  for (int c = 0; c < v; ++c)
    for (int s = 0; s < pp; ++s) {
      ChunkSpan& span = out[static_cast<size_t>(s) * static_cast<size_t>(v) + static_cast<size_t>(c)];
      span.first = next;
      // A stage whose layers do not split evenly gives its first chunks one layer more.
      const int n = per_stage[static_cast<size_t>(s)];
      span.count = n / v + (c < n % v ? 1 : 0);
      next += span.count;
    }
  return out;
}

std::string to_string(Recompute r) {
  switch (r) {
    case Recompute::none: return "none";
    case Recompute::selective: return "selective";
    case Recompute::full: return "full";
  }
  return "none";
}

int microbatches(const ParallelPlan& plan, int global_batch) {
  const long long per_pipeline = static_cast<long long>(plan.micro_batch) * plan.dp;
  return per_pipeline > 0 ? static_cast<int>(global_batch / per_pipeline) : 0;
}

namespace {

// What the code of training.framework accepts; each check names where that code enforces it, or says the option is
// absent from it (Megatron-LM v2.5: megatron/arguments.py; Megatron-Core core_r0.8.0: megatron/training/arguments.py
// and megatron/core/model_parallel_config.py).
void check_framework(const ParallelPlan& p, const TransformerConfig& m, const TrainingSpec& t, Diagnostics& diag) {
  if (t.framework == Framework::any) return;
  const bool lm = t.framework == Framework::megatron_lm_2_5;
  const std::string fw = to_string(t.framework);
  const std::string any = ", or set training.framework to \"any\"";
  auto no = [&](const std::string& field, const std::string& what, const std::string& fix) {
    diag.inconsistent(field, fw + " " + what + "; " + fix + any);
  };
  // Even stages: v2.5 megatron/model/transformer.py asserts num_layers % pp == 0; core_r0.8.0 builds num_layers // pp
  // layers per stage (transformer_block.py get_num_layers_to_build). Uneven first and last stages came with
  // --decoder-first/last-pipeline-num-layers in core_r0.10.0.
  if (p.first_stage_layers > 0 || p.last_stage_layers > 0)
    no(p.first_stage_layers > 0 ? "parallelism.first_stage_layers" : "parallelism.last_stage_layers",
       "splits the layers evenly over the pipeline stages", "remove first_stage_layers and last_stage_layers");
  // Pipelines run 1F1B (forward_backward_pipelining_without_interleaving) or its interleaved form, nothing else.
  if (p.pp > 1 && (p.schedule == Schedule::gpipe || p.schedule == Schedule::zb_h1))
    no("parallelism.schedule", "schedules a pipeline with 1F1B or interleaved 1F1B only", "use 1f1b or interleaved");
  if (lm) {
    // megatron/arguments.py: "pipeline-model-parallel size should be greater than 2 with interleaved schedule".
    if (p.vpp > 1 && p.pp <= 2)
      no("parallelism.vpp", "interleaves model chunks only with pp > 2", "use vpp=1 or pp >= 3");
    // megatron/training.py: "We only support local DDP with multiple micro-batches" (asserted when pp > 1); local
    // DDP all-reduces the gradients after the backward pass.
    if (p.overlap_grad_reduce && !can_overlap_grad_reduce(t.framework, p.pp))
      no("parallelism.overlap_grad_reduce", "overlaps the gradient all-reduce (PyTorch DDP) only without pipelining",
         "set it to false");
    if (p.zero > 0) no("parallelism.zero", "has no sharded (distributed) optimizer", "use zero=0");
    if (p.sequence_parallel) no("parallelism.sequence_parallel", "has no sequence parallelism", "set it to false");
    if (p.recompute == Recompute::selective)
      no("parallelism.recompute", "recomputes whole layers only (--checkpoint-activations)", "use full or none");
    if (p.cp > 1) no("parallelism.cp", "has no context parallelism", "use cp=1");
    if (m.moe.enabled()) no("model", "has no mixture-of-experts layers", "choose a dense model");
    if (p.tp_comm_overlap)
      no("parallelism.tp_comm_overlap", "does not overlap tensor-parallel communication", "set it to false");
    if (t.flash_attention)
      no("training.flash_attention", "has no fused attention kernel (its softmax alone is fused)", "set it to false");
    if (t.precision == Precision::fp8) no("training.precision", "has no FP8 training", "use fp16, bf16 or fp32");
  } else {
    // --use-distributed-optimizer shards the optimizer states (ZeRO-1); core_r0.8.0 has no gradient or parameter
    // sharding (FSDP).
    if (p.zero > 1)
      no("parallelism.zero", "shards the optimizer states only (--use-distributed-optimizer)", "use zero=0 or 1");
    if (p.etp > 0 && p.etp != p.tp)
      no("parallelism.etp", "has no separate expert tensor parallelism (experts use tp)", "remove etp");
    if (p.cp > 1 && p.cp_comm != CpComm::p2p)
      no("parallelism.cp_comm", "exchanges context-parallel keys and values as a ring of point-to-point blocks",
         "use p2p");
    if (p.ep_comm_overlap)
      no("parallelism.ep_comm_overlap", "does not overlap expert-parallel all-to-alls", "set it to false");
    if (p.grad_reduce_bf16)
      no("parallelism.grad_reduce_dtype",
         "reduces bf16 gradients in fp32 (it forces --accumulate-allreduce-grads-in-fp32)", "remove it");
  }
}

}  // namespace

std::vector<std::string> validate_plan(const ParallelPlan& p, const TransformerConfig& m, const ClusterSpec& c,
                                       const TrainingSpec& t, Diagnostics& diag) {
  std::vector<std::string> warnings;
  // Products of plan fields in 64 bits: each field is at most kMaxParallelism (2^20), so none overflows here; a plan
  // that passes has tp*pp*dp*cp equal to the GPU count, pp*vpp at most the layers, micro_batch*dp at most the batch.
  const auto s = [](long long v) { return std::to_string(v); };
  using i64 = long long;
  const i64 product = i64(p.tp) * p.pp * p.dp * p.cp;
  if (product != c.gpus())
    diag.inconsistent("parallelism", "tp*pp*dp*cp = " + s(p.tp) + "*" + s(p.pp) + "*" + s(p.dp) + "*" + s(p.cp) + " = " +
                                  s(product) + " but the cluster has " + s(c.gpus()) + " GPUs (" + s(c.nodes) +
                                  " nodes x " + s(c.gpus_per_node) + "); change dp or the cluster size");
  if (m.heads % p.tp != 0)
    diag.inconsistent("parallelism.tp", "the model's " + s(m.heads) + " attention heads are not divisible by tp=" + s(p.tp));
  else if (m.kv_heads % p.tp != 0 && p.tp % m.kv_heads != 0)
    diag.inconsistent("parallelism.tp", "the model's " + s(m.kv_heads) + " key/value heads and tp=" + s(p.tp) +
                                     " do not divide one another");
  if (m.ffn_hidden % p.tp != 0)
    diag.inconsistent("parallelism.tp", "ffn_hidden " + s(m.ffn_hidden) + " is not divisible by tp=" + s(p.tp));
  const bool uneven = p.first_stage_layers > 0 || p.last_stage_layers > 0;
  if (!uneven && m.layers % (i64(p.pp) * p.vpp) != 0)
    diag.inconsistent(p.vpp > 1 ? "parallelism.vpp" : "parallelism.pp",
                      "the model's " + s(m.layers) + " layers are not divisible by pp*vpp = " + s(i64(p.pp) * p.vpp) +
                          "; change pp or vpp, or set first_stage_layers/last_stage_layers");
  if (uneven) {
    const std::string f = p.first_stage_layers > 0 ? "parallelism.first_stage_layers" : "parallelism.last_stage_layers";
    const i64 given = i64(p.first_stage_layers) + p.last_stage_layers;
    const int others = p.pp - (p.first_stage_layers > 0) - (p.last_stage_layers > 0);
    if (p.pp < 2) {
      diag.inconsistent(f, "uneven pipeline stages need pp >= 2");
    } else if (given > m.layers || (others == 0 && given != m.layers)) {
      diag.inconsistent(f, "first and last stages take " + s(given) + " of the model's " + s(m.layers) +
                               " layers; with pp=" + s(p.pp) + " they must leave the other stages whole layers");
    } else if (others > 0 && ((m.layers - given) % others != 0 || m.layers - given < others)) {
      diag.inconsistent(f, "the remaining " + s(m.layers - given) + " layers do not split evenly over the " +
                               s(others) + " other pipeline stages");
    } else {
      for (int n : stage_layers(m, p))
        if (n < p.vpp) {
          diag.inconsistent("parallelism.vpp", "a stage of " + s(n) + " layers cannot hold vpp=" + s(p.vpp) +
                                                   " model chunks");
          break;
        }
    }
  }
  if (p.schedule == Schedule::interleaved && p.vpp < 2)
    diag.inconsistent("parallelism.vpp", "the interleaved schedule needs vpp >= 2 model chunks per stage");
  if (p.vpp > 1 && p.pp < 2) diag.inconsistent("parallelism.vpp", "vpp > 1 needs pipeline parallelism (pp >= 2)");
  if (t.global_batch % (i64(p.micro_batch) * p.dp) != 0)
    diag.inconsistent("training.global_batch", "global_batch " + s(t.global_batch) + " is not divisible by micro_batch*dp = " +
                                            s(p.micro_batch) + "*" + s(p.dp));
  if (t.seq_len % p.cp != 0)
    diag.inconsistent("parallelism.cp", "seq_len " + s(t.seq_len) + " is not divisible by cp=" + s(p.cp));
  if (!m.moe.enabled()) {
    if (p.ep > 1) diag.inconsistent("parallelism.ep", "ep > 1 needs a mixture-of-experts model; this model is dense");
    if (p.etp > 0 && p.etp != p.tp)
      diag.inconsistent("parallelism.etp", "expert tensor parallelism needs a mixture-of-experts model");
  } else {
    const int etp = expert_tp(p);
    if (m.moe.experts % p.ep != 0)
      diag.inconsistent("parallelism.ep", "the model's " + s(m.moe.experts) + " experts are not divisible by ep=" +
                                              s(p.ep) + "; choose ep among the divisors of the expert count");
    if (i64(p.tp) * p.cp * p.dp % (i64(etp) * p.ep) != 0)
      diag.inconsistent("parallelism.ep", "etp*ep = " + s(etp) + "*" + s(p.ep) + " does not divide the " +
                                              s(i64(p.tp) * p.cp * p.dp) +
                                              " GPUs of a pipeline stage (tp*cp*dp); expert layers regroup them "
                                              "as etp*ep*edp");
    if (m.moe.expert_ffn_hidden % etp != 0)
      diag.inconsistent(p.etp > 0 ? "parallelism.etp" : "parallelism.tp",
                        "expert_ffn_hidden " + s(m.moe.expert_ffn_hidden) + " is not divisible by the expert "
                        "tensor-parallel size " + s(etp));
    if (p.tp > 1 && !p.sequence_parallel)
      diag.inconsistent("parallelism.sequence_parallel", "mixture-of-experts layers with tp > 1 need sequence "
                                                         "parallelism (Megatron-Core requires it); set it to true");
  }
  if (p.schedule == Schedule::zb_h1 && p.vpp > 1)
    diag.inconsistent("parallelism.schedule", "zb-h1 is a 1F1B-shaped schedule with one model chunk per stage; "
                                              "use vpp=1 or the interleaved schedule");
  if (p.zero < 0 || p.zero > 3) diag.inconsistent("parallelism.zero", "ZeRO stage must be 0, 1, 2 or 3");

  check_framework(p, m, t, diag);

  const int scale_up = std::max(c.scale_up.domain_size, 1);
  if (p.tp > scale_up)
    warnings.push_back("parallelism.tp: tp=" + s(p.tp) + " spans more than one NVLink domain (" + s(scale_up) +
                       " GPUs); tensor-parallel traffic will cross the scale-out network");
  if (p.sequence_parallel && p.tp == 1)
    warnings.push_back("parallelism.sequence_parallel: has no effect with tp=1");
  if (p.zero == 3 && p.pp > 1)
    warnings.push_back("parallelism.zero: ZeRO-3 with pipeline parallelism re-gathers parameters for every "
                       "micro-batch; it is rarely a good choice");
  const int m_count = microbatches(p, t.global_batch);
  if (p.schedule == Schedule::interleaved && m_count > 0 && m_count % p.pp != 0)
    diag.inconsistent("parallelism.vpp", s(m_count) + " micro-batches are not a multiple of pp=" + s(p.pp) +
                                             "; the interleaved schedule (Megatron-LM) needs that: change "
                                             "global_batch, micro_batch or dp, or use vpp=1");
  if (m_count > kMaxMicrobatches)
    diag.inconsistent("training.global_batch",
                      s(m_count) + " micro-batches per step (global_batch / (micro_batch * dp)) is beyond the " +
                          s(kMaxMicrobatches) + " aiscale schedules: raise micro_batch or dp, or lower global_batch");
  if (p.pp > 1 && m_count > 0 && m_count < p.pp)
    warnings.push_back("training.global_batch: only " + s(m_count) + " micro-batches for " + s(p.pp) +
                       " pipeline stages; most of the pipeline idles");
  return warnings;
}

}  // namespace aiscale

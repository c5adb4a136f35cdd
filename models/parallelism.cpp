#include "models/parallelism.hpp"

#include "models/cluster.hpp"
#include "models/scenario.hpp"
#include "models/transformer.hpp"

namespace aiscale {

std::string to_string(Schedule s) {
  switch (s) {
    case Schedule::gpipe: return "gpipe";
    case Schedule::one_f_one_b: return "1f1b";
    case Schedule::interleaved: return "interleaved";
  }
  return "1f1b";
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
  const int per_pipeline = plan.micro_batch * plan.dp;
  return per_pipeline > 0 ? global_batch / per_pipeline : 0;
}

std::vector<std::string> validate_plan(const ParallelPlan& p, const TransformerConfig& m, const ClusterSpec& c,
                                       const TrainingSpec& t, Diagnostics& diag) {
  std::vector<std::string> warnings;
  const auto s = [](long v) { return std::to_string(v); };
  const long product = long(p.tp) * p.pp * p.dp * p.cp;
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
  if (m.layers % (p.pp * p.vpp) != 0)
    diag.inconsistent(p.vpp > 1 ? "parallelism.vpp" : "parallelism.pp",
               "the model's " + s(m.layers) + " layers are not divisible by pp*vpp = " + s(p.pp * p.vpp));
  if (p.schedule == Schedule::interleaved && p.vpp < 2)
    diag.inconsistent("parallelism.vpp", "the interleaved schedule needs vpp >= 2 model chunks per stage");
  if (p.vpp > 1 && p.pp < 2) diag.inconsistent("parallelism.vpp", "vpp > 1 needs pipeline parallelism (pp >= 2)");
  if (t.global_batch % (p.micro_batch * p.dp) != 0)
    diag.inconsistent("training.global_batch", "global_batch " + s(t.global_batch) + " is not divisible by micro_batch*dp = " +
                                            s(p.micro_batch) + "*" + s(p.dp));
  if (t.seq_len % p.cp != 0)
    diag.inconsistent("parallelism.cp", "seq_len " + s(t.seq_len) + " is not divisible by cp=" + s(p.cp));
  if (p.ep > 1) diag.inconsistent("parallelism.ep", "ep > 1 needs a mixture-of-experts model; this model is dense");
  if (p.zero < 0 || p.zero > 3) diag.inconsistent("parallelism.zero", "ZeRO stage must be 0, 1, 2 or 3");

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
  if (p.pp > 1 && m_count > 0 && m_count < p.pp)
    warnings.push_back("training.global_batch: only " + s(m_count) + " micro-batches for " + s(p.pp) +
                       " pipeline stages; most of the pipeline idles");
  return warnings;
}

}  // namespace aiscale

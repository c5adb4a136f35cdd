#include "models/workload.hpp"

#include <algorithm>

#include "models/flops.hpp"
#include "models/memory.hpp"

namespace aiscale {

std::string to_string(Group g) {
  switch (g) {
    case Group::tp: return "tp";
    case Group::cp: return "cp";
    case Group::dp: return "dp";
    case Group::pp: return "pp";
  }
  return "";
}

namespace {

Op gemm(const char* name, Phase ph, double m, double n, double k, double batch = 1) {
  Op o;
  o.name = name;
  o.kind = OpKind::gemm;
  o.phase = ph;
  o.m = m, o.n = n, o.k = k, o.batch = batch;
  o.flops = 2 * m * n * k * batch;
  return o;
}

Op mem(const char* name, Phase ph, double bytes) {
  Op o;
  o.name = name;
  o.kind = OpKind::memory;
  o.phase = ph;
  o.bytes = bytes;
  return o;
}

Op coll(const char* name, Phase ph, CollOp c, Group g, double bytes, bool overlapped) {
  Op o;
  o.name = name;
  o.kind = OpKind::collective;
  o.phase = ph;
  o.coll = c;
  o.group = g;
  o.bytes = bytes;
  o.overlapped = overlapped;
  return o;
}

Op attention(const char* name, Phase ph, double flops) {
  Op o;
  o.name = name;
  o.kind = OpKind::attention;
  o.phase = ph;
  o.flops = flops;
  return o;
}

// Backward of a forward GEMM [m x k]*[k x n]: input gradient [m x n]*[n x k] and weight gradient [k x m]*[m x n].
void gemm_backward(std::vector<Op>& out, const Op& f) {
  out.push_back(gemm(f.name, Phase::backward, f.m, f.k, f.n, f.batch));
  out.push_back(gemm(f.name, Phase::backward, f.k, f.n, f.m, f.batch));
}

}  // namespace

double grad_bucket_params(const ParallelPlan& plan) { return std::max(40e6, 1e6 * plan.dp * plan.cp); }

Workload build_workload(const Scenario& sc) {
  const TransformerConfig& md = sc.model;
  const ParallelPlan& p = sc.plan;
  const TrainingSpec& tr = sc.training;
  Workload w;
  w.pp = p.pp;
  w.vpp = p.vpp;
  w.microbatches = microbatches(p, tr.global_batch);
  w.layers_per_chunk = md.layers / (p.pp * p.vpp);
  const int gpn = sc.cluster.gpus_per_node;
  w.groups.tp = place_group(p.tp, 1, gpn);
  w.groups.cp = place_group(p.cp, p.tp, gpn);
  w.groups.dp = place_group(p.dp * p.cp, p.tp, gpn);
  w.groups.pp = place_group(p.pp, p.tp * p.cp * p.dp, gpn);

  const double e = tr.precision == Precision::fp32 || tr.precision == Precision::tf32 ? 4 : 2;  // activation bytes
  const double t = p.tp, b = p.micro_batch, s = tr.seq_len, sl = s / p.cp;
  const double h = md.hidden, kv = md.kv_dim(), f = md.ffn_hidden, a = md.heads, d = md.head_dim();
  const double T = b * sl;  // tokens per micro-batch on this GPU
  const double rep = p.sequence_parallel ? 1.0 / t : 1.0;  // elementwise work is split by TP only with SP
  const bool sp = p.sequence_parallel && p.tp > 1;
  const bool tpo = p.tp_comm_overlap;
  const bool gated = md.ffn_act == FfnAct::swiglu;
  const double act_ratio = gated ? 2 : 1;
  const CollOp tp_out = sp ? CollOp::reduce_scatter : CollOp::all_reduce;

  // ----- one layer forward -----
  auto attention_core = [&](std::vector<Op>& v, Phase ph) {
    if (tr.flash_attention) {
      // Causal flash attention computes half of the s x s score matrix.
      v.push_back(attention("flash_attn", ph, 0.5 * 4 * b * sl * s * h / t));
    } else {
      const double heads = b * a / t;
      v.push_back(gemm("qk", ph, sl, s, d, heads));
      v.push_back(mem("softmax", ph, (e + e) * heads * sl * s));    // fused scale-mask-softmax: read, write
      v.push_back(mem("attn_dropout", ph, (2 * e + 1) * heads * sl * s));  // read, write, 1-byte mask
      v.push_back(gemm("av", ph, sl, d, s, heads));
    }
  };
  auto layer_forward = [&](std::vector<Op>& v, Phase ph) {
    v.push_back(mem("ln1", ph, 2 * e * T * h * rep));
    if (sp) v.push_back(coll("tp_ag1", ph, CollOp::all_gather, Group::tp, e * T * h, tpo));
    v.push_back(gemm("qkv", ph, T, (h + 2 * kv) / t, h));
    if (p.cp > 1) v.push_back(coll("cp_kv", ph, CollOp::all_gather, Group::cp, 2 * e * b * s * kv / t, true));
    attention_core(v, ph);
    v.push_back(gemm("proj", ph, T, h, h / t));
    if (p.tp > 1) v.push_back(coll("tp_out1", ph, tp_out, Group::tp, e * T * h, tpo));
    v.push_back(mem("dropout_add1", ph, (3 * e + 1) * T * h * rep));
    v.push_back(mem("ln2", ph, 2 * e * T * h * rep));
    if (sp) v.push_back(coll("tp_ag2", ph, CollOp::all_gather, Group::tp, e * T * h, tpo));
    v.push_back(gemm("fc1", ph, T, act_ratio * f / t, h));
    v.push_back(mem(gated ? "swiglu" : "bias_gelu", ph, (act_ratio + 1) * e * T * f / t));
    v.push_back(gemm("fc2", ph, T, h, f / t));
    if (p.tp > 1) v.push_back(coll("tp_out2", ph, tp_out, Group::tp, e * T * h, tpo));
    v.push_back(mem("dropout_add2", ph, (3 * e + 1) * T * h * rep));
  };
  layer_forward(w.layer_fwd, Phase::forward);

  // ----- one layer backward (recompute first) -----
  if (p.recompute == Recompute::full) layer_forward(w.layer_bwd, Phase::recompute);
  if (p.recompute == Recompute::selective && !tr.flash_attention) attention_core(w.layer_bwd, Phase::recompute);
  for (auto it = w.layer_fwd.rbegin(); it != w.layer_fwd.rend(); ++it) {
    const Op& o = *it;
    switch (o.kind) {
      case OpKind::gemm: gemm_backward(w.layer_bwd, o); break;
      case OpKind::attention:
        w.layer_bwd.push_back(attention("flash_attn", Phase::backward, 2 * o.flops));
        break;
      case OpKind::memory: w.layer_bwd.push_back(mem(o.name, Phase::backward, 1.5 * o.bytes)); break;
      case OpKind::collective:
        // Backward of a TP all-reduce is an all-reduce on the input side; with SP, all-gather and
        // reduce-scatter swap roles. ZeRO/CP ops mirror themselves.
        Op c = o;
        c.phase = Phase::backward;
        if (o.group == Group::tp && sp) c.coll = o.coll == CollOp::all_gather ? CollOp::reduce_scatter : CollOp::all_gather;
        w.layer_bwd.push_back(c);
        if (o.group == Group::tp && sp && o.coll == CollOp::all_gather) {
          // Megatron SP re-gathers the layer-norm output for the weight gradient.
          Op g = o;
          g.phase = Phase::backward;
          w.layer_bwd.push_back(g);
        }
        break;
    }
  }
  // Weight gradients are accumulated into the gradient buffer once per micro-batch: a read-modify-write of
  // every local parameter's gradient (Megatron-LM main_grad accumulation; fused into the GEMM epilogue or not,
  // the traffic is the same).
  w.layer_bwd.push_back(mem("grad_accum", Phase::backward,
                            2 * bytes_per_param(tr.precision).gradients * md.layer_params() / t));
  // ZeRO-3 gathers each layer's parameters before use and reduce-scatters its gradients.
  if (p.zero >= 3 && p.dp * p.cp > 1) {
    const double layer_param_bytes = 2.0 * md.layer_params() / t;
    w.layer_fwd.push_back(coll("zero3_gather", Phase::forward, CollOp::all_gather, Group::dp, layer_param_bytes,
                               p.overlap_param_gather));
    w.layer_bwd.push_back(coll("zero3_gather", Phase::backward, CollOp::all_gather, Group::dp, layer_param_bytes,
                               p.overlap_param_gather));
    w.layer_bwd.push_back(coll("zero3_grad_rs", Phase::backward, CollOp::reduce_scatter, Group::dp,
                               bytes_per_param(tr.precision).gradients * md.layer_params() / t, p.overlap_grad_reduce));
  }

  // ----- embedding (first stage) -----
  w.embed_fwd.push_back(mem("embedding", Phase::forward, 2 * e * T * h));
  if (p.tp > 1) w.embed_fwd.push_back(coll("embed_tp", Phase::forward, tp_out, Group::tp, e * T * h, false));
  w.embed_bwd.push_back(mem("embedding", Phase::backward, 3 * e * T * h));
  // The embedding's weight gradient is a dense [V/t, h] tensor (PyTorch's embedding_dense_backward zero-fills it
  // and scatters the token gradients in), then accumulated into the gradient buffer like any weight gradient.
  const double vocab_params = double(md.vocab) / t * h;
  const double grad_bytes = bytes_per_param(tr.precision).gradients;
  w.embed_bwd.push_back(mem("embedding_wgrad", Phase::backward, e * vocab_params));
  w.embed_bwd.push_back(mem("grad_accum", Phase::backward, 2 * grad_bytes * vocab_params));

  // ----- final norm, LM head and loss (last stage) -----
  const double vl = md.vocab / t;
  w.head_fwd.push_back(mem("final_ln", Phase::forward, 2 * e * T * h * rep));
  if (sp) w.head_fwd.push_back(coll("head_ag", Phase::forward, CollOp::all_gather, Group::tp, e * T * h, false));
  Op logits = gemm("logits", Phase::forward, T, vl, h);
  w.head_fwd.push_back(logits);
  // Vocabulary-parallel cross-entropy in fp32, pass by pass as Megatron-Core's tensor_parallel/cross_entropy.py
  // runs it. Forward: cast to fp32 (e+4), max (4), subtract (8), exp (8), sum (4), divide (8) bytes per logit.
  // Backward: scale the saved softmax by the incoming gradient (8) and cast back (4+e).
  w.head_fwd.push_back(mem("cross_entropy", Phase::forward, (e + 36) * T * vl));
  if (p.tp > 1) w.head_fwd.push_back(coll("ce_tp", Phase::forward, CollOp::all_reduce, Group::tp, 3 * 4 * T, false));
  w.head_bwd.push_back(mem("cross_entropy", Phase::backward, (12 + e) * T * vl));
  gemm_backward(w.head_bwd, logits);
  // LM-head weight gradient accumulated per micro-batch (shared with the embedding when tied and pp = 1).
  if (!md.tied_embeddings || p.pp > 1)
    w.head_bwd.push_back(mem("grad_accum", Phase::backward, 2 * grad_bytes * vocab_params));
  if (p.tp > 1) w.head_bwd.push_back(coll("head_tp", Phase::backward, tp_out, Group::tp, e * T * h, false));
  w.head_bwd.push_back(mem("final_ln", Phase::backward, 3 * e * T * h * rep));

  // Megatron's scatter/gather optimisation (SC21 §4.1) sends 1/t of the activation between stages.
  w.p2p_bytes = p.pp > 1 ? e * T * h / t : 0;

  // ----- once per step -----
  const BytesPerParam bpp = bytes_per_param(tr.precision);
  const double shard = double(p.dp) * p.cp;
  for (int st = 0; st < p.pp; ++st) {
    StageStep ss;
    ss.params = stage_params_per_gpu(md, p, st);
    if (shard > 1 && p.zero < 3) {
      if (p.zero == 0) {
        ss.grad_sync.push_back(coll("dp_grad_allreduce", Phase::backward, CollOp::all_reduce, Group::dp,
                                    bpp.gradients * ss.params, p.overlap_grad_reduce));
      } else {
        ss.grad_sync.push_back(coll("dp_grad_reduce_scatter", Phase::backward, CollOp::reduce_scatter, Group::dp,
                                    bpp.gradients * ss.params, p.overlap_grad_reduce));
        ss.param_sync.push_back(coll("dp_param_allgather", Phase::forward, CollOp::all_gather, Group::dp,
                                     bpp.weights * ss.params, p.overlap_param_gather));
      }
    }
    // Adam: read fp32 param, grad, m, v (16 B), write param, m, v (12 B) and the low-precision copy (2 B); plus a
    // 4 B/param gradient-norm pass for clipping.
    ss.optimizer = mem("optimizer", Phase::backward, 34.0 * ss.params / (p.zero >= 1 ? shard : 1.0));
    w.stage_steps.push_back(std::move(ss));
  }

  const StepFlops fl = step_flops(md, p, tr.global_batch, tr.seq_len);
  w.model_flops = fl.model;
  w.hardware_flops = fl.hardware;
  return w;
}

}  // namespace aiscale

#include "models/workload.hpp"

#include <algorithm>
#include <cstring>

#include "models/flops.hpp"
#include "models/memory.hpp"

namespace aiscale {

std::string to_string(Group g) {
  switch (g) {
    case Group::tp: return "tp";
    case Group::cp: return "cp";
    case Group::dp: return "dp";
    case Group::pp: return "pp";
    case Group::ep: return "ep";
    case Group::etp: return "etp";
    case Group::edp: return "edp";
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
// Attention's batched score GEMMs (no weights) have two input gradients.
void gemm_backward(std::vector<Op>& out, const Op& f, bool has_weight = true) {
  out.push_back(gemm(f.name, Phase::backward, f.m, f.k, f.n, f.batch));
  out.push_back(gemm(f.name, Phase::backward, f.k, f.n, f.m, f.batch));
  out.back().wgrad = has_weight;
}

}  // namespace

double grad_bucket_params(const ParallelPlan& plan) { return std::max(40e6, 1e6 * plan.dp * plan.cp); }

std::vector<int> Workload::kind_counts(int stage, int chunk) const {
  std::vector<int> n(kinds.size(), 0);
  const ChunkSpan& sp = chunks[static_cast<size_t>(stage * vpp + chunk)];
  for (int i = sp.first; i < sp.first + sp.count; ++i) ++n[static_cast<size_t>(layer_kind[static_cast<size_t>(i)])];
  return n;
}

Workload build_workload(const Scenario& sc) {
  const TransformerConfig& md = sc.model;
  const ParallelPlan& p = sc.plan;
  const TrainingSpec& tr = sc.training;
  Workload w;
  w.pp = p.pp;
  w.vpp = p.vpp;
  w.microbatches = microbatches(p, tr.global_batch);
  w.chunks = chunk_spans(md, p);
  const int gpn = sc.cluster.gpus_per_node;
  const int etp = expert_tp(p);
  w.groups.tp = place_group(p.tp, 1, gpn);
  w.groups.cp = place_group(p.cp, p.tp, gpn);
  w.groups.dp = place_group(p.dp * p.cp, p.tp, gpn);
  w.groups.pp = place_group(p.pp, p.tp * p.cp * p.dp, gpn);
  // Expert layers regroup a stage's tp*cp*dp ranks as etp (fastest), ep, edp (Megatron-Core expert rank order).
  w.groups.etp = place_group(etp, 1, gpn);
  w.groups.ep = place_group(p.ep, etp, gpn);
  w.groups.edp = place_group(expert_dp(p), etp * p.ep, gpn);

  const double e = tr.precision == Precision::fp32 || tr.precision == Precision::tf32 ? 4 : 2;  // activation bytes
  const double t = p.tp, b = p.micro_batch, s = tr.seq_len, sl = s / p.cp;
  const double h = md.hidden, f = md.ffn_hidden, a = md.heads;
  const double qw = double(md.q_width()), kw = double(md.k_width()), vw = double(md.v_width());
  const double dqk = md.qk_head_dim(), dv = md.v_head_dim();
  const double T = b * sl;  // tokens per micro-batch on this GPU
  const double rep = p.sequence_parallel ? 1.0 / t : 1.0;  // elementwise work is split by TP only with SP
  const bool sp = p.sequence_parallel && p.tp > 1;
  const bool tpo = p.tp_comm_overlap;
  const bool gated = md.ffn_act == FfnAct::swiglu;
  const double act_ratio = gated ? 2 : 1;
  const CollOp tp_out = sp ? CollOp::reduce_scatter : CollOp::all_reduce;
  const double grad_bytes = bytes_per_param(tr.precision, p).gradients;

  // ----- one layer forward -----
  auto attention_core = [&](std::vector<Op>& v, Phase ph) {
    if (tr.flash_attention) {
      // Causal flash attention computes half of the s x s score matrix: QK^T (d_qk) and PV (d_v) per head.
      // Megatron-Core's CP load balancing gives every CP rank the same share of that triangle.
      v.push_back(attention("flash_attn", ph, 0.5 * 2 * b * sl * s * (a / t) * (dqk + dv)));
      v.back().m = sl, v.back().n = s;  // query and key lengths (kernel rates depend on them)
    } else {
      const double heads = b * a / t;
      v.push_back(gemm("qk", ph, sl, s, dqk, heads));
      v.push_back(mem("softmax", ph, (e + e) * heads * sl * s));    // fused scale-mask-softmax: read, write
      v.push_back(mem("attn_dropout", ph, (2 * e + 1) * heads * sl * s));  // read, write, 1-byte mask
      v.push_back(gemm("av", ph, sl, dv, s, heads));
    }
  };
  // Context parallelism exchanges the keys and values of the whole sequence: either as a ring of KV blocks
  // overlapped with the blockwise attention (volume of a ring all-gather), or as one all-gather before it.
  const double cp_kv_bytes = e * b * s * (kw + vw) / t;
  const bool cp_ring = p.cp_comm == CpComm::p2p;
  auto attention_block = [&](std::vector<Op>& v, Phase ph) {
    v.push_back(mem("ln1", ph, 2 * e * T * h * rep));
    if (sp) v.push_back(coll("tp_ag1", ph, CollOp::all_gather, Group::tp, e * T * h, tpo));
    if (md.mla.enabled()) {
      // MLA: low-rank down-projections (replicated across TP ranks), then per-head up-projections (TP-split).
      const double qr = md.mla.q_lora_rank, kvr = md.mla.kv_lora_rank, rope = md.mla.qk_rope_head_dim;
      if (qr > 0) {
        v.push_back(gemm("q_down", ph, T, qr, h));
        v.push_back(gemm("q_up", ph, T, qw / t, qr));
      } else {
        v.push_back(gemm("q_proj", ph, T, qw / t, h));
      }
      v.push_back(gemm("kv_down", ph, T, kvr + rope, h));
      v.push_back(gemm("kv_up", ph, T, a * (md.mla.qk_nope_head_dim + dv) / t, kvr));
    } else {
      v.push_back(gemm("qkv", ph, T, (qw + kw + vw) / t, h));
    }
    if (p.cp > 1) v.push_back(coll(cp_ring ? "cp_kv_ring" : "cp_kv_allgather", ph, CollOp::all_gather, Group::cp,
                                   cp_kv_bytes, cp_ring));
    attention_core(v, ph);
    v.push_back(gemm("proj", ph, T, h, a * dv / t));
    if (p.tp > 1) v.push_back(coll("tp_out1", ph, tp_out, Group::tp, e * T * h, tpo));
    v.push_back(mem("dropout_add1", ph, (3 * e + 1) * T * h * rep));
    v.push_back(mem("ln2", ph, 2 * e * T * h * rep));
  };
  auto dense_ffn = [&](std::vector<Op>& v, Phase ph, double width, const char* fc1, const char* fc2) {
    if (sp) v.push_back(coll("tp_ag2", ph, CollOp::all_gather, Group::tp, e * T * h, tpo));
    v.push_back(gemm(fc1, ph, T, act_ratio * width / t, h));
    v.push_back(mem(gated ? "swiglu" : "bias_gelu", ph, (act_ratio + 1) * e * T * width / t));
    v.push_back(gemm(fc2, ph, T, h, width / t));
    if (p.tp > 1) v.push_back(coll("tp_out2", ph, tp_out, Group::tp, e * T * h, tpo));
  };
  auto dense_layer = [&](std::vector<Op>& v, Phase ph) {
    attention_block(v, ph);
    dense_ffn(v, ph, f, "fc1", "fc2");
    v.push_back(mem("dropout_add2", ph, (3 * e + 1) * T * h * rep));
  };
  // MoE FFN (Megatron-Core token dispatcher "alltoall"): router on this GPU's tokens, permute, all-to-all dispatch
  // over the EP group, all-gather over the expert TP group, grouped expert GEMMs, and the same way back.
  const double Td = T * rep;  // tokens routed from this GPU (SP splits them over TP ranks)
  const double E = md.moe.experts;
  const double local_experts = md.moe.experts > 0 ? E / p.ep : 1;
  // Token copies the busiest GPU computes (gathered over expert TP), and those leaving it over EP.
  const double expert_tokens = md.moe.enabled() ? expert_tokens_per_gpu(md, p, b, s) : 0.0;
  const double routed = expert_tokens / etp;
  const double fe = md.moe.expert_ffn_hidden;
  auto moe_layer = [&](std::vector<Op>& v, Phase ph) {
    attention_block(v, ph);
    if (md.moe.shared_experts > 0)
      dense_ffn(v, ph, double(md.moe.shared_experts) * md.shared_ffn_hidden(), "shared_fc1", "shared_fc2");
    v.push_back(gemm("router", ph, Td, E, h));
    v.push_back(mem("router_topk", ph, 3 * 4 * Td * E));       // fp32 logits: softmax/sigmoid, top-k, write probs
    v.push_back(mem("permute", ph, 2 * e * routed * h));  // gather token copies by expert
    const bool epo = p.ep_comm_overlap;
    if (p.ep > 1) v.push_back(coll("ep_dispatch", ph, CollOp::all_to_all, Group::ep, e * routed * h, epo));
    if (etp > 1) v.push_back(coll("etp_ag", ph, CollOp::all_gather, Group::etp, e * expert_tokens * h, false));
    const double per_expert = expert_tokens / local_experts;
    v.push_back(gemm("expert_fc1", ph, per_expert, act_ratio * fe / etp, h, local_experts));
    v.push_back(mem(gated ? "expert_swiglu" : "expert_gelu", ph, (act_ratio + 1) * e * expert_tokens * fe / etp));
    v.push_back(gemm("expert_fc2", ph, per_expert, h, fe / etp, local_experts));
    if (etp > 1) v.push_back(coll("etp_rs", ph, CollOp::reduce_scatter, Group::etp, e * expert_tokens * h, false));
    if (p.ep > 1) v.push_back(coll("ep_combine", ph, CollOp::all_to_all, Group::ep, e * routed * h, epo));
    v.push_back(mem("unpermute", ph, (2 * e * routed + e * Td) * h));  // scatter back, weight by probs, sum
    v.push_back(mem("dropout_add2", ph, (3 * e + 1) * T * h * rep));
  };

  auto build_kind = [&](bool moe) {
    LayerOps L;
    auto forward = [&](std::vector<Op>& v, Phase ph) { moe ? moe_layer(v, ph) : dense_layer(v, ph); };
    forward(L.fwd, Phase::forward);
    // ----- backward (recompute first) -----
    if (p.recompute == Recompute::full) forward(L.bwd, Phase::recompute);
    if (p.recompute == Recompute::selective && !tr.flash_attention) attention_core(L.bwd, Phase::recompute);
    for (auto it = L.fwd.rbegin(); it != L.fwd.rend(); ++it) {
      const Op& o = *it;
      switch (o.kind) {
        case OpKind::gemm: {
          const bool weights = std::strcmp(o.name, "qk") != 0 && std::strcmp(o.name, "av") != 0;
          gemm_backward(L.bwd, o, weights);
          break;
        }
        case OpKind::attention:
          L.bwd.push_back(attention("flash_attn", Phase::backward, 2 * o.flops));
          L.bwd.back().m = o.m, L.bwd.back().n = o.n;
          break;
        case OpKind::memory: L.bwd.push_back(mem(o.name, Phase::backward, 1.5 * o.bytes)); break;
        case OpKind::collective: {
          // Backward of a TP all-reduce is an all-reduce on the input side; with SP (and for expert TP),
          // all-gather and reduce-scatter swap roles. All-to-alls mirror themselves.
          Op c = o;
          c.phase = Phase::backward;
          const bool swaps = (o.group == Group::tp && sp) || o.group == Group::etp;
          if (swaps) c.coll = o.coll == CollOp::all_gather ? CollOp::reduce_scatter : CollOp::all_gather;
          if (o.group == Group::cp) {
            // Keys and values come round again, and their gradients go back: a gather and a reduce-scatter.
            L.bwd.push_back(c);
            c.coll = CollOp::reduce_scatter;
          }
          L.bwd.push_back(c);
          if (o.group == Group::tp && sp && o.coll == CollOp::all_gather) {
            // Megatron SP re-gathers the layer-norm output for the weight gradient.
            Op g = o;
            g.phase = Phase::backward;
            L.bwd.push_back(g);
          }
          break;
        }
      }
    }
    const StageParams lp = layer_params_per_gpu(md, p, moe);
    L.params = lp.total();
    // Weight gradients are accumulated into the gradient buffer once per micro-batch: a read-modify-write of
    // every local parameter's gradient (Megatron-LM main_grad accumulation; fused into the GEMM epilogue or not,
    // the traffic is the same).
    if (p.zero < 3) {
      L.bwd.push_back(mem("grad_accum", Phase::backward, 2 * grad_bytes * lp.total()));
    } else {
      // PyTorch FSDP's post-backward hook (torch/distributed/fsdp _post_backward_hook): the unsharded gradient is
      // written and read (2e), cast to the reduce dtype when it differs (e + r), pre-divided in place (2r) before
      // the reduce-scatter, and the reduced shard accumulated (2r / shard ranks).
      const double r = grad_bytes;
      auto per_param = [&](double shard) { return 2 * e + (r != e ? e + r : 0.0) + 2 * r + 2 * r / shard; };
      L.bwd.push_back(mem("fsdp_grad", Phase::backward,
                          per_param(double(p.dp) * p.cp) * lp.dense + per_param(expert_dp(p)) * lp.expert));
    }
    L.bwd.back().wgrad = true;
    // ZeRO-3 gathers each layer's parameters before use and reduce-scatters its gradients (experts over their
    // expert data-parallel group).
    auto zero3 = [&](Group g, double params, int ranks) {
      if (ranks <= 1 || params <= 0) return;
      const double bytes = 2.0 * params;
      L.fwd.push_back(coll("zero3_gather", Phase::forward, CollOp::all_gather, g, bytes, p.overlap_param_gather));
      L.bwd.push_back(coll("zero3_gather", Phase::backward, CollOp::all_gather, g, bytes, p.overlap_param_gather));
      L.bwd.push_back(coll("zero3_grad_rs", Phase::backward, CollOp::reduce_scatter, g, grad_bytes * params,
                           p.overlap_grad_reduce));
    };
    if (p.zero >= 3) {
      zero3(Group::dp, lp.dense, p.dp * p.cp);
      zero3(Group::edp, lp.expert, expert_dp(p));
    }
    return L;
  };
  w.kinds.push_back(build_kind(false));
  if (md.moe.enabled()) w.kinds.push_back(build_kind(true));
  w.layer_kind.resize(static_cast<size_t>(md.layers));
  for (int i = 0; i < md.layers; ++i) w.layer_kind[static_cast<size_t>(i)] = md.is_moe_layer(i) ? 1 : 0;

  // ----- embedding (first stage) -----
  w.embed_fwd.push_back(mem("embedding", Phase::forward, 2 * e * T * h));
  if (p.tp > 1) w.embed_fwd.push_back(coll("embed_tp", Phase::forward, tp_out, Group::tp, e * T * h, false));
  w.embed_bwd.push_back(mem("embedding", Phase::backward, 3 * e * T * h));
  // The embedding's weight gradient is a dense [V/t, h] tensor (PyTorch's embedding_dense_backward zero-fills it
  // and scatters the token gradients in), then accumulated into the gradient buffer like any weight gradient.
  const double vocab_params = double(md.vocab) / t * h;
  w.embed_bwd.push_back(mem("embedding_wgrad", Phase::backward, e * vocab_params));
  w.embed_bwd.push_back(mem("grad_accum", Phase::backward, 2 * grad_bytes * vocab_params));
  w.embed_bwd.back().wgrad = true;

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
  if (!md.tied_embeddings || p.pp > 1) {
    w.head_bwd.push_back(mem("grad_accum", Phase::backward, 2 * grad_bytes * vocab_params));
    w.head_bwd.back().wgrad = true;
  }
  if (p.tp > 1) w.head_bwd.push_back(coll("head_tp", Phase::backward, tp_out, Group::tp, e * T * h, false));
  w.head_bwd.push_back(mem("final_ln", Phase::backward, 3 * e * T * h * rep));

  // Megatron's scatter/gather optimisation (SC21 §4.1) sends 1/t of the activation between stages.
  w.p2p_bytes = p.pp > 1 ? e * T * h / t : 0;

  // ----- once per step -----
  const BytesPerParam bpp = bytes_per_param(tr.precision, p);
  const double shard = double(p.dp) * p.cp, eshard = expert_dp(p);
  for (int st = 0; st < p.pp; ++st) {
    StageStep ss;
    const StageParams sp_params = stage_params(md, p, st, w.chunks);
    ss.params = sp_params.total();
    auto sync = [&](Group g, double params, double ranks) {
      if (ranks <= 1 || params <= 0 || p.zero >= 3) return;
      if (p.zero == 0) {
        ss.grad_sync.push_back(coll(g == Group::dp ? "dp_grad_allreduce" : "edp_grad_allreduce", Phase::backward,
                                    CollOp::all_reduce, g, bpp.gradients * params, p.overlap_grad_reduce));
      } else {
        ss.grad_sync.push_back(coll(g == Group::dp ? "dp_grad_reduce_scatter" : "edp_grad_reduce_scatter",
                                    Phase::backward, CollOp::reduce_scatter, g, bpp.gradients * params,
                                    p.overlap_grad_reduce));
        ss.param_sync.push_back(coll(g == Group::dp ? "dp_param_allgather" : "edp_param_allgather", Phase::forward,
                                     CollOp::all_gather, g, bpp.weights * params, p.overlap_param_gather));
        ss.param_sync.back().params = params;
      }
      ss.grad_sync.back().params = params;
    };
    sync(Group::dp, sp_params.dense, shard);
    sync(Group::edp, sp_params.expert, eshard);
    // Adam: read fp32 param, grad, m, v (16 B), write param, m, v (12 B) and the low-precision copy (2 B); plus a
    // 4 B/param gradient-norm pass for clipping.
    const double opt_params = p.zero >= 1 ? sp_params.dense / shard + sp_params.expert / eshard : ss.params;
    ss.optimizer = mem("optimizer", Phase::backward, 34.0 * opt_params);
    w.stage_steps.push_back(std::move(ss));
  }

  const StepFlops fl = step_flops(md, p, tr.global_batch, tr.seq_len);
  w.model_flops = fl.model;
  w.hardware_flops = fl.hardware;
  return w;
}

}  // namespace aiscale

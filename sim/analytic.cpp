#include "sim/analytic.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

#include "models/compute.hpp"
#include "models/flops.hpp"
#include "sim/op_time.hpp"
#include "sim/pipeline_order.hpp"

namespace aiscale {

namespace {


class OpTimer {
 public:
  OpTimer(const ComputeModel& cm, const CollectiveModel& coll, const Placements& g) : cm_(cm), coll_(coll), g_(g) {}

  double time(const Op& o) const { return op_time(o, cm_, coll_, g_); }

  // Sums a list of ops; overlapped collectives hide under the list's compute, the rest add up.
  ListCost cost(const std::vector<Op>& ops) const {
    ListCost c;
    double hidden[kGroups] = {};
    for (const Op& o : ops) {
      const double t = time(o);
      if (o.kind != OpKind::collective) {
        c.compute += t;
        if (o.wgrad) c.wgrad += t;
        continue;
      }
      if (o.overlapped) {
        hidden[int(o.group)] += t;
        continue;
      }
      add(c, o.group, t);
    }
    for (int g = 0; g < kGroups; ++g) add(c, Group(g), std::max(0.0, hidden[g] - c.compute));
    // NCCL collectives hidden under the list slow its kernels down (tensor-parallel overlap runs through
    // Transformer Engine's userbuffers, not NCCL, and is exempt); the penalty is charged as compute.
    double nccl_hidden = 0;
    for (int g = 0; g < kGroups; ++g)
      if (Group(g) != Group::tp) nccl_hidden += hidden[g];
    c.compute += cm_.overlap_penalty(nccl_hidden, c.compute);
    return c;
  }

 private:
  static void add(ListCost& c, Group g, double t) {
    switch (g) {
      case Group::tp: c.tp += t; break;
      case Group::cp: c.cp += t; break;
      case Group::ep:
      case Group::etp: c.ep += t; break;
      case Group::dp:
      case Group::edp:
      case Group::pp: c.dp += t; break;
    }
  }
  const ComputeModel& cm_;
  const CollectiveModel& coll_;
  const Placements& g_;
};

ListCost scaled(ListCost c, double k) {
  c.compute *= k, c.wgrad *= k, c.tp *= k, c.cp *= k, c.dp *= k, c.ep *= k;
  return c;
}

ListCost plus(ListCost a, const ListCost& b) {
  a.compute += b.compute, a.wgrad += b.wgrad, a.tp += b.tp, a.cp += b.cp, a.dp += b.dp, a.ep += b.ep;
  return a;
}

}  // namespace

namespace {

// Sweeps, plans and benchmarks evaluate the same pipeline shape over and over: keep the finish-time buffers and
// the issue order of the last shape per thread instead of rebuilding them for every evaluation.
// Without ZB-H1's deferred W passes, the order in which the sweep of schedule_pipeline finds tasks ready depends on
// the dependencies only, not on the times: the first evaluation of a shape records it as a flat list (task, the
// finish time it waits for, its duration) and later ones replay that list in one pass, with the same additions and
// maxima in the same order, so the results are bit-identical.
struct FlatTask {
  std::uint32_t out;  // index of the task's finish time in fend (forward) or n + index in bend (backward)
  std::int32_t dep;   // the same for the finish time it waits for; -1 for none
  std::uint32_t st;   // stage
  std::uint32_t dur;  // (stage * v + chunk) * 2 + (backward ? 1 : 0)
  double sends;       // 1 when the task sends its output to another stage, else 0
};
struct ShapeCache {
  int pp = -1, v = -1, m = -1;
  Schedule schedule = Schedule::gpipe;
  std::vector<std::vector<PipelineTask>> order;
  std::vector<double> fend, bend;
  std::vector<FlatTask> flat;
  std::vector<double> times, durations;
};

// The recorded shape replayed with new pass times: each stage's finish time.
std::vector<double> replay(ShapeCache& cache, const std::vector<std::vector<double>>& fwd,
                           const std::vector<std::vector<double>>& bwd, double p2p) {
  const int pp = cache.pp, v = cache.v;
  const size_t n = size_t(pp) * v * cache.m;
  std::vector<double>& d = cache.durations;
  d.resize(size_t(pp) * v * 2);
  for (int st = 0; st < pp; ++st)
    for (int c = 0; c < v; ++c) {
      d[(size_t(st) * v + c) * 2] = fwd[st][c];
      d[(size_t(st) * v + c) * 2 + 1] = bwd[st][c];
    }
  std::vector<double>& t = cache.times;
  t.resize(2 * n);
  std::vector<double> free_at(pp, 0.0);
  for (const FlatTask& k : cache.flat) {
    const double ready = k.dep >= 0 ? t[static_cast<size_t>(k.dep)] : 0.0;
    const double start = std::max(ready, free_at[k.st]);
    const double end = start + d[k.dur] + k.sends * p2p;
    t[k.out] = end;
    free_at[k.st] = end;
  }
  return free_at;
}

// The finish time a pass waits for, as an index into fend (forward passes) or n + an index into bend (backward);
// -1 for none. Forward passes wait on the stage before (chunk c on the last stage feeds chunk c+1 on the first),
// backward passes on the stage after, and the last chunk's backward on its own forward.
inline long dependency(const PipelineTask& tk, int st, int pp, int v, int m, size_t n) {
  auto idx = [&](int s, int c, int mb) { return (size_t(s) * v + c) * m + mb; };
  if (!tk.bwd) {
    if (st > 0) return long(idx(st - 1, tk.chunk, tk.mb));
    return tk.chunk > 0 ? long(idx(pp - 1, tk.chunk - 1, tk.mb)) : -1;
  }
  if (st < pp - 1) return long(n + idx(st + 1, tk.chunk, tk.mb));
  if (tk.chunk < v - 1) return long(n + idx(0, tk.chunk + 1, tk.mb));
  return long(idx(st, tk.chunk, tk.mb));
}

}  // namespace

std::vector<double> schedule_pipeline(const std::vector<std::vector<double>>& fwd,
                                      const std::vector<std::vector<double>>& bwd, double p2p, int m,
                                      Schedule schedule, const std::vector<std::vector<double>>* wgrad,
                                      std::vector<std::vector<PipelineTask>>* realized) {
  const int pp = static_cast<int>(fwd.size());
  const int v = pp ? static_cast<int>(fwd[0].size()) : 1;
  const size_t n = size_t(pp) * v * m;
  static thread_local ShapeCache cache;
  if (cache.pp != pp || cache.v != v || cache.m != m || cache.schedule != schedule) {
    cache.order = pipeline_order(pp, v, m, schedule);
    cache.pp = pp, cache.v = v, cache.m = m, cache.schedule = schedule;
    cache.flat.clear();
  }
  const bool zb = schedule == Schedule::zb_h1 && wgrad != nullptr;
  if (!zb && !cache.flat.empty()) {
    if (realized) *realized = cache.order;
    return replay(cache, fwd, bwd, p2p);
  }
  const bool record = !zb;
  if (record) cache.flat.reserve(2 * n);
  std::vector<double>& fend = cache.fend;
  std::vector<double>& bend = cache.bend;
  fend.assign(n, -1.0);
  bend.assign(n, -1.0);
  auto idx = [&](int st, int c, int mb) { return (size_t(st) * v + c) * m + mb; };

  const std::vector<std::vector<PipelineTask>>& order = cache.order;
  const int total = m * v;
  if (realized) realized->assign(static_cast<size_t>(pp), {});

  std::vector<size_t> cursor(pp, 0);
  std::vector<double> free_at(pp, 0.0);
  std::vector<std::vector<PipelineTask>> pending_w(static_cast<size_t>(pp));  // ZB-H1 deferred W passes
  auto run_w = [&](int st) {
    auto& q = pending_w[static_cast<size_t>(st)];
    const PipelineTask tk = q.front();
    q.erase(q.begin());
    free_at[st] += (*wgrad)[st][tk.chunk];
    if (realized) (*realized)[st].push_back(tk);
  };
  size_t done = 0;
  const size_t all = size_t(pp) * 2 * total;
  bool down = true;
  while (done < all) {
    bool progress = false;
    // Forward passes wait on the stage before them, backward passes on the stage after: sweeping the stages in
    // alternating directions carries both waves through the pipeline in few sweeps.
    for (int i = 0; i < pp; ++i) {
      const int st = down ? i : pp - 1 - i;
      const std::vector<PipelineTask>& ord = order[st];
      while (cursor[st] < ord.size()) {
        const PipelineTask& tk = ord[cursor[st]];
        const long dep = dependency(tk, st, pp, v, m, n);
        const double ready = dep < 0 ? 0.0 : size_t(dep) < n ? fend[size_t(dep)] : bend[size_t(dep) - n];
        if (ready < 0) break;  // dependency not finished yet
        // ZB-H1: deferred W passes fill the wait for the next pass's input, as long as they fit in it.
        if (zb)
          while (!pending_w[st].empty() && free_at[st] + (*wgrad)[st][pending_w[st].front().chunk] <= ready) run_w(st);
        const double start = std::max(ready, free_at[st]);
        // Megatron-LM's pipeline send/recv is blocking: a stage is busy until the activation (or gradient) it
        // produced has reached the next stage, and the receiver can start once it has arrived.
        const bool sends = tk.bwd ? !(st == 0 && tk.chunk == 0) : !(st == pp - 1 && tk.chunk == v - 1);
        if (record)
          cache.flat.push_back({static_cast<std::uint32_t>((tk.bwd ? n : 0) + idx(st, tk.chunk, tk.mb)),
                                static_cast<std::int32_t>(dep), static_cast<std::uint32_t>(st),
                                static_cast<std::uint32_t>((size_t(st) * v + tk.chunk) * 2 + (tk.bwd ? 1 : 0)),
                                sends ? 1.0 : 0.0});
        const double end = start + (tk.bwd ? bwd[st][tk.chunk] : fwd[st][tk.chunk]) + (sends ? p2p : 0.0);
        (tk.bwd ? bend : fend)[idx(st, tk.chunk, tk.mb)] = end;
        free_at[st] = end;
        if (realized) (*realized)[st].push_back(tk);
        if (zb && tk.bwd) {
          pending_w[st].push_back({true, tk.chunk, tk.mb, true});
          // Stage st keeps at most st W passes waiting: every stage then holds at most pp micro-batches whose W
          // is not done, the peak of 1F1B's first stage, and the later stages, whose B passes the earlier ones
          // wait for, defer the most.
          while (int(pending_w[st].size()) > st) run_w(st);
        }
        ++cursor[st];
        ++done;
        progress = true;
      }
      if (zb && cursor[st] == ord.size())
        while (!pending_w[st].empty()) run_w(st);
    }
    if (!progress) throw std::logic_error("pipeline schedule deadlocked");
    down = !down;
  }
  return free_at;
}

std::vector<OpTiming> time_ops(const Scenario& sc, const CalibrationProfile& profile) {
  const Workload w = build_workload(sc);
  const ComputeModel cm(sc.cluster.gpu, profile, sc.training.precision, sc.training.attention_kernel);
  const CollectiveModel coll(sc.cluster, profile);
  const OpTimer timer(cm, coll, w.groups);
  std::vector<OpTiming> out;
  auto add = [&](const char* section, const std::vector<Op>& ops) {
    for (const Op& o : ops) out.push_back({section, o, timer.time(o)});
  };
  for (size_t k = 0; k < w.kinds.size(); ++k) {
    add(k == 0 ? "layer forward" : "moe forward", w.kinds[k].fwd);
    add(k == 0 ? "layer backward" : "moe backward", w.kinds[k].bwd);
  }
  add("embedding", w.embed_fwd);
  add("embedding", w.embed_bwd);
  add("head", w.head_fwd);
  add("head", w.head_bwd);
  const StageStep& last = w.stage_steps.back();
  add("step", last.grad_sync);
  add("step", last.param_sync);
  add("step", {last.optimizer});
  return out;
}

Result simulate_analytic(const Scenario& sc, const CalibrationProfile& profile) {
  return simulate_analytic(sc, profile, build_workload(sc));
}

PassTimes pass_times(const Scenario& sc, const ComputeModel& cm, const CollectiveModel& coll, const Workload& w) {
  const ParallelPlan& p = sc.plan;
  const OpTimer timer(cm, coll, w.groups);
  std::vector<ListCost> kind_f, kind_b;
  for (const LayerOps& k : w.kinds) kind_f.push_back(timer.cost(k.fwd)), kind_b.push_back(timer.cost(k.bwd));
  const ListCost embed_f = timer.cost(w.embed_fwd), embed_b = timer.cost(w.embed_bwd);
  const ListCost head_f = timer.cost(w.head_fwd), head_b = timer.cost(w.head_bwd);

  const bool zb = p.schedule == Schedule::zb_h1;
  PassTimes t;
  t.fwd.assign(p.pp, std::vector<double>(p.vpp));
  t.bwd = t.wgrad = t.fwd;
  t.per_mb.resize(p.pp);
  t.dp_exposed.assign(p.pp, 0.0);
  t.grad_penalty = t.gather_penalty = t.optimizer = t.dp_exposed;
  for (int st = 0; st < p.pp; ++st) {
    ListCost total;
    for (int c = 0; c < p.vpp; ++c) {
      ListCost f, b;
      const std::vector<int> counts = w.kind_counts(st, c);
      for (size_t k = 0; k < counts.size(); ++k)
        f = plus(f, scaled(kind_f[k], counts[k])), b = plus(b, scaled(kind_b[k], counts[k]));
      if (st == 0 && c == 0) f = plus(f, embed_f), b = plus(b, embed_b);
      if (st == p.pp - 1 && c == p.vpp - 1) f = plus(f, head_f), b = plus(b, head_b);
      t.fwd[st][c] = f.total();
      t.bwd[st][c] = zb ? b.total() - b.wgrad : b.total();
      t.wgrad[st][c] = b.wgrad;
      total = plus(total, plus(f, b));
    }
    t.per_mb[st] = total;

    const StageStep& ss = w.stage_steps[st];
    double grad = 0, grad_hidden = 0, gather = 0, gather_hidden = 0;
    for (const Op& o : ss.grad_sync) {
      if (!o.overlapped) {
        grad += timer.time(o);
        continue;
      }
      // Overlapped reduction goes bucket by bucket, one collective (and one latency) each.
      const double buckets = std::max(1.0, std::ceil(o.params / grad_bucket_params(p)));
      Op one = o;
      one.bytes = o.bytes / buckets;
      grad_hidden += buckets * timer.time(one);
    }
    for (const Op& o : ss.param_sync) (o.overlapped ? gather_hidden : gather) += timer.time(o);
    // Overlapped gradient reduction runs under the last micro-batch's backward; overlapped parameter
    // gathers run under the next step's first forward.
    double last_bwd = 0, first_fwd = 0;
    for (int c = 0; c < p.vpp; ++c) last_bwd += t.bwd[st][c] + (zb ? t.wgrad[st][c] : 0.0), first_fwd += t.fwd[st][c];
    // What hides still slows the compute it hides under (the profile's overlap slowdown).
    t.grad_penalty[st] = cm.overlap_penalty(grad_hidden, last_bwd);
    t.gather_penalty[st] = cm.overlap_penalty(gather_hidden, first_fwd);
    t.dp_exposed[st] = grad + std::max(0.0, grad_hidden - last_bwd) + gather + std::max(0.0, gather_hidden - first_fwd) +
                       t.grad_penalty[st] + t.gather_penalty[st];
    t.optimizer[st] = timer.time(ss.optimizer);
  }
  t.p2p = w.p2p_bytes > 0 ? coll.time(CollOp::send_recv, w.p2p_bytes, w.groups.pp) : 0.0;
  return t;
}

Result simulate_analytic(const Scenario& sc, const CalibrationProfile& profile, const Workload& w) {
  const ParallelPlan& p = sc.plan;
  const ComputeModel cm(sc.cluster.gpu, profile, sc.training.precision, sc.training.attention_kernel);
  const CollectiveModel coll(sc.cluster, profile);
  const PassTimes t = pass_times(sc, cm, coll, w);
  const bool zb = p.schedule == Schedule::zb_h1;
  const double p2p = t.p2p;
  const std::vector<double> finish =
      schedule_pipeline(t.fwd, t.bwd, p2p, w.microbatches, p.schedule, zb ? &t.wgrad : nullptr);

  Result r;
  r.scenario = sc.name;
  r.gpus = sc.cluster.gpus();
  r.microbatches = w.microbatches;
  double step = 0;
  for (int st = 0; st < p.pp; ++st) {
    const double dp_exposed = t.dp_exposed[st];
    const double opt = t.optimizer[st];
    const double end = finish[st] + dp_exposed + opt;
    if (st == 0 || end > step) {
      step = end;
      r.critical_stage = st;
      const double m = w.microbatches;
      const ListCost work = scaled(t.per_mb[st], m);
      Breakdown& bd = r.breakdown;
      bd.compute = work.compute;
      bd.tp = work.tp;
      bd.cp = work.cp;
      bd.ep = work.ep;
      bd.dp = work.dp + dp_exposed;
      bd.optimizer = opt;
      const double idle = std::max(0.0, finish[st] - work.total());
      // Blocking sends: every chunk of every micro-batch leaves the stage once forward and once backward.
      const double sends = p.pp > 1 ? 2.0 * m * p.vpp - (st == 0 ? m : 0) - (st == p.pp - 1 ? m : 0) : 0.0;
      bd.pp = std::min(idle, sends * p2p);
      bd.bubble = idle - bd.pp;
    }
  }

  complete_result(r, sc, step, w.model_flops, w.hardware_flops);
  return r;
}

}  // namespace aiscale

#include "sim/event_engine.hpp"

#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <memory>
#include <simgrid/s4u.hpp>
#include <tuple>
#include <unordered_map>

#include "models/compute.hpp"
#include "models/error.hpp"
#include "models/memory.hpp"
#include "models/workload.hpp"
#include "sim/analytic.hpp"
#include "sim/event_platform.hpp"
#include "sim/event_trace.hpp"
#include "sim/op_time.hpp"
#include "sim/pipeline_order.hpp"
#include "topology/builder.hpp"

namespace aiscale {

EventOptions parse_event_options(const nlohmann::json& engine, const std::string& path) {
  EventOptions o;
  if (engine.is_null()) return o;
  if (!engine.is_object()) throw Error(path, "must be an object like {\"mode\": \"exact\"}");
  for (const auto& [key, value] : engine.items()) {
    const std::string p = path + "." + key;
    if (key == "mode") {
      if (!value.is_string() || (value != "exact" && value != "aggregated"))
        throw Error(p, "must be \"aggregated\" (default) or \"exact\"");
      o.exact = value == "exact";
    } else if (key == "algorithm") {
      if (!value.is_object()) throw Error(p, "must be an object like {\"all_reduce\": \"tree\"}");
      for (const auto& [op, alg] : value.items()) {
        if (!alg.is_string()) throw Error(p + "." + op, "must be an algorithm name such as \"ring\"");
        o.algorithms[parse_coll_op(op, p + "." + op)] = parse_algorithm(alg.get<std::string>(), p + "." + op);
      }
    } else if (key != "name") {
      throw Error(p, "unknown key; use mode or algorithm");
    }
  }
  return o;
}

namespace {

namespace sg4 = simgrid::s4u;

double now() { return sg4::Engine::get_clock(); }

long max_map_count() {
  long max_maps = 65530;
  if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
    if (std::fscanf(f, "%ld", &max_maps) != 1) max_maps = 65530;
    std::fclose(f);
  }
  return max_maps;
}

// Mappings left for the program, its libraries, heap and SimGrid itself. Measured: a bare SimGrid 3.32 program
// under the default 65,530 creates 32,000 actors with 256 KiB stacks and fails at 33,000, so about 500 are
// taken; aiscale's own heap and libraries take more, and 4,096 keeps a margin.
constexpr long kMapReserve = 4096;
long actors_allowed(long max_maps) { return std::max(0L, (max_maps - kMapReserve) / 2); }

// Past event_actor_limit(), SimGrid's actor creation aborts; say so first. `at_least`: `actors` is a lower bound
// (the pipeline ranks alone, before the communicators are known).
void check_actor_limit(long actors, bool at_least) {
  const long max_maps = max_map_count(), allowed = actors_allowed(max_maps);
  if (actors > allowed)
    throw Error("engine",
                "the event engine needs " + std::string(at_least ? "at least " : "") + std::to_string(actors) +
                    " SimGrid actors (one per pipeline rank and communicator) for this scenario, and "
                    "this machine's vm.max_map_count of " +
                    std::to_string(max_maps) + " allows about " + std::to_string(allowed) +
                    ": use --engine analytic, fewer GPUs, or raise vm.max_map_count (sysctl -w " +
                    "vm.max_map_count=" + std::to_string(2 * actors + kMapReserve) + (at_least ? " or more)" : ")"));
}

// One collective (or send) as its communicator's stream runs it.
struct Instance {
  int arrived = 0;
  int waiters = 0;  // acquisitions of `done` to expect
  int sig = -1;     // signature id
  int target = -1;  // send: receiving worker
  sg4::SemaphorePtr done = sg4::Semaphore::create(0);
  std::string label;  // trace name (only when tracing)
};
using InstancePtr = std::shared_ptr<Instance>;

// The flows of one signature on one communicator, with wire bytes calibrated so the collective alone takes its
// calibrated time (CollectiveModel): flows add what alpha-beta curves cannot see, i.e. contention.
struct FlowSet {
  std::vector<std::vector<std::tuple<int, int, std::uint64_t>>> phases;  // src GPU, dst GPU, wire bytes
  double alpha = 0;                                                      // fixed latency before the flows
  double calibrated = 0;                                                 // CollectiveModel time
  std::vector<std::pair<int, double>> payload, wire;                     // bytes per directed link, all lanes
  long flows = 0;                                                        // flows simulated per instance
  long replicated = 0;  // flows of the lanes folded onto lane 0 (rail folding), per instance
};

struct Signature {
  CollOp op;
  double bytes;
  Group group;
};

enum class CommKind { tp, cp, dp, p2p, expert };

// A communicator: its ranks per lane (the tp lanes of folded workers run the same collective at once), and the
// stream (one driver actor) that runs its collectives in issue order, as a NCCL communicator's stream does.
struct Communicator {
  CommKind kind = CommKind::dp;
  Group group = Group::dp;
  TraceStream stream = TraceStream::dp;
  std::vector<std::vector<int>> lanes;
  int members = 1;
  int owner = -1;  // p2p: sending worker
  std::vector<long> seq;
  long base = 0;
  std::deque<InstancePtr> queue;
  sg4::SemaphorePtr pending;
  std::map<std::pair<int, int>, std::unique_ptr<FlowSet>> sets;  // (signature, target) -> flows
};

struct TraceOp {
  const char* name;
  TraceStream stream;
  double start, end;  // relative to the run's start
  Phase phase;
  int layer;  // >= 0 layer index, -1 embedding, -2 head
};

struct Item {
  enum Kind : std::uint8_t { run, arrive, wait } kind = run;
  Group group = Group::tp;
  int sig = -1, slot = -1;
  bool bucket = false;
  double dur = 0, compute = 0, tp = 0, ep = 0;  // run: time, of it compute and exposed folded TP / expert TP
  int trace_begin = 0, trace_end = 0;
  const char* name = "";
  int layer = 0;
};

struct Template {
  std::vector<Item> items;
  std::vector<TraceOp> trace;
  std::map<int, long> folded;  // folded TP signature -> count
  int slots = 0;
  double dur = 0;  // static duration (runs only)
};

struct Worker {
  int c = 0, d = 0, s = 0, index = 0;
  std::vector<int> gpus;  // its TP ranks
  sg4::Host* host = nullptr;
  Communicator* tp = nullptr;
  Communicator* p2p[2] = {nullptr, nullptr};
  Communicator* comm[kGroups] = {};  // the communicator of each group this worker's ranks belong to
  int member[kGroups] = {};          // and this worker's member index in it
  std::map<std::tuple<int, int, int>, InstancePtr> inbox;  // (bwd, chunk, mb) -> transfer
  std::vector<InstancePtr> buckets;
  std::map<int, long> folded;
  double idle = 0, compute = 0, tp_time = 0, cp_time = 0, dp_time = 0, ep_time = 0;
  double t_compute_end = 0, t_grad_done = 0, t_opt_end = 0, gather = 0, opt = 0;
  bool finished = false;  // reached the end of its step (false after a SimGrid deadlock)
};

class Sim {
 public:
  Sim(const Scenario& sc, const CalibrationProfile& prof, const EventOptions& opt, EventNetwork& net,
      std::vector<sg4::Host*> hosts)
      : sc_(sc),
        prof_(prof),
        p_(sc.plan),
        opt_(opt),
        w_(build_workload(sc)),
        cm_(sc.cluster.gpu, prof, sc.training.precision, sc.training.attention_kernel),
        coll_(nonblocking(sc.cluster), prof),
        net_(net),
        hosts_(std::move(hosts)),
        speed_(hosts_.empty() ? 1.0 : hosts_[0]->get_speed()) {
    const ClusterSpec& c = sc.cluster;
    costs_.nvlink_bw = c.scale_up.bandwidth.value;
    costs_.network_bw = c.scale_out.nic.value * std::max(1, c.scale_out.nics_per_node) / std::max(1, c.gpus_per_node);
    costs_.nvlink_step = prof.nvlink.latency.value;
    costs_.network_step = prof.network.step_latency.value;
    link_payload_.assign(net_.links().size(), 0.0);
    link_wire_.assign(net_.links().size(), 0.0);
    const Placements& g = w_.groups;
    etp_ = expert_tp(p_);
    edp_ = expert_dp(p_);
    zb_ = p_.schedule == Schedule::zb_h1;
    // Expert tensor parallelism as wide as tensor parallelism regroups nothing: its groups are the TP groups.
    etp_is_tp_ = etp_ == p_.tp;
    // Blocking expert collectives (EP all-to-alls, expert TP) never run beside a TP collective of their own GPUs:
    // every worker whose GPUs they touch waits in them. Overlapped ones do, and must then stay off the node.
    bool expert_async = false;
    for (const LayerOps& k : w_.kinds)
      for (const auto* ops : {&k.fwd, &k.bwd})
        for (const Op& o : *ops)
          expert_async = expert_async || (o.kind == OpKind::collective && o.overlapped &&
                                          (o.group == Group::ep || (o.group == Group::etp && !etp_is_tp_)));
    const bool others_off_node =
        (p_.dp * p_.cp <= 1 || g.dp.ranks_per_node == 1) && (p_.cp <= 1 || g.cp.ranks_per_node == 1) &&
        (p_.pp <= 1 || g.pp.ranks_per_node == 1) && (edp_ <= 1 || g.edp.ranks_per_node == 1) &&
        (!expert_async || ((p_.ep <= 1 || g.ep.ranks_per_node == 1) && (etp_ <= 1 || g.etp.ranks_per_node == 1)));
    fold_tp_ = !opt.exact && p_.tp > 1 && g.tp.nodes == 1 && others_off_node;
    // Rail folding: the tp lanes of a data- or context-parallel communicator run the same collective on disjoint
    // GPUs; where their flows also share no link (checked per collective in flowset: one NIC per GPU, and ECMP or
    // rails keeping the lanes apart in the fabric) lane 0 stands for all of them and lanes 1.. are not simulated;
    // their bytes still load their links in the utilisation summary. Exact mode keeps every lane.
    fold_rails_ = !opt.exact && p_.tp > 1;
  }

  void setup();
  void collect(Result& r, EventStats& st, TraceWriter* trace);
  long actors() const { return actors_; }

 private:
  static ClusterSpec nonblocking(ClusterSpec c) {
    // The flows see the oversubscribed fabric itself; the calibrated per-collective time must not charge it twice.
    c.scale_out.oversubscription = 1.0;
    c.scale_out.spine_oversubscription = 1.0;
    return c;
  }
  int worker_index(int c, int d, int s) const { return c + p_.cp * (d + p_.dp * s); }
  int gpu(int t, int c, int d, int s) const { return t + p_.tp * worker_index(c, d, s); }
  int signature(CollOp op, double bytes, Group g);
  // Passes of a chunk: forward, backward (ZB-H1: its input-gradient part B only) and ZB-H1's weight-gradient W.
  enum Pass { fwd_pass = 0, bwd_pass = 1, w_pass = 2 };
  static Pass pass_of(const PipelineTask& tk) { return tk.wgrad ? w_pass : tk.bwd ? bwd_pass : fwd_pass; }
  Template build_template(int s, int c, Pass pass, bool last);
  const Template& tmpl(int s, int c, Pass pass, bool last) const {
    return templates_[((static_cast<size_t>(s) * p_.vpp + c) * 3 + pass) * 2 + (last ? 1 : 0)];
  }
  // Backward ops of a list that belong to a pass: all of them, or under ZB-H1 those of B or of W.
  std::vector<Op> pass_ops(const std::vector<Op>& bwd, Pass pass) const;
  void analytic_times();
  std::vector<std::vector<PipelineTask>> task_order() const;
  Communicator* new_comm(CommKind kind, Group g, TraceStream stream, int members);
  void expert_comms(int s, Group g);
  Communicator& comm_for(const Worker& w, Group g) { return *w.comm[static_cast<int>(g)]; }
  int member_of(const Worker& w, Group g) const { return w.member[static_cast<int>(g)]; }
  InstancePtr arrive(Communicator& cm, int member, int sig, const std::string& label);
  const FlowSet& flowset(Communicator& cm, int sig, int target);
  void driver_main(Communicator& cm);
  void worker_main(Worker& w);
  void run_template(Worker& w, const Template& t, const PipelineTask& tk, std::vector<InstancePtr>& slots);
  void send(Worker& w, int to, const std::tuple<int, int, int>& key, bool bwd);
  InstancePtr& inbox(Worker& w, const std::tuple<int, int, int>& key) {
    InstancePtr& p = w.inbox[key];
    if (!p) p = std::make_shared<Instance>();
    return p;
  }
  std::string op_label(const char* name, int layer, int mb) const;

  const Scenario& sc_;
  const CalibrationProfile& prof_;
  const ParallelPlan& p_;
  const EventOptions& opt_;
  Workload w_;
  ComputeModel cm_;
  CollectiveModel coll_;
  EventNetwork& net_;
  std::vector<sg4::Host*> hosts_;
  double speed_;
  AlgorithmCosts costs_;
  bool fold_tp_ = false;
  bool fold_rails_ = false;
  int etp_ = 1, edp_ = 1;
  bool etp_is_tp_ = true, zb_ = false;

  std::vector<Signature> sigs_;
  std::map<std::tuple<int, double, int>, int> sig_index_;
  std::vector<Template> templates_;
  std::vector<std::vector<PipelineTask>> order_;
  std::vector<double> first_fwd_;  // per stage: forward of one micro-batch over all chunks (param-gather overlap)
  std::vector<std::unique_ptr<Communicator>> comms_;
  std::vector<Worker> workers_;
  int p2p_sig_ = -1;
  std::vector<StageParams> kind_params_;  // per layer kind: local dense and expert parameters
  // The analytic engine's per-chunk pass times [stage][chunk] (ZB-H1 places its W passes by them), its stage-to-stage
  // transfer time, and per stage the slowdown that overlapped gradient buckets and parameter gathers cause.
  std::vector<std::vector<double>> a_fwd_, a_bwd_, a_wgt_;
  double a_p2p_ = 0;
  std::vector<double> grad_penalty_, gather_penalty_;

  std::vector<double> link_payload_, link_wire_;
  long transfers_ = 0, replicated_ = 0, execs_ = 0, collectives_ = 0, actors_ = 0;
  long in_flight_ = 0, max_in_flight_ = 0;
  double in_flight_sum_ = 0;  // sum over started flows of the flows in flight at their start
  struct CollTrace {
    const Communicator* cm;
    double t0, t1;
    std::string label;
  };
  std::vector<CollTrace> coll_trace_;
  struct RunTrace {
    int worker;
    const Template* t;
    int item, mb;
    double t0;
  };
  std::vector<RunTrace> run_trace_;
  std::vector<std::pair<int, std::pair<double, double>>> opt_trace_;  // worker, (t0, t1)
};

int Sim::signature(CollOp op, double bytes, Group g) {
  const auto key = std::make_tuple(static_cast<int>(op), bytes, static_cast<int>(g));
  auto it = sig_index_.find(key);
  if (it != sig_index_.end()) return it->second;
  sigs_.push_back({op, bytes, g});
  return sig_index_[key] = static_cast<int>(sigs_.size()) - 1;
}

std::string Sim::op_label(const char* name, int layer, int mb) const {
  std::string where = layer >= 0 ? "L" + std::to_string(layer) : layer == -1 ? "embed" : "head";
  return where + "/mb" + std::to_string(mb) + "/" + name;
}

std::vector<Op> Sim::pass_ops(const std::vector<Op>& bwd, Pass pass) const {
  if (!zb_) return bwd;
  std::vector<Op> out;
  for (const Op& o : bwd)
    if (o.wgrad == (pass == w_pass)) out.push_back(o);
  return out;
}

// The ops of one chunk pass (forward, backward, or ZB-H1's B and W) with embedding/head where they live, as runs of
// back-to-back kernels, collective arrivals and waits. `last` marks the last micro-batch's backward (ZB-H1: its W
// pass), whose finished layers release the gradient buckets (Megatron-LM overlap_grad_reduce).
Template Sim::build_template(int s, int c, Pass pass, bool last) {
  Template t;
  const ChunkSpan& span = w_.chunks[static_cast<size_t>(s * p_.vpp + c)];
  const int L = span.count;
  const int layer0 = span.first;  // Megatron numbering: chunk c of stage s
  Item run;
  auto flush = [&] {
    run.trace_end = static_cast<int>(t.trace.size());
    if (run.dur > 0 || run.trace_end > run.trace_begin) {
      t.items.push_back(run);
      t.dur += run.dur;
    }
    run = Item();
    run.trace_begin = static_cast<int>(t.trace.size());
  };
  // TP collectives (and expert-TP ones on the same ranks) replayed from their calibrated time.
  auto folded = [&](const Op& o) {
    return fold_tp_ && (o.group == Group::tp || (o.group == Group::etp && etp_is_tp_));
  };
  // Queues the arrival of this rank at collective `o` and returns it.
  auto arrive = [&](const Op& o, int layer) -> const Item& {
    Item a;
    a.kind = Item::arrive;
    a.group = o.group;
    a.sig = signature(o.coll, o.bytes, o.group);
    a.slot = t.slots++;
    a.name = o.name;
    a.layer = layer;
    t.items.push_back(a);
    return t.items.back();
  };
  auto list = [&](const std::vector<Op>& ops, int layer) {
    bool ovl = false;
    for (const Op& o : ops) ovl = ovl || (o.kind == OpKind::collective && o.overlapped && !folded(o));
    if (ovl) flush();
    std::vector<std::pair<int, Group>> waits;
    for (const Op& o : ops)
      if (o.kind == OpKind::collective && o.overlapped && !folded(o)) waits.push_back({arrive(o, layer).slot, o.group});
    const double list_start = run.dur;
    double compute = 0, hidden = 0, nccl_hidden = 0;
    for (const Op& o : ops) {
      if (o.kind != OpKind::collective) {
        const double dt = op_time(o, cm_, coll_, w_.groups);
        t.trace.push_back({o.name, TraceStream::compute, run.dur, run.dur + dt, o.phase, layer});
        run.dur += dt, run.compute += dt, compute += dt;
        continue;
      }
      if (folded(o)) {
        const double dt = op_time(o, cm_, coll_, w_.groups);
        ++t.folded[signature(o.coll, o.bytes, o.group)];
        if (!o.overlapped) {
          const bool expert = o.group == Group::etp;
          t.trace.push_back(
              {o.name, expert ? TraceStream::ep : TraceStream::tp, run.dur, run.dur + dt, o.phase, layer});
          run.dur += dt;
          (expert ? run.ep : run.tp) += dt;
        } else {
          t.trace.push_back(
              {o.name, TraceStream::tp_overlap, list_start + hidden, list_start + hidden + dt, o.phase, layer});
          hidden += dt;
        }
        continue;
      }
      if (o.overlapped) {  // arrived at the list start
        if (o.group != Group::tp) nccl_hidden += op_time(o, cm_, coll_, w_.groups);
        continue;
      }
      flush();
      Item wt = arrive(o, layer);
      wt.kind = Item::wait;
      t.items.push_back(wt);
    }
    // Overlapped collectives hide under the list's compute; only the excess shows (as in the analytic engine).
    if (hidden > compute) run.dur += hidden - compute, run.tp += hidden - compute;
    // NCCL collectives running beside the list's kernels slow them (the profile's overlap slowdown; TP overlap
    // goes through userbuffers and is exempt), charged as compute as the analytic engine does.
    if (const double pen = cm_.overlap_penalty(nccl_hidden, compute); pen > 0) {
      t.trace.push_back({"nccl_overlap_slowdown", TraceStream::compute, run.dur, run.dur + pen, ops[0].phase, layer});
      run.dur += pen, run.compute += pen;
    }
    if (!waits.empty()) {
      flush();
      for (const auto& [slot, g] : waits) {
        Item wt;
        wt.kind = Item::wait;
        wt.slot = slot;
        wt.group = g;
        t.items.push_back(wt);
      }
    }
  };

  // Gradient buckets (Megatron-LM DDP): max(40M, 1M x data-parallel size) parameters, filled in backward order;
  // dense parameters reduce over the data-parallel group, expert parameters over the expert data-parallel group,
  // each in its own buckets.
  const StageStep& ss = w_.stage_steps[static_cast<size_t>(s)];
  const Op* sync[2] = {nullptr, nullptr};  // dense (dp), expert (edp)
  for (const Op& o : ss.grad_sync) sync[o.group == Group::edp ? 1 : 0] = &o;
  const bool buckets = last && !ss.grad_sync.empty() && pass == (zb_ ? w_pass : bwd_pass);
  double stage_layer_params = 0;
  for (int cc = 0; cc < p_.vpp; ++cc) {
    const ChunkSpan& sp = w_.chunks[static_cast<size_t>(s * p_.vpp + cc)];
    for (int i = sp.first; i < sp.first + sp.count; ++i) stage_layer_params += w_.layer(i).params;
  }
  const double extra = std::max(0.0, ss.params - stage_layer_params);  // embedding and head: dense
  const bool first_chunk = s == 0 && c == 0, last_chunk = s == p_.pp - 1 && c == p_.vpp - 1;
  const double bucket_params = grad_bucket_params(p_);
  double filled[2] = {0, 0};
  auto fill = [&](double dense, double expert, bool final) {
    if (!buckets) return;
    const double add[2] = {dense, expert};
    for (int k = 0; k < 2; ++k) {
      const Op* o = sync[k];
      if (!o || o->params <= 0) continue;
      filled[k] += add[k];
      while (filled[k] >= bucket_params || (final && filled[k] > 0)) {
        const double take = std::min(filled[k], bucket_params);
        filled[k] -= take;
        flush();
        Item a;
        a.kind = Item::arrive;
        a.group = o->group;
        a.bucket = true;
        a.sig = signature(o->coll, take * o->bytes / o->params, o->group);
        a.name = o->name;
        t.items.push_back(a);
      }
    }
  };
  auto fill_layer = [&](int layer) {
    const StageParams& lp = kind_params_[static_cast<size_t>(w_.layer_kind[static_cast<size_t>(layer)])];
    fill(lp.dense, lp.expert, false);
  };
  const double embed_share = first_chunk ? (last_chunk ? extra / 2 : extra) : 0.0;
  const double head_share = last_chunk ? extra - embed_share : 0.0;
  if (pass == fwd_pass) {
    if (first_chunk) list(w_.embed_fwd, -1);
    for (int l = 0; l < L; ++l) list(w_.layer(layer0 + l).fwd, layer0 + l);
    if (last_chunk) list(w_.head_fwd, -2);
  } else {
    if (last_chunk) list(pass_ops(w_.head_bwd, pass), -2), fill(head_share, 0, false);
    for (int l = L - 1; l >= 0; --l) list(pass_ops(w_.layer(layer0 + l).bwd, pass), layer0 + l), fill_layer(layer0 + l);
    if (first_chunk) list(pass_ops(w_.embed_bwd, pass), -1), fill(embed_share, 0, false);
    fill(0, 0, true);
  }
  flush();
  return t;
}

Communicator* Sim::new_comm(CommKind kind, Group g, TraceStream stream, int members) {
  comms_.push_back(std::make_unique<Communicator>());
  Communicator* cm = comms_.back().get();
  cm->kind = kind;
  cm->group = g;
  cm->stream = stream;
  cm->members = members;
  cm->seq.assign(static_cast<size_t>(members), 0);
  cm->pending = sg4::Semaphore::create(0);
  return cm;
}

// The analytic engine's pass times (one function serves both engines), so ZB-H1 takes the same pass order, and
// the overlap slowdown of gradient buckets and parameter gathers is charged the same way.
void Sim::analytic_times() {
  const CollectiveModel coll(sc_.cluster, prof_);  // the analytic engine's model (fabric oversubscription included)
  PassTimes t = pass_times(sc_, cm_, coll, w_);
  a_fwd_ = std::move(t.fwd);
  a_bwd_ = std::move(t.bwd);
  a_wgt_ = std::move(t.wgrad);
  grad_penalty_ = std::move(t.grad_penalty);
  gather_penalty_ = std::move(t.gather_penalty);
  a_p2p_ = t.p2p;
}

// Task order of every stage. ZB-H1 defers W passes into the time a stage would wait for its next input; which ones
// fit is decided by the analytic engine's list schedule, replayed here from the same op times, so both engines run
// one schedule and differ only by contention and overlap.
std::vector<std::vector<PipelineTask>> Sim::task_order() const {
  const int m = w_.microbatches;
  if (!zb_) return pipeline_order(p_.pp, p_.vpp, m, p_.schedule);
  std::vector<std::vector<PipelineTask>> realized;
  schedule_pipeline(a_fwd_, a_bwd_, a_p2p_, m, p_.schedule, &a_wgt_, &realized);
  return realized;
}

// Communicators of an expert group (ep, etp or edp) on stage s. The stage's tp*cp*dp ranks (local rank
// r = t + tp*(c + cp*d)) are regrouped as etp (fastest), ep, edp: r = et + etp*(e + ep*ed). A worker drives its tp
// ranks, so groups that share a worker must be driven together: every connected set of groups and workers is one
// communicator whose lanes are those groups and whose members are those workers (for etp = tp, an EP group is one
// tp index of ep consecutive workers, and the tp lanes run side by side as in the data-parallel communicator).
void Sim::expert_comms(int s, Group g) {
  const int n = p_.tp * p_.cp * p_.dp, per_stage = p_.cp * p_.dp;
  const int ep = p_.ep, etp = etp_, edp = edp_;
  const int size = g == Group::ep ? ep : g == Group::etp ? etp : edp;
  if (size <= 1) return;
  std::vector<std::vector<int>> groups(static_cast<size_t>(n / size), std::vector<int>(static_cast<size_t>(size)));
  for (int r = 0; r < n; ++r) {
    const int et = r % etp, e = (r / etp) % ep, ed = r / (etp * ep);
    int key = 0, pos = 0;
    switch (g) {
      case Group::ep: key = et + etp * ed, pos = e; break;
      case Group::etp: key = e + ep * ed, pos = et; break;
      default: key = et + etp * e, pos = ed; break;
    }
    groups[static_cast<size_t>(key)][static_cast<size_t>(pos)] = r;
  }
  // Union-find over the stage's workers.
  std::vector<int> parent(static_cast<size_t>(per_stage));
  for (int i = 0; i < per_stage; ++i) parent[static_cast<size_t>(i)] = i;
  auto find = [&](int x) {
    while (parent[static_cast<size_t>(x)] != x) x = parent[static_cast<size_t>(x)];
    return x;
  };
  for (const auto& grp : groups)
    for (int r : grp) parent[static_cast<size_t>(find(r / p_.tp))] = find(grp[0] / p_.tp);
  std::map<int, Communicator*> of_root;
  for (int wl = 0; wl < per_stage; ++wl) {  // members in worker order
    Communicator*& cm = of_root[find(wl)];
    if (!cm) cm = new_comm(CommKind::expert, g, g == Group::edp ? TraceStream::edp : TraceStream::ep, 0);
    Worker& w = workers_[static_cast<size_t>(s * per_stage + wl)];
    w.comm[static_cast<int>(g)] = cm;
    w.member[static_cast<int>(g)] = cm->members++;
  }
  for (auto& [_, cm] : of_root) cm->seq.assign(static_cast<size_t>(cm->members), 0);
  for (const auto& grp : groups) {
    std::vector<int> lane;
    for (int r : grp) lane.push_back(s * n + r);
    of_root[find(grp[0] / p_.tp)]->lanes.push_back(std::move(lane));
  }
}

void Sim::setup() {
  analytic_times();
  order_ = task_order();
  for (size_t k = 0; k < w_.kinds.size(); ++k) kind_params_.push_back(layer_params_per_gpu(sc_.model, p_, k == 1));
  for (int s = 0; s < p_.pp; ++s)
    for (int c = 0; c < p_.vpp; ++c)
      for (int pass = 0; pass < 3; ++pass)
        for (int last = 0; last < 2; ++last)
          templates_.push_back(pass == w_pass && !zb_ ? Template() : build_template(s, c, Pass(pass), last == 1));
  first_fwd_.assign(static_cast<size_t>(p_.pp), 0.0);
  for (int s = 0; s < p_.pp; ++s)
    for (int c = 0; c < p_.vpp; ++c) first_fwd_[static_cast<size_t>(s)] += tmpl(s, c, fwd_pass, false).dur;
  if (w_.p2p_bytes > 0) p2p_sig_ = signature(CollOp::send_recv, w_.p2p_bytes, Group::pp);

  // Workers: one per tensor-parallel group; its TP ranks run identical kernels, so one actor drives them all.
  const int nw = p_.cp * p_.dp * p_.pp;
  workers_.resize(static_cast<size_t>(nw));
  for (int s = 0; s < p_.pp; ++s)
    for (int d = 0; d < p_.dp; ++d)
      for (int c = 0; c < p_.cp; ++c) {
        Worker& w = workers_[static_cast<size_t>(worker_index(c, d, s))];
        w.c = c, w.d = d, w.s = s, w.index = worker_index(c, d, s);
        for (int t = 0; t < p_.tp; ++t) w.gpus.push_back(gpu(t, c, d, s));
        w.host = hosts_[static_cast<size_t>(w.gpus[0])];
        if (p_.tp > 1) {
          w.tp = new_comm(CommKind::tp, Group::tp, TraceStream::tp, 1);
          w.tp->lanes = {w.gpus};
          w.comm[static_cast<int>(Group::tp)] = w.tp;
          if (etp_is_tp_) w.comm[static_cast<int>(Group::etp)] = w.tp;
        }
        for (int b = 0; b < 2; ++b) {
          w.p2p[b] = new_comm(CommKind::p2p, Group::pp, b ? TraceStream::pp_bwd : TraceStream::pp_fwd, 1);
          w.p2p[b]->owner = w.index;
        }
      }
  for (int s = 0; s < p_.pp; ++s) {
    // Data-parallel group (with context parallelism): the tp lanes of all the stage's workers, in rank order.
    Communicator* cm = new_comm(CommKind::dp, Group::dp, TraceStream::dp, p_.dp * p_.cp);
    for (int t = 0; t < p_.tp; ++t) {
      std::vector<int> lane;
      for (int d = 0; d < p_.dp; ++d)
        for (int c = 0; c < p_.cp; ++c) lane.push_back(gpu(t, c, d, s));
      cm->lanes.push_back(lane);
    }
    for (int d = 0; d < p_.dp; ++d)
      for (int c = 0; c < p_.cp; ++c) {
        Worker& w = workers_[static_cast<size_t>(worker_index(c, d, s))];
        w.comm[static_cast<int>(Group::dp)] = cm;
        w.member[static_cast<int>(Group::dp)] = c + p_.cp * d;
      }
    for (int d = 0; d < p_.dp; ++d) {
      Communicator* cc = new_comm(CommKind::cp, Group::cp, TraceStream::cp, p_.cp);
      for (int t = 0; t < p_.tp; ++t) {
        std::vector<int> lane;
        for (int c = 0; c < p_.cp; ++c) lane.push_back(gpu(t, c, d, s));
        cc->lanes.push_back(lane);
      }
      for (int c = 0; c < p_.cp; ++c) {
        Worker& w = workers_[static_cast<size_t>(worker_index(c, d, s))];
        w.comm[static_cast<int>(Group::cp)] = cc;
        w.member[static_cast<int>(Group::cp)] = c;
      }
    }
  }
  for (int s = 0; s < p_.pp; ++s) {
    expert_comms(s, Group::ep);
    if (!etp_is_tp_) expert_comms(s, Group::etp);
    expert_comms(s, Group::edp);
  }

  // Actors, in a fixed order: drivers first (daemons: they serve until the workers are done), then workers.
  auto has_driver = [this](const Communicator& c) {
    return !(c.kind == CommKind::tp && fold_tp_) && !(c.kind == CommKind::dp && p_.dp * p_.cp <= 1) &&
           !(c.kind == CommKind::cp && p_.cp <= 1) && !(c.kind == CommKind::p2p && p2p_sig_ < 0);
  };
  long planned = static_cast<long>(workers_.size());
  for (const auto& cm : comms_) planned += has_driver(*cm) ? 1 : 0;
  check_actor_limit(planned, false);
  for (auto& cm : comms_) {
    if (!has_driver(*cm)) continue;
    Communicator* c = cm.get();
    const int first = c->kind == CommKind::p2p ? workers_[static_cast<size_t>(c->owner)].gpus[0] : c->lanes[0][0];
    sg4::Actor::create("comm", hosts_[static_cast<size_t>(first)], [this, c] { driver_main(*c); })->daemonize();
    ++actors_;
  }
  for (Worker& w : workers_) {
    Worker* pw = &w;
    sg4::Actor::create("rank", w.host, [this, pw] { worker_main(*pw); });
    ++actors_;
  }
}

InstancePtr Sim::arrive(Communicator& cm, int member, int sig, const std::string& label) {
  const long k = cm.seq[static_cast<size_t>(member)]++;
  while (cm.base + static_cast<long>(cm.queue.size()) <= k) {
    cm.queue.push_back(std::make_shared<Instance>());
    cm.queue.back()->waiters = cm.members;
  }
  InstancePtr inst = cm.queue[static_cast<size_t>(k - cm.base)];
  if (inst->sig < 0) inst->sig = sig, inst->label = label;
  if (++inst->arrived == cm.members) cm.pending->release();
  return inst;
}

const FlowSet& Sim::flowset(Communicator& cm, int sig, int target) {
  auto& slot = cm.sets[{sig, target}];
  if (slot) return *slot;
  slot = std::make_unique<FlowSet>();
  FlowSet& fs = *slot;
  const Signature& sg = sigs_[static_cast<size_t>(sig)];
  const GroupPlacement& place = placement_of(w_.groups, sg.group);
  std::vector<FlowPhase> phases;
  std::vector<std::vector<int>> lane_of;  // per phase and flow: its lane
  std::vector<size_t> simulated;          // per phase: how many leading flows are simulated (SIZE_MAX: all)
  if (cm.kind == CommKind::p2p) {
    const Worker& a = workers_[static_cast<size_t>(cm.owner)];
    const Worker& b = workers_[static_cast<size_t>(target)];
    phases.emplace_back();
    for (size_t t = 0; t < a.gpus.size(); ++t) phases[0].push_back({a.gpus[t], b.gpus[t], sg.bytes});
  } else {
    const auto forced = opt_.algorithms.find(sg.op);
    const CollAlgorithm alg = choose_algorithm(
        sg.op, sg.bytes, place, costs_, forced == opt_.algorithms.end() ? CollAlgorithm::automatic : forced->second);
    const int gpn = sc_.cluster.gpus_per_node;
    for (const auto& lane : cm.lanes) {
      const auto ph = decompose(
          sg.op, alg, lane, sg.bytes, [gpn](int g) { return g / gpn; }, opt_.exact);
      if (phases.size() < ph.size()) phases.resize(ph.size());
      if (lane_of.size() < ph.size()) lane_of.resize(ph.size());
      for (size_t i = 0; i < ph.size(); ++i) {
        phases[i].insert(phases[i].end(), ph[i].begin(), ph[i].end());
        lane_of[i].insert(lane_of[i].end(), ph[i].size(), static_cast<int>(&lane - cm.lanes.data()));
      }
      // Lane 0 leads every phase: under rail folding its flows are the ones simulated.
      if (fold_rails_ && cm.kind != CommKind::tp && &lane == &cm.lanes[0])
        for (const auto& f : ph) simulated.push_back(f.size());
    }
  }
  // Time of the flows on a non-blocking fabric (each flow limited by its most shared endpoint link -- NVLink port,
  // PCIe, NIC access -- among its own phase) and the path latencies; the wire bytes are then scaled so that alpha +
  // flows = the calibrated time. Fabric links are left out of this reference, so oversubscription and ECMP
  // collisions show as slowdowns, even among one collective's own flows.
  const auto& links = net_.links();
  auto endpoint = [&](int l) {
    const topology::LinkTier t = links[static_cast<size_t>(l)].tier;
    return t == topology::LinkTier::NvLink || t == topology::LinkTier::Pcie || t == topology::LinkTier::Access;
  };
  double ideal = 0, lat = 0;
  std::unordered_map<int, int> count;
  for (const auto& ph : phases) {
    count.clear();
    double ph_lat = 0, ph_t = 0;
    for (const auto& f : ph)
      for (int l : net_.route(f.src, f.dst).links)
        if (endpoint(l)) ++count[l];
    for (const auto& f : ph) {
      const EventRoute& r = net_.route(f.src, f.dst);
      double rate = 1e300;
      for (int l : r.links)
        if (endpoint(l)) rate = std::min(rate, links[static_cast<size_t>(l)].capacity / count[l]);
      ph_t = std::max(ph_t, f.bytes / rate);
      ph_lat = std::max(ph_lat, r.latency);
    }
    ideal += ph_t;
    lat += ph_lat;
  }
  fs.calibrated = coll_.time(sg.op, sg.bytes, place);
  const double alpha_cal = std::min(fs.calibrated, coll_.time(sg.op, 1.0, place));
  fs.alpha = std::max(0.0, alpha_cal - lat);
  const double k = ideal > 0 ? std::max(0.0, (fs.calibrated - fs.alpha - lat) / ideal) : 1.0;
  std::map<int, std::pair<double, double>> per_link;
  // Folding must not hide contention: it holds only where no link carries flows of two lanes in one phase (ECMP
  // may put two lanes on one fabric link even on a non-blocking fat-tree).
  if (!simulated.empty()) {
    std::unordered_map<int, int> lane_on;  // link -> lane of the first flow on it
    for (size_t p = 0; p < phases.size() && !simulated.empty(); ++p) {
      lane_on.clear();
      for (size_t i = 0; i < phases[p].size() && !simulated.empty(); ++i)
        for (int l : net_.route(phases[p][i].src, phases[p][i].dst).links) {
          const auto [it, fresh] = lane_on.try_emplace(l, lane_of[p][i]);
          if (!fresh && it->second != lane_of[p][i]) {
            simulated.clear();
            break;
          }
        }
    }
  }
  for (size_t p = 0; p < phases.size(); ++p) {
    fs.phases.emplace_back();
    const size_t keep = p < simulated.size() ? simulated[p] : SIZE_MAX;
    for (size_t i = 0; i < phases[p].size(); ++i) {
      const FlowSpec& f = phases[p][i];
      const auto wire = static_cast<std::uint64_t>(std::max(1.0, std::round(f.bytes * k)));
      for (int l : net_.route(f.src, f.dst).links) {
        per_link[l].first += f.bytes;
        per_link[l].second += double(wire);
      }
      if (i < keep) {
        fs.phases.back().emplace_back(f.src, f.dst, wire);
        ++fs.flows;
      } else {
        ++fs.replicated;
      }
    }
  }
  for (const auto& [l, b] : per_link) {
    fs.payload.push_back({l, b.first});
    fs.wire.push_back({l, b.second});
  }
  return fs;
}

void Sim::driver_main(Communicator& cm) {
  std::vector<sg4::CommPtr> comms;
  for (;;) {
    cm.pending->acquire();
    InstancePtr inst = cm.queue.front();
    cm.queue.pop_front();
    ++cm.base;
    const FlowSet& fs = flowset(cm, inst->sig, inst->target);
    const double t0 = now();
    if (fs.alpha > 0) sg4::this_actor::sleep_for(fs.alpha);
    for (const auto& ph : fs.phases) {
      comms.clear();
      for (const auto& [a, b, bytes] : ph)
        comms.push_back(sg4::Comm::sendto_async(hosts_[static_cast<size_t>(a)], hosts_[static_cast<size_t>(b)], bytes));
      const long n = static_cast<long>(ph.size());
      in_flight_sum_ += double(n) * (double(in_flight_) + 0.5 * double(n + 1));
      in_flight_ += n;
      max_in_flight_ = std::max(max_in_flight_, in_flight_);
      sg4::Comm::wait_all(comms);
      in_flight_ -= n;
    }
    transfers_ += fs.flows;
    replicated_ += fs.replicated;
    ++collectives_;
    for (const auto& [l, b] : fs.payload) link_payload_[static_cast<size_t>(l)] += b;
    for (const auto& [l, b] : fs.wire) link_wire_[static_cast<size_t>(l)] += b;
    if (opt_.trace) coll_trace_.push_back({&cm, t0, now(), inst->label});
    for (int i = 0; i < inst->waiters; ++i) inst->done->release();
  }
}

void Sim::send(Worker& w, int to, const std::tuple<int, int, int>& key, bool bwd) {
  if (to == w.index) return;  // same rank: nothing crosses a link
  Worker& r = workers_[static_cast<size_t>(to)];
  InstancePtr inst = inbox(r, key);
  inst->waiters = 1;
  inst->sig = p2p_sig_;
  inst->target = to;
  if (opt_.trace)
    inst->label = std::string(bwd ? "p2p bwd" : "p2p fwd") + " c" + std::to_string(std::get<1>(key)) + "/mb" +
                  std::to_string(std::get<2>(key));
  Communicator& cm = *w.p2p[bwd ? 1 : 0];
  cm.queue.push_back(inst);
  cm.pending->release();
}

void Sim::run_template(Worker& w, const Template& t, const PipelineTask& tk, std::vector<InstancePtr>& slots) {
  if (slots.size() < static_cast<size_t>(t.slots)) slots.resize(static_cast<size_t>(t.slots));
  for (const auto& [sig, n] : t.folded) w.folded[sig] += n;
  for (size_t i = 0; i < t.items.size(); ++i) {
    const Item& it = t.items[i];
    switch (it.kind) {
      case Item::run:
        if (opt_.trace) run_trace_.push_back({w.index, &t, static_cast<int>(i), tk.mb, now()});
        if (it.dur > 0) {
          sg4::this_actor::execute(it.dur * speed_);
          ++execs_;
        }
        w.compute += it.compute;
        w.tp_time += it.tp;
        w.ep_time += it.ep;
        break;
      case Item::arrive: {
        const std::string label = opt_.trace ? op_label(it.name, it.layer, tk.mb) : std::string();
        InstancePtr inst = arrive(comm_for(w, it.group), member_of(w, it.group), it.sig, label);
        if (it.bucket)
          w.buckets.push_back(inst);
        else
          slots[static_cast<size_t>(it.slot)] = inst;
        break;
      }
      case Item::wait: {
        const double t0 = now();
        slots[static_cast<size_t>(it.slot)]->done->acquire();
        slots[static_cast<size_t>(it.slot)].reset();
        const double dt = now() - t0;
        switch (it.group) {
          case Group::tp: w.tp_time += dt; break;
          case Group::cp: w.cp_time += dt; break;
          case Group::ep:
          case Group::etp: w.ep_time += dt; break;
          default: w.dp_time += dt; break;
        }
        break;
      }
    }
  }
}

void Sim::worker_main(Worker& w) {
  const int pp = p_.pp, v = p_.vpp, m = w_.microbatches;
  std::vector<InstancePtr> slots;
  const StageStep& ss = w_.stage_steps[static_cast<size_t>(w.s)];
  for (const PipelineTask& tk : order_[static_cast<size_t>(w.s)]) {
    const Pass pass = pass_of(tk);
    if (pass == w_pass) {  // ZB-H1 weight gradients: no input to wait for, nothing to send
      run_template(w, tmpl(w.s, tk.chunk, w_pass, tk.mb == m - 1 && p_.overlap_grad_reduce), tk, slots);
      continue;
    }
    // Input: the activation (forward) or its gradient (backward) from the neighbouring stage.
    const bool needs = tk.bwd ? !(w.s == pp - 1 && tk.chunk == v - 1) : !(w.s == 0 && tk.chunk == 0);
    if (needs) {
      const int from_s = tk.bwd ? (w.s < pp - 1 ? w.s + 1 : 0) : (w.s > 0 ? w.s - 1 : pp - 1);
      if (worker_index(w.c, w.d, from_s) != w.index) {
        const auto key = std::make_tuple(tk.bwd ? 1 : 0, tk.chunk, tk.mb);
        const double t0 = now();
        InstancePtr inst = inbox(w, key);
        inst->done->acquire();
        w.inbox.erase(key);
        w.idle += now() - t0;
      }
    }
    run_template(w, tmpl(w.s, tk.chunk, pass, tk.bwd && tk.mb == m - 1 && p_.overlap_grad_reduce), tk, slots);
    // Output to the next stage (forward) or the previous one (backward); interleaved chunks wrap around.
    if (!tk.bwd && !(w.s == pp - 1 && tk.chunk == v - 1) && p2p_sig_ >= 0) {
      const bool wrap = w.s == pp - 1;
      send(w, worker_index(w.c, w.d, wrap ? 0 : w.s + 1), {0, wrap ? tk.chunk + 1 : tk.chunk, tk.mb}, false);
    }
    if (tk.bwd && !(w.s == 0 && tk.chunk == 0) && p2p_sig_ >= 0) {
      const bool wrap = w.s == 0;
      send(w, worker_index(w.c, w.d, wrap ? pp - 1 : w.s - 1), {1, wrap ? tk.chunk - 1 : tk.chunk, tk.mb}, true);
    }
  }
  w.t_compute_end = now();
  // Gradient sync: overlapped buckets (dense over dp, experts over edp) were released during the last backward;
  // otherwise one synchronous collective per group now (Megatron-LM without overlap_grad_reduce).
  if (!p_.overlap_grad_reduce)
    for (const Op& o : ss.grad_sync)
      arrive(comm_for(w, o.group), member_of(w, o.group), signature(o.coll, o.bytes, o.group), opt_.trace ? o.name : "")
          ->done->acquire();
  for (auto& b : w.buckets) b->done->acquire();
  if (p_.overlap_grad_reduce && !w.buckets.empty() && grad_penalty_[static_cast<size_t>(w.s)] > 0)
    sg4::this_actor::sleep_for(grad_penalty_[static_cast<size_t>(w.s)]);  // what the buckets cost the backward
  w.buckets.clear();
  w.t_grad_done = now();
  w.opt = op_time(ss.optimizer, cm_, coll_, w_.groups);
  const double t0 = now();
  if (w.opt > 0) {
    sg4::this_actor::execute(w.opt * speed_);
    ++execs_;
  }
  if (opt_.trace) opt_trace_.push_back({w.index, {t0, now()}});
  w.t_opt_end = now();
  // Distributed-optimizer parameter all-gather; with overlap it hides under the next step's first forward.
  if (!ss.param_sync.empty()) {
    const double g0 = now();
    for (const Op& o : ss.param_sync) {
      InstancePtr inst = arrive(comm_for(w, o.group), member_of(w, o.group), signature(o.coll, o.bytes, o.group),
                                opt_.trace ? o.name : "");
      inst->done->acquire();
    }
    w.gather = now() - g0;
  }
  w.finished = true;
}

void Sim::collect(Result& r, EventStats& st, TraceWriter* trace) {
  // Step end of every rank: optimizer done plus the exposed part of the parameter gather.
  double step = 0;
  const Worker* crit = nullptr;
  for (const Worker& w : workers_)
    if (!w.finished)
      throw Error("engine", "the event simulation ended before GPU rank " + std::to_string(w.index) +
                                " finished its step (SimGrid deadlock: some work could never complete); check the GPU "
                                "peak and the bandwidths for zero or tiny values, or try --engine analytic");
  for (const Worker& w : workers_) {
    const double gather = p_.overlap_param_gather ? std::max(0.0, w.gather - first_fwd_[static_cast<size_t>(w.s)]) +
                                                        gather_penalty_[static_cast<size_t>(w.s)]
                                                  : w.gather;
    const double end = w.t_opt_end + gather;
    if (!crit || end > step) step = end, crit = &w;
  }
  const Worker& w = *crit;
  r.engine = "event";
  r.scenario = sc_.name;
  r.gpus = sc_.cluster.gpus();
  r.microbatches = w_.microbatches;
  r.critical_stage = w.s;
  r.step_time_s = step;
  Breakdown& bd = r.breakdown;
  bd.compute = w.compute;
  bd.tp = w.tp_time;
  bd.cp = w.cp_time;
  bd.ep = w.ep_time;
  const double gather_exposed = step - w.t_opt_end;
  bd.dp = w.dp_time + (w.t_grad_done - w.t_compute_end) + gather_exposed;
  bd.optimizer = w.opt;
  const double m = w_.microbatches;
  const double sends = p_.pp > 1 ? 2.0 * m * p_.vpp - (w.s == 0 ? m : 0) - (w.s == p_.pp - 1 ? m : 0) : 0.0;
  const double p2p = w_.p2p_bytes > 0 ? coll_.time(CollOp::send_recv, w_.p2p_bytes, w_.groups.pp) : 0.0;
  bd.pp = std::min(w.idle, sends * p2p);
  bd.bubble = w.idle - bd.pp;

  // Folded TP traffic still loads its NVLink ports: account it from the same flows it would have used.
  for (Worker& wk : workers_)
    for (const auto& [sig, n] : wk.folded) {
      const FlowSet& fs = flowset(*wk.tp, sig, -1);
      for (const auto& [l, b] : fs.payload) link_payload_[static_cast<size_t>(l)] += b * n;
      for (const auto& [l, b] : fs.wire) link_wire_[static_cast<size_t>(l)] += b * n;
      st.folded += n;
    }
  LinkSummary ls;
  const auto& links = net_.links();
  std::map<int, LinkTierUse> tiers;
  std::vector<std::pair<double, int>> busy;
  for (size_t i = 0; i < links.size(); ++i) {
    LinkTierUse& t = tiers[static_cast<int>(links[i].tier)];
    t.tier = topology::to_string(links[i].tier);
    const double u = step > 0 ? link_wire_[i] / (links[i].capacity * step) : 0.0;
    ++t.links;
    t.bytes += link_payload_[i];
    t.mean_utilisation += u;
    t.max_utilisation = std::max(t.max_utilisation, u);
    if (link_payload_[i] > 0) busy.push_back({u, static_cast<int>(i)});
  }
  for (auto& [_, t] : tiers) {
    t.mean_utilisation /= std::max(1, t.links);
    ls.tiers.push_back(t);
  }
  std::stable_sort(busy.begin(), busy.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; i < busy.size() && i < static_cast<size_t>(std::max(0, opt_.busiest_links)); ++i) {
    const int l = busy[i].second;
    ls.busiest.push_back({net_.link_name(l), topology::to_string(links[static_cast<size_t>(l)].tier),
                          link_payload_[static_cast<size_t>(l)], busy[i].first});
  }
  r.links = ls;

  st.transfers = transfers_;
  st.mean_in_flight = transfers_ > 0 ? in_flight_sum_ / double(transfers_) : 0.0;
  st.max_in_flight = max_in_flight_;
  st.replicated = replicated_;
  st.execs = execs_;
  st.collectives = collectives_;
  st.actors = actors_;
  st.links = static_cast<long>(links.size());
  st.routes = static_cast<long>(net_.routes_cached());
  st.simulated_s = step;

  if (!trace) return;
  static const char* phase_name[] = {"forward", "backward", "recompute"};
  for (const RunTrace& rt : run_trace_) {
    const Worker& wk = workers_[static_cast<size_t>(rt.worker)];
    const Item& it = rt.t->items[static_cast<size_t>(rt.item)];
    for (int i = it.trace_begin; i < it.trace_end; ++i) {
      const TraceOp& op = rt.t->trace[static_cast<size_t>(i)];
      const std::string name = op_label(op.name, op.layer, rt.mb);
      for (int g : wk.gpus)
        trace->add(g, op.stream, rt.t0 + op.start, rt.t0 + op.end, name, phase_name[static_cast<int>(op.phase)]);
    }
  }
  for (const CollTrace& ct : coll_trace_) {
    if (ct.cm->kind == CommKind::p2p) {
      for (int g : workers_[static_cast<size_t>(ct.cm->owner)].gpus)
        trace->add(g, ct.cm->stream, ct.t0, ct.t1, ct.label, "comm");
      continue;
    }
    for (const auto& lane : ct.cm->lanes)
      for (int g : lane) trace->add(g, ct.cm->stream, ct.t0, ct.t1, ct.label, "comm");
  }
  for (const auto& [wi, span] : opt_trace_)
    for (int g : workers_[static_cast<size_t>(wi)].gpus)
      trace->add(g, TraceStream::compute, span.first, span.second, "optimizer", "step");
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs the simulation in this process (SimGrid allows one engine per process).
EventRun run_here(const Scenario& sc, const CalibrationProfile& profile, const EventOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  // Every pipeline rank is an actor: refuse before building a platform that cannot run (Sim::setup counts them all).
  const ParallelPlan& p = sc.plan;
  check_actor_limit(static_cast<long>(p.cp) * p.dp * p.pp, true);
  const topology::Topology topo = topology::build_topology(sc.cluster);
  EventNetwork net(topo, sc.seed);
  const std::unique_ptr<sg4::Engine> engine = create_engine();
  const double speed = sc.cluster.gpu.peak_bf16() > 0 ? sc.cluster.gpu.peak_bf16() : 1e12;
  std::vector<sg4::Host*> hosts = create_simgrid_platform(net, speed);
  Sim sim(sc, profile, opt, net, std::move(hosts));
  sim.setup();
  const auto s0 = std::chrono::steady_clock::now();
  engine->run();
  EventRun out;
  out.stats.sim_wall_s = seconds_since(s0);
  TraceWriter tw;
  sim.collect(out.result, out.stats, opt.trace ? &tw : nullptr);
  if (opt.trace) out.trace = tw.json(sc.cluster.gpus_per_node);
  out.stats.wall_s = seconds_since(t0);
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  out.stats.peak_rss_bytes = double(ru.ru_maxrss) * 1024.0;
  return out;
}

nlohmann::json pack(const EventRun& r) {
  const Result& x = r.result;
  const Breakdown& b = x.breakdown;
  nlohmann::json j{{"step", x.step_time_s},
                   {"critical_stage", x.critical_stage},
                   {"breakdown", {b.compute, b.tp, b.pp, b.dp, b.cp, b.ep, b.bubble, b.optimizer}}};
  nlohmann::json tiers = nlohmann::json::array(), busiest = nlohmann::json::array();
  if (x.links) {
    for (const auto& t : x.links->tiers)
      tiers.push_back({t.tier, t.links, t.bytes, t.mean_utilisation, t.max_utilisation});
    for (const auto& l : x.links->busiest) busiest.push_back({l.name, l.tier, l.bytes, l.utilisation});
  }
  j["tiers"] = tiers;
  j["busiest"] = busiest;
  const EventStats& s = r.stats;
  j["stats"] = {s.wall_s, s.sim_wall_s, s.peak_rss_bytes, s.transfers, s.execs,       s.collectives,
                s.folded, s.actors,     s.links,          s.routes,    s.simulated_s, s.replicated,
                s.mean_in_flight, s.max_in_flight};
  return j;
}

void unpack(const nlohmann::json& j, EventRun& r) {
  Result& x = r.result;
  x.step_time_s = j["step"].get<double>();
  x.critical_stage = j["critical_stage"].get<int>();
  const auto& b = j["breakdown"];
  Breakdown& bd = x.breakdown;
  bd.compute = b[0], bd.tp = b[1], bd.pp = b[2], bd.dp = b[3], bd.cp = b[4], bd.ep = b[5], bd.bubble = b[6];
  bd.optimizer = b[7];
  LinkSummary ls;
  for (const auto& t : j["tiers"]) ls.tiers.push_back({t[0], t[1], t[2], t[3], t[4]});
  for (const auto& l : j["busiest"]) ls.busiest.push_back({l[0], l[1], l[2], l[3]});
  x.links = ls;
  const auto& s = j["stats"];
  EventStats& st = r.stats;
  st.wall_s = s[0], st.sim_wall_s = s[1], st.peak_rss_bytes = s[2], st.transfers = s[3], st.execs = s[4];
  st.collectives = s[5], st.folded = s[6], st.actors = s[7], st.links = s[8], st.routes = s[9];
  st.simulated_s = s[10], st.replicated = s[11], st.mean_in_flight = s[12], st.max_in_flight = s[13];
}

void write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

long event_actor_limit() { return actors_allowed(max_map_count()); }

EventRun run_event(const Scenario& sc, const CalibrationProfile& profile, const EventOptions& options,
                   const CancelToken* cancel) {
  throw_if_cancelled(cancel);
  // Frame: 'E' + error JSON, or 'R' + 16 hex digits of the result JSON's length + result JSON + trace bytes.
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("event engine: cannot create a pipe");
  std::cout.flush();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("event engine: cannot fork");
  if (pid == 0) {
    ::close(fds[0]);
    std::string out;
    try {
      const EventRun r = run_here(sc, profile, options);
      const std::string meta = pack(r).dump();
      char len[17];
      std::snprintf(len, sizeof len, "%016zx", meta.size());
      out = "R" + std::string(len) + meta + r.trace;
    } catch (const Error& e) {
      out = "E" + nlohmann::json{{"path", e.path()}, {"message", e.message()}}.dump();
    } catch (const std::exception& e) {
      out = "E" + nlohmann::json{{"path", "engine"}, {"message", e.what()}}.dump();
    }
    write_all(fds[1], out);
    ::close(fds[1]);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string in;
  char buf[1 << 16];
  for (;;) {
    // Wake every 20 ms to look at the cancel token: a cancelled run ends its child within that and returns nothing.
    pollfd pfd{fds[0], POLLIN, 0};
    const int ready = ::poll(&pfd, 1, cancel ? 20 : -1);
    if (is_cancelled(cancel)) {
      ::kill(pid, SIGKILL);
      ::close(fds[0]);
      int ignored = 0;
      ::waitpid(pid, &ignored, 0);
      throw Cancelled();
    }
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (in.empty() || (in[0] != 'R' && in[0] != 'E')) {
    std::string why = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                          : "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      why += " (usually the out-of-memory killer: the scenario needs more memory than this machine has)";
    throw std::runtime_error("event engine: the simulation process " + why + " without a result");
  }
  if (in[0] == 'E') {
    const auto e = nlohmann::json::parse(in.substr(1));
    throw Error(e["path"].get<std::string>(), e["message"].get<std::string>());
  }
  const size_t len = std::stoul(in.substr(1, 16), nullptr, 16);
  EventRun r;
  unpack(nlohmann::json::parse(in.substr(17, len)), r);
  r.trace = in.substr(17 + len);
  Result& x = r.result;
  x.scenario = sc.name;
  x.engine = "event";
  x.gpus = sc.cluster.gpus();
  x.microbatches = microbatches(sc.plan, sc.training.global_batch);
  const Workload w = build_workload(sc);
  if (!(std::isfinite(x.step_time_s) && x.step_time_s > 0))
    throw Error("engine",
                "the event simulation produced no usable step time; check the GPU peak and the bandwidths "
                "for zero or tiny values, or try --engine analytic");
  complete_result(x, sc, x.step_time_s, w.model_flops, w.hardware_flops);
  return r;
}

Result simulate_event(const Scenario& sc, const CalibrationProfile& profile, const EventOptions& options) {
  return run_event(sc, profile, options).result;
}

}  // namespace aiscale

#include "sim/plan.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>

#include "models/error.hpp"
#include "models/memory.hpp"
#include "sim/analytic.hpp"
#include "topology/builder.hpp"

namespace aiscale {

Objective parse_objective(const std::string& s) {
  if (s == "time") return Objective::time;
  if (s == "cost") return Objective::cost;
  if (s == "energy") return Objective::energy;
  throw Error("--objective", "'" + s + "' is not one of time, cost, energy");
}

std::string to_string(Objective o) {
  switch (o) {
    case Objective::time:
      return "time";
    case Objective::cost:
      return "cost";
    case Objective::energy:
      return "energy";
  }
  return "time";
}

namespace {
// The dimensions --vary names, in the order all_dims() lists them.
struct DimName {
  const char* name;
  bool PlanDims::*flag;
};
constexpr DimName kDims[] = {{"tp", &PlanDims::tp},
                             {"pp", &PlanDims::pp},
                             {"cp", &PlanDims::cp},
                             {"cp_comm", &PlanDims::cp_comm},
                             {"ep", &PlanDims::ep},
                             {"etp", &PlanDims::etp},
                             {"vpp", &PlanDims::vpp},
                             {"schedule", &PlanDims::schedule},
                             {"micro_batch", &PlanDims::micro_batch},
                             {"zero", &PlanDims::zero},
                             {"recompute", &PlanDims::recompute}};
}  // namespace

std::string all_dims() {
  std::string out;
  for (const auto& d : kDims) {
    if (!out.empty()) out += ',';
    out += d.name;
  }
  return out;
}

PlanDims parse_dims(const std::string& csv) {
  PlanDims d;
  for (const auto& n : kDims) d.*(n.flag) = false;
  size_t start = 0;
  while (start <= csv.size()) {
    const size_t comma = csv.find(',', start);
    const std::string k = csv.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    bool known = k == "dp" || k.empty();
    if (k == "all") {
      d = PlanDims{};
      known = true;
    }
    for (const auto& n : kDims)
      if (k == n.name) d.*(n.flag) = known = true;
    if (!known) throw Error("--vary", "'" + k + "' is not one of " + all_dims() + ", all");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return d;
}

namespace {

std::vector<int> divisors(int n, int limit) {
  std::vector<int> out;
  for (int d = 1; d <= std::min(n, limit); ++d)
    if (n % d == 0) out.push_back(d);
  return out;
}

double objective_of(const Candidate& c, Objective o, bool per_step) {
  switch (o) {
    case Objective::time:
      return per_step ? c.step_time_s : c.days;
    case Objective::cost:
      return per_step ? c.step_time_s * c.gpus : c.cost_usd;
    case Objective::energy:
      return per_step ? c.step_time_s * c.gpus : c.energy_mwh;
  }
  return c.days;
}

bool same_plan(const ParallelPlan& a, const ParallelPlan& b) {
  return a.tp == b.tp && a.pp == b.pp && a.dp == b.dp && a.cp == b.cp && a.vpp == b.vpp &&
         a.micro_batch == b.micro_batch && a.zero == b.zero && a.recompute == b.recompute && a.ep == b.ep &&
         expert_tp(a) == expert_tp(b) && a.schedule == b.schedule && (a.cp == 1 || a.cp_comm == b.cp_comm) &&
         a.first_stage_layers == b.first_stage_layers && a.last_stage_layers == b.last_stage_layers;
}

}  // namespace

PlanReport run_plan(const Scenario& base, const CalibrationProfile& profile, const PlanOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  PlanReport rep;
  const TransformerConfig& m = base.model;
  const TrainingSpec& tr = base.training;
  const int gpn = base.cluster.gpus_per_node;
  std::vector<int> counts = opt.gpu_counts;
  if (counts.empty()) counts.push_back(base.cluster.gpus());
  for (int g : counts) {
    if (g <= 0 || g % gpn != 0)
      throw Error("--gpus",
                  std::to_string(g) + " is not a positive multiple of " + std::to_string(gpn) + " GPUs per node");
    // The network each GPU count implies must be one `aiscale topology` can build.
    ClusterSpec cluster = base.cluster;
    cluster.nodes = g / gpn;
    try {
      topology::check_topology(cluster);
    } catch (const Error& e) {
      throw Error("--gpus", std::to_string(g) + " GPUs: " + e.path() + ": " + e.message());
    }
  }

  const ParallelPlan& b = base.plan;
  const PlanDims& dims = opt.dims;
  const bool moe = m.moe.enabled();
  rep.moe = moe;
  rep.framework = tr.framework;
  auto values = [](bool vary, std::vector<int> all, int fixed) { return vary ? all : std::vector<int>{fixed}; };
  auto with = [](std::vector<int> v, int x) {  // v plus x, sorted, no duplicates
    if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
    std::sort(v.begin(), v.end());
    return v;
  };
  const int tp_limit = std::max(base.cluster.scale_up.domain_size, 1);
  std::vector<int> tps;
  for (int t = 1; t <= tp_limit; t *= 2) tps.push_back(t);
  tps = values(dims.tp, tps, b.tp);
  // Context parallelism: powers of two whose 2*cp chunks split the sequence (Megatron-Core's load-balanced causal
  // split) and leave each rank at least 1,024 tokens; shorter blocks cannot hide the K/V exchange behind attention.
  std::vector<int> cps;
  for (int c = 1; c <= 32; c *= 2)
    if (c == 1 || (tr.seq_len % (2 * c) == 0 && tr.seq_len / c >= 1024)) cps.push_back(c);
  cps = dims.cp ? with(cps, b.cp) : std::vector<int>{b.cp};
  // Micro-batches up to 16 sequences: SC21's Table 1 runs used 16 without pipelining (Megatron-LM v2.5
  // examples/sc21/run_table_1.sh).
  const std::vector<int> mbs = values(dims.micro_batch, {1, 2, 4, 8, 16}, b.micro_batch);
  const std::vector<int> zeros = values(dims.zero, {0, 1, 2, 3}, b.zero);
  const std::vector<int> rcs = values(dims.recompute, {0, 1, 2}, int(b.recompute));
  // Expert parallelism: the divisors of the expert count (dense models: 1); etp 0 means "as tp", 1 is the
  // Megatron-Core MoE parallel folding choice of no tensor parallelism inside the experts.
  const std::vector<int> eps = !dims.ep ? std::vector<int>{b.ep}
                               : moe    ? divisors(m.moe.experts, m.moe.experts)
                                        : std::vector<int>{1};

  // Pipeline splits: pp dividing the layers evenly, and for powers of two that do not, Llama 3's uneven split:
  // the inner stages take ceil(layers/pp) each and the first and last stages share the rest (they also hold the
  // embedding and the LM head), e.g. 126 layers on 16 stages as 7 + 14 x 8 + 7.
  struct Split {
    int pp, first, last;
    bool operator==(const Split&) const = default;
  };
  std::vector<Split> splits;
  if (dims.pp) {
    for (int d : divisors(m.layers, 128)) splits.push_back({d, 0, 0});
    for (int pp = 2; pp <= std::min(128, m.layers); pp *= 2) {
      if (m.layers % pp == 0) continue;
      const int n = (m.layers + pp - 1) / pp, rest = m.layers - (pp - 2) * n;
      if (rest >= 2) splits.push_back({pp, rest - rest / 2, rest / 2});
    }
    const Split own{b.pp, b.first_stage_layers, b.last_stage_layers};
    if (std::find(splits.begin(), splits.end(), own) == splits.end()) splits.push_back(own);
  } else {
    splits.push_back({b.pp, b.first_stage_layers, b.last_stage_layers});
  }

  // Enumerate, validate and filter by memory (cheap) before timing anything. Checks that validate_plan would
  // fail anyway (divisibility) are made first, so that most invalid combinations cost no validation.
  struct Item {
    int gpus;
    ParallelPlan plan;
  };
  std::vector<Item> items;
  for (int g : counts)
    for (int tp : tps)
      for (int cp : cps)
        for (const Split& sp : splits) {
          const int pp = sp.pp;
          if (g % (tp * pp * cp) != 0) continue;
          const int dp = g / (tp * pp * cp);
          ClusterSpec cluster = base.cluster;
          cluster.nodes = g / gpn;
          // Model chunks per stage: divisors of every stage's layer count.
          std::vector<int> vpps{1};
          if (pp > 1) {
            ParallelPlan shape;
            shape.pp = pp, shape.first_stage_layers = sp.first, shape.last_stage_layers = sp.last;
            int n = 0;
            for (int l : stage_layers(m, shape)) n = std::gcd(n, l);
            vpps = values(dims.vpp, divisors(std::max(n, 1), 16), b.vpp);
          }
          const int base_sched = b.schedule == Schedule::interleaved ? int(Schedule::one_f_one_b) : int(b.schedule);
          const std::vector<int> etps = !dims.etp       ? std::vector<int>{b.etp}
                                        : moe && tp > 1 ? std::vector<int>{0, 1}
                                                        : std::vector<int>{0};
          const std::vector<int> comms = cp > 1 && dims.cp_comm
                                             ? std::vector<int>{int(CpComm::p2p), int(CpComm::all_gather)}
                                             : std::vector<int>{int(b.cp_comm)};
          // Schedules for one model chunk per stage: the base's (GPipe stays if asked for), 1F1B and ZB-H1.
          std::vector<int> scheds1{base_sched};
          if (pp > 1 && dims.schedule) scheds1 = with(with(scheds1, int(Schedule::one_f_one_b)), int(Schedule::zb_h1));
          for (int vpp : vpps) {
            const size_t n_sched = vpp > 1 ? 1 : scheds1.size();
            rep.enumerated +=
                mbs.size() * eps.size() * etps.size() * n_sched * comms.size() * zeros.size() * rcs.size();
          }
          if (m.heads % tp != 0 || m.ffn_hidden % tp != 0 || tr.seq_len % cp != 0) continue;
          for (int mb : mbs) {
            if (tr.global_batch % (mb * dp) != 0) continue;
            for (int ep : eps)
              for (int etp : etps) {
                if (moe) {
                  const int e = etp > 0 ? etp : tp;
                  if (ep < 1 || m.moe.experts % ep != 0 || (long(tp) * cp * dp) % (long(e) * ep) != 0 ||
                      m.moe.expert_ffn_hidden % e != 0)
                    continue;
                }
                for (int vpp : vpps) {
                  const std::vector<int> scheds = vpp > 1 ? std::vector<int>{int(Schedule::interleaved)} : scheds1;
                  for (int sched : scheds)
                    for (int comm : comms) {
                      // The ZeRO stages and recompute levels of one configuration: which are valid and fit.
                      struct Fit {
                        int z, rc;
                        ParallelPlan p;
                      };
                      std::vector<Fit> fits;
                      for (int z : zeros) {
                        if (z == 3 && pp > 1) continue;  // ZeRO-3 with pipelining: excluded, as validate_plan warns
                        for (int rc : rcs) {
                          ParallelPlan p = b;
                          p.tp = tp, p.pp = pp, p.dp = dp, p.cp = cp, p.vpp = vpp, p.micro_batch = mb, p.zero = z;
                          p.first_stage_layers = sp.first, p.last_stage_layers = sp.last;
                          p.ep = ep, p.etp = etp;
                          p.cp_comm = CpComm(comm);
                          p.schedule = Schedule(sched);
                          p.recompute = Recompute(rc);
                          p.sequence_parallel =
                              tp > 1 && (b.sequence_parallel || (dims.tp && has_sequence_parallel(tr.framework)));
                          p.overlap_grad_reduce = b.overlap_grad_reduce && can_overlap_grad_reduce(tr.framework, pp);
                          Diagnostics d;
                          validate_plan(p, m, cluster, tr, d);
                          if (!d.empty()) continue;
                          ++rep.valid;
                          const MemoryBreakdown mem = memory_per_gpu(m, p, cluster.gpu, tr.precision, tr.global_batch,
                                                                     tr.seq_len, tr.flash_attention, tr.framework);
                          if (mem.fits) fits.push_back({z, rc, p});
                        }
                      }
                      rep.fitting += fits.size();
                      // Memory-saving settings cost time and never save any: recompute only adds work, and ZeRO-2
                      // runs ZeRO-1's collectives. A setting is timed only if no lighter one (less recompute, or
                      // ZeRO-1 for ZeRO-2) fits; the lighter one is at least as fast on every objective.
                      for (const Fit& f : fits) {
                        bool dominated = false;
                        for (const Fit& o : fits)
                          dominated |=
                              (o.z != f.z || o.rc != f.rc) && o.rc <= f.rc && (o.z == f.z || (o.z == 1 && f.z == 2));
                        if (!dominated) items.push_back({g, f.p});
                      }
                    }
                }
              }
          }
        }
  rep.timed = items.size();

  std::vector<Candidate> cands(items.size());
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mu;
  auto worker = [&] {
    try {
      Scenario sc = base;
      for (size_t i = next.fetch_add(1); i < items.size(); i = next.fetch_add(1)) {
        sc.plan = items[i].plan;
        sc.cluster.nodes = items[i].gpus / gpn;
        const Result r = simulate_analytic(sc, profile);
        Candidate& c = cands[i];
        c.gpus = items[i].gpus;
        c.plan = items[i].plan;
        c.step_time_s = r.step_time_s;
        c.mfu = r.mfu;
        c.tokens_per_s = r.tokens_per_s;
        c.memory_gib = r.memory.peak / 1073741824.0;
        c.days = r.training.days;
        c.cost_usd = r.training.cost_usd;
        c.energy_mwh = r.training.energy_mwh;
      }
    } catch (...) {
      // Stop everyone and hand the first failure to the caller once the threads are joined.
      std::lock_guard<std::mutex> lock(failure_mu);
      if (!failure) failure = std::current_exception();
      next.store(items.size());
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < std::max(1, opt.jobs); ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);

  const bool per_step = tr.tokens <= 0;
  for (auto& c : cands) {
    c.objective = objective_of(c, opt.objective, per_step);
    c.meets_constraints = (opt.deadline_days <= 0 || c.days <= opt.deadline_days) &&
                          (opt.budget_usd <= 0 || c.cost_usd <= opt.budget_usd);
  }
  // Deterministic order: by objective, then by a stable key of the configuration.
  auto key = [](const Candidate& c) {
    const ParallelPlan& p = c.plan;
    return std::make_tuple(c.gpus, p.tp, p.pp, p.cp, p.vpp, p.micro_batch, p.zero, int(p.recompute), p.ep, expert_tp(p),
                           int(p.schedule), int(p.cp_comm), p.first_stage_layers, p.last_stage_layers);
  };
  std::sort(cands.begin(), cands.end(), [&](const Candidate& a, const Candidate& b2) {
    if (a.objective != b2.objective) return a.objective < b2.objective;
    return key(a) < key(b2);
  });
  std::set<std::array<int, 7>> layouts;
  for (const auto& c : cands) {
    if (!c.meets_constraints) continue;
    ++rep.meeting;
    const ParallelPlan& p = c.plan;
    const bool new_layout = layouts.insert({c.gpus, p.tp, p.pp, p.dp, p.cp, p.ep, expert_tp(p)}).second;
    if ((new_layout || !opt.per_layout) && rep.ranked.size() < size_t(std::max(opt.top, 1))) rep.ranked.push_back(c);
  }
  rep.layouts = layouts.size();
  // Pareto front of (time to train, cost): walk by time, keep each strictly cheaper configuration.
  std::vector<Candidate> by_time = cands;
  std::sort(by_time.begin(), by_time.end(), [&](const Candidate& a, const Candidate& b2) {
    const double ta = per_step ? a.step_time_s : a.days, tb = per_step ? b2.step_time_s : b2.days;
    if (ta != tb) return ta < tb;
    return key(a) < key(b2);
  });
  double cheapest = 1e300;
  for (const auto& c : by_time) {
    const double cost = per_step ? c.step_time_s * c.gpus : c.cost_usd;
    if (cost < cheapest) {
      rep.pareto.push_back(c);
      cheapest = cost;
    }
  }
  for (int g : counts) {
    for (const auto& c : cands)
      if (c.gpus == g && c.meets_constraints) {
        rep.best_per_gpu_count.push_back(c);
        break;
      }
  }
  rep.all_fitting = std::move(cands);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

int rank_of(const PlanReport& rep, int gpus, const ParallelPlan& plan) {
  for (size_t i = 0; i < rep.ranked.size(); ++i)
    if (rep.ranked[i].gpus == gpus && same_plan(rep.ranked[i].plan, plan)) return int(i) + 1;
  return 0;
}

namespace {
// Optional columns, shown only when a listed row needs them: the CP exchange, the expert tensor-parallel size
// (MoE models) and uneven pipeline stages.
struct Columns {
  bool cp_comm = false, etp = false, stages = false;
};
Columns columns_for(const PlanReport& rep) {
  Columns k;
  k.etp = rep.moe;
  for (const auto* list : {&rep.ranked, &rep.pareto})
    for (const auto& c : *list) {
      k.cp_comm |= c.plan.cp > 1;
      k.stages |= c.plan.first_stage_layers > 0 || c.plan.last_stage_layers > 0;
    }
  return k;
}
std::string header(const Columns& k) {
  std::string h = "rank   gpus  tp  pp    dp  cp";
  if (k.cp_comm) h += " cp_comm   ";
  h += "  ep";
  if (k.etp) h += " etp";
  h += " vpp  mb  zero recompute schedule   ";
  if (k.stages) h += " first/last";
  return h + "       step    MFU  mem GiB     days     cost USD   energy MWh\n";
}
std::string row(const Candidate& c, int rank, const Columns& k) {
  char buf[400];
  const ParallelPlan& p = c.plan;
  std::string out;
  std::snprintf(buf, sizeof buf, "%4d %6d %3d %3d %5d %3d", rank, c.gpus, p.tp, p.pp, p.dp, p.cp);
  out += buf;
  if (k.cp_comm) {
    std::snprintf(buf, sizeof buf, " %-10s", p.cp > 1 ? to_string(p.cp_comm).c_str() : "-");
    out += buf;
  }
  std::snprintf(buf, sizeof buf, " %3d", p.ep);
  out += buf;
  if (k.etp) {
    std::snprintf(buf, sizeof buf, " %3d", expert_tp(p));
    out += buf;
  }
  std::snprintf(buf, sizeof buf, " %3d %3d %5d %-9s %-11s", p.vpp, p.micro_batch, p.zero,
                to_string(p.recompute).c_str(), to_string(p.schedule).c_str());
  out += buf;
  if (k.stages) {
    // Layers on the first and the last stage, e.g. 7/7 (0: an even share); "-" for an even split.
    const std::string st = p.first_stage_layers > 0 || p.last_stage_layers > 0
                               ? std::to_string(p.first_stage_layers) + "/" + std::to_string(p.last_stage_layers)
                               : "-";
    std::snprintf(buf, sizeof buf, " %-10s", st.c_str());
    out += buf;
  }
  std::snprintf(buf, sizeof buf, " %10s %6.1f%% %7.1f %8.1f %12.0f %9.1f\n", format_time(c.step_time_s).c_str(),
                100 * c.mfu, c.memory_gib, c.days, c.cost_usd, c.energy_mwh);
  return out + buf;
}
}  // namespace

std::string plan_table(const PlanReport& rep, const PlanOptions& opt) {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "aiscale plan: %zu configurations enumerated, %zu valid, %zu fit in memory, %zu timed (the "
                "others only add recompute or ZeRO-2 to a timed one), %zu meet the constraints (%.2f s)\n\n",
                rep.enumerated, rep.valid, rep.fitting, rep.timed, rep.meeting, rep.seconds);
  out += buf;
  if (rep.framework != Framework::any)
    out += "valid: plans that " + to_string(rep.framework) + " can run (training.framework)\n\n";
  const Columns k = columns_for(rep);
  out += "best by " + to_string(opt.objective) +
         (opt.per_layout ? ", one row per layout (" + std::to_string(rep.layouts) + " layouts):\n" : ":\n");
  out += header(k);
  for (size_t i = 0; i < rep.ranked.size(); ++i) out += row(rep.ranked[i], int(i) + 1, k);
  if (rep.ranked.empty()) out += "  (no configuration fits in memory and meets the deadline and budget)\n";
  out += "\nPareto front, time to train against cost:\n";
  out += header(k);
  for (const auto& c : rep.pareto) out += row(c, 0, k);
  return out;
}

nlohmann::json to_json(const PlanReport& rep, const PlanOptions& opt) {
  auto cj = [](const Candidate& c) {
    const ParallelPlan& p = c.plan;
    return nlohmann::json{{"gpus", c.gpus},
                          {"parallelism",
                           {{"tp", p.tp},
                            {"pp", p.pp},
                            {"dp", p.dp},
                            {"cp", p.cp},
                            {"cp_comm", to_string(p.cp_comm)},
                            {"ep", p.ep},
                            {"etp", expert_tp(p)},
                            {"vpp", p.vpp},
                            {"first_stage_layers", p.first_stage_layers},
                            {"last_stage_layers", p.last_stage_layers},
                            {"micro_batch", p.micro_batch},
                            {"zero", p.zero},
                            {"recompute", to_string(p.recompute)},
                            {"schedule", to_string(p.schedule)},
                            {"sequence_parallel", p.sequence_parallel}}},
                          {"step_time_s", c.step_time_s},
                          {"mfu", c.mfu},
                          {"tokens_per_s", c.tokens_per_s},
                          {"memory_peak_gib", c.memory_gib},
                          {"time_to_train_days", c.days},
                          {"cost_usd", c.cost_usd},
                          {"energy_mwh", c.energy_mwh},
                          {"meets_constraints", c.meets_constraints}};
  };
  nlohmann::json j;
  j["schema"] = "aiscale/plan/v1";
  j["objective"] = to_string(opt.objective);
  j["framework"] = to_string(rep.framework);
  j["counts"] = {{"enumerated", rep.enumerated}, {"valid", rep.valid},  {"fit", rep.fitting},
                 {"timed", rep.timed},           {"meet", rep.meeting}, {"layouts", rep.layouts}};
  j["per_layout"] = opt.per_layout;
  j["seconds"] = rep.seconds;
  j["ranked"] = nlohmann::json::array();
  for (const auto& c : rep.ranked) j["ranked"].push_back(cj(c));
  j["pareto"] = nlohmann::json::array();
  for (const auto& c : rep.pareto) j["pareto"].push_back(cj(c));
  j["best_per_gpu_count"] = nlohmann::json::array();
  for (const auto& c : rep.best_per_gpu_count) j["best_per_gpu_count"].push_back(cj(c));
  return j;
}

}  // namespace aiscale

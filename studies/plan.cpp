#include "studies/plan.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <numeric>
#include <set>

#include "models/error.hpp"
#include "models/memory.hpp"
#include "sim/analytic.hpp"
#include "sim/engine.hpp"
#include "studies/parallel_for.hpp"
#include "topology/builder.hpp"

namespace aiscale {

Objective parse_objective(const std::string& s) {
  if (s == "time") return Objective::time;
  if (s == "cost") return Objective::cost;
  if (s == "energy") return Objective::energy;
  throw Error("plan.objective", "'" + s + "' is not one of time, cost, energy");
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
    if (!known) throw Error("plan.vary", "'" + k + "' is not one of " + all_dims() + ", all");
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

void check_gpu_counts(const ClusterSpec& base, const std::vector<int>& counts) {
  const int gpn = base.gpus_per_node;
  for (int g : counts) {
    if (g <= 0 || g % gpn != 0)
      throw Error("plan.gpus",
                  std::to_string(g) + " is not a positive multiple of " + std::to_string(gpn) + " GPUs per node");
    // The network each GPU count implies must be one `aiscale topology` can build.
    ClusterSpec cluster = base;
    cluster.nodes = g / gpn;
    try {
      topology::check_topology(cluster);
    } catch (const Error& e) {
      throw Error("plan.gpus", std::to_string(g) + " GPUs: " + e.path() + ": " + e.message());
    }
  }
}

std::vector<int> parse_gpu_counts(const std::string& list, const std::string& range) {
  std::vector<int> out;
  auto to_int = [](const std::string& s, const char* field) {
    size_t used = 0;
    long v = 0;
    try {
      v = std::stol(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || v <= 0 || v > 10000000) throw Error(field, "'" + s + "' is not a positive GPU count");
    return int(v);
  };
  if (!list.empty()) {
    size_t start = 0;
    while (true) {
      const size_t c = list.find(',', start);
      out.push_back(to_int(list.substr(start, c == std::string::npos ? std::string::npos : c - start), "plan.gpus"));
      if (c == std::string::npos) break;
      start = c + 1;
    }
  }
  if (!range.empty()) {
    const size_t dots = range.find("..");
    if (dots == std::string::npos) throw Error("plan.gpus_range", "'" + range + "' is not A..B or A..B:STEP");
    const size_t colon = range.find(':', dots);
    const int a = to_int(range.substr(0, dots), "plan.gpus_range");
    const int b = to_int(range.substr(dots + 2, colon == std::string::npos ? std::string::npos : colon - dots - 2),
                         "plan.gpus_range");
    const int step = colon == std::string::npos ? 0 : to_int(range.substr(colon + 1), "plan.gpus_range");
    if (b < a) throw Error("plan.gpus_range", "the end is below the start");
    constexpr long kMaxCounts = 4096;
    if (step && (long(b) - a) / step + 1 > kMaxCounts)
      throw Error("plan.gpus_range", "'" + range + "' gives " + std::to_string((long(b) - a) / step + 1) +
                                         " GPU counts; at most " + std::to_string(kMaxCounts) +
                                         " are allowed: use a larger STEP or a narrower range");
    for (long g = a; g <= b; g = step ? g + step : g * 2) out.push_back(int(g));
  }
  return out;
}

void check_plan_options(const Scenario& base, const PlanOptions& opt) {
  if ((opt.deadline_days > 0 || opt.budget_usd > 0) && base.training.tokens <= 0)
    throw Error("plan.deadline", "a deadline or budget needs training.tokens in the scenario to compute time and "
                                 "cost to train");
}

namespace {

std::vector<int> values(bool vary, std::vector<int> all, int fixed) { return vary ? all : std::vector<int>{fixed}; }

std::vector<int> with(std::vector<int> v, int x) {  // v plus x, sorted, no duplicates
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
  std::sort(v.begin(), v.end());
  return v;
}

// A pipeline split: pp stages, with `first` and `last` layers on the end stages (0: an even share).
struct Split {
  int pp, first, last;
  bool operator==(const Split&) const = default;
};

// The values each plan dimension takes in the search (a fixed dimension takes the base scenario's value).
struct SearchSpace {
  std::vector<int> tps, cps, mbs, zeros, rcs, eps;
  std::vector<Split> splits;
};

SearchSpace search_space(const Scenario& base, const PlanDims& dims) {
  const TransformerConfig& m = base.model;
  const TrainingSpec& tr = base.training;
  const ParallelPlan& b = base.plan;
  const bool moe = m.moe.enabled();
  SearchSpace space;
  std::vector<int>& tps = space.tps;
  std::vector<int>& cps = space.cps;
  std::vector<Split>& splits = space.splits;
  const int tp_limit = std::max(base.cluster.scale_up.domain_size, 1);
  for (int t = 1; t <= tp_limit; t *= 2) tps.push_back(t);
  tps = values(dims.tp, tps, b.tp);
  // Context parallelism: powers of two whose 2*cp chunks split the sequence (Megatron-Core's load-balanced causal
  // split) and leave each rank at least 1,024 tokens; shorter blocks cannot hide the K/V exchange behind attention.
  for (int c = 1; c <= 32; c *= 2)
    if (c == 1 || (tr.seq_len % (2 * c) == 0 && tr.seq_len / c >= 1024)) cps.push_back(c);
  cps = dims.cp ? with(cps, b.cp) : std::vector<int>{b.cp};
  // Micro-batches up to 16 sequences: SC21's Table 1 runs used 16 without pipelining (Megatron-LM v2.5
  // examples/sc21/run_table_1.sh).
  space.mbs = values(dims.micro_batch, {1, 2, 4, 8, 16}, b.micro_batch);
  space.zeros = values(dims.zero, {0, 1, 2, 3}, b.zero);
  space.rcs = values(dims.recompute, {0, 1, 2}, int(b.recompute));
  // Expert parallelism: the divisors of the expert count (dense models: 1); etp 0 means "as tp", 1 is the
  // Megatron-Core MoE parallel folding choice of no tensor parallelism inside the experts.
  space.eps = !dims.ep ? std::vector<int>{b.ep}
             : moe    ? divisors(m.moe.experts, m.moe.experts)
                      : std::vector<int>{1};

  // Pipeline splits: pp dividing the layers evenly, and for powers of two that do not, Llama 3's uneven split:
  // the inner stages take ceil(layers/pp) each and the first and last stages share the rest (they also hold the
  // embedding and the LM head), e.g. 126 layers on 16 stages as 7 + 14 x 8 + 7.
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

  return space;
}

struct Item {
  int gpus;
  ParallelPlan plan;
};

// The ZeRO stages and recompute levels of one configuration (`shape`, whose other fields are set) that are valid and
// fit, less those a lighter setting dominates, go into `items`.
void add_settings(const ParallelPlan& shape, int gpus, const Scenario& base, const ClusterSpec& cluster,
                  const SearchSpace& space, PlanReport& rep, std::vector<Item>& items) {
  const TransformerConfig& m = base.model;
  const TrainingSpec& tr = base.training;
  struct Fit {
    int z, rc;
    ParallelPlan p;
  };
  std::vector<Fit> fits;
  for (int z : space.zeros) {
    if (z == 3 && shape.pp > 1) continue;  // ZeRO-3 with pipelining: excluded, as validate_plan warns
    for (int rc : space.rcs) {
      ParallelPlan p = shape;
      p.zero = z;
      p.recompute = Recompute(rc);
      Diagnostics d;
      validate_plan(p, m, cluster, tr, d);
      if (!d.empty()) continue;
      ++rep.valid;
      const MemoryBreakdown mem = memory_per_gpu(m, p, cluster.gpu, tr.precision, tr.global_batch, tr.seq_len,
                                                 tr.flash_attention, tr.framework);
      if (mem.fits) fits.push_back({z, rc, p});
    }
  }
  rep.fitting += fits.size();
  // Memory-saving settings cost time and never save any: recompute only adds work, and ZeRO-2 runs ZeRO-1's
  // collectives. A setting is timed only if no lighter one (less recompute, or ZeRO-1 for ZeRO-2) fits; the lighter
  // one is at least as fast on every objective.
  for (const Fit& f : fits) {
    bool dominated = false;
    for (const Fit& o : fits)
      dominated |= (o.z != f.z || o.rc != f.rc) && o.rc <= f.rc && (o.z == f.z || (o.z == 1 && f.z == 2));
    if (!dominated) items.push_back({gpus, f.p});
  }
}

// Enumerates, validates and filters by memory (cheap) before anything is timed. Checks that validate_plan would fail
// anyway (divisibility) are made first, so that most invalid combinations cost no validation.
std::vector<Item> enumerate(const Scenario& base, const PlanOptions& opt, const std::vector<int>& counts,
                            PlanReport& rep, const RunControl& control) {
  const TransformerConfig& m = base.model;
  const TrainingSpec& tr = base.training;
  const ParallelPlan& b = base.plan;
  const PlanDims& dims = opt.dims;
  const bool moe = m.moe.enabled();
  const int gpn = base.cluster.gpus_per_node;
  const SearchSpace space = search_space(base, dims);
  const auto& [tps, cps, mbs, zeros, rcs, eps, splits] = space;
  std::vector<Item> items;
  size_t done = 0;
  for (int g : counts)
    for (int tp : tps) {
      control.check();
      control.progress(done++, counts.size() * tps.size(), "enumerate");
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
                      ParallelPlan p = b;
                      p.tp = tp, p.pp = pp, p.dp = dp, p.cp = cp, p.vpp = vpp, p.micro_batch = mb;
                      p.first_stage_layers = sp.first, p.last_stage_layers = sp.last;
                      p.ep = ep, p.etp = etp;
                      p.cp_comm = CpComm(comm);
                      p.schedule = Schedule(sched);
                      p.sequence_parallel =
                          tp > 1 && (b.sequence_parallel || (dims.tp && has_sequence_parallel(tr.framework)));
                      p.overlap_grad_reduce = b.overlap_grad_reduce && can_overlap_grad_reduce(tr.framework, pp);
                      add_settings(p, g, base, cluster, space, rep, items);
                    }
                }
              }
          }
        }
    }
  control.progress(done, done, "enumerate");
  return items;
}

Candidate candidate_of(const Item& item, const Result& r) {
  Candidate c;
  c.gpus = item.gpus;
  c.plan = item.plan;
  c.step_time_s = r.step_time_s;
  c.mfu = r.mfu;
  c.tokens_per_s = r.tokens_per_s;
  c.memory_gib = r.memory.peak / 1073741824.0;
  c.days = r.training.days;
  c.cost_usd = r.training.cost_usd;
  c.energy_mwh = r.training.energy_mwh;
  return c;
}

// Times every item on the analytic engine, in parallel; each candidate reaches the observer as it is done.
std::vector<Candidate> time_items(const Scenario& base, const CalibrationProfile& profile,
                                  const std::vector<Item>& items, int jobs, const RunControl& control) {
  std::vector<Candidate> cands(items.size());
  std::mutex mu;
  size_t done = 0;
  control.progress(0, items.size(), "time");
  const size_t completed = parallel_for(items.size(), jobs, control.cancel, [&](size_t i) {
    Scenario sc = base;  // a copy per item: the plan and node count change
    sc.plan = items[i].plan;
    sc.cluster.nodes = items[i].gpus / base.cluster.gpus_per_node;
    cands[i] = candidate_of(items[i], simulate_analytic(sc, profile));
    std::lock_guard<std::mutex> lock(mu);
    if (control.observer) control.observer->on_candidate(cands[i]);
    control.progress(++done, items.size(), "time");
  });
  if (completed < items.size()) control.check();  // cancelled: no partial report
  return cands;
}

// Orders the timed candidates and fills the ranked list, the Pareto front and the best per GPU count.
void rank(PlanReport& rep, std::vector<Candidate> cands, const std::vector<int>& counts, const Scenario& base,
          const PlanOptions& opt) {
  const TrainingSpec& tr = base.training;
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
}

}  // namespace

PlanReport run_plan(const Scenario& base, const CalibrationProfile& profile, const PlanOptions& opt,
                    const RunControl& control) {
  const auto t0 = std::chrono::steady_clock::now();
  PlanReport rep;
  std::vector<int> counts = opt.gpu_counts;
  if (counts.empty()) counts.push_back(base.cluster.gpus());
  check_gpu_counts(base.cluster, counts);
  rep.moe = base.model.moe.enabled();
  rep.framework = base.training.framework;
  const std::vector<Item> items = enumerate(base, opt, counts, rep, control);
  rep.timed = items.size();
  rank(rep, time_items(base, profile, items, opt.jobs, control), counts, base, opt);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

std::vector<Verification> verify_plan(const Scenario& base, const CalibrationProfile& profile, const PlanReport& rep,
                                      const RunControl& control) {
  const EventOptions eo = parse_event_options(base.engine);
  std::vector<Verification> out;
  for (size_t i = 0; i < rep.ranked.size(); ++i) {
    control.progress(i, rep.ranked.size(), "verify");
    const Candidate& c = rep.ranked[i];
    Scenario sc = base;
    sc.plan = c.plan;
    sc.cluster.nodes = c.gpus / base.cluster.gpus_per_node;
    const double ev = simulate_on(Engine::event, sc, profile, eo, control.cancel).step_time_s;
    out.push_back({c.step_time_s, ev, (ev - c.step_time_s) / c.step_time_s * 100});
  }
  control.progress(rep.ranked.size(), rep.ranked.size(), "verify");
  return out;
}

void add_verification(nlohmann::json& plan, const std::vector<Verification>& v) {
  plan["verify"] = nlohmann::json::array();
  for (size_t i = 0; i < v.size(); ++i)
    plan["verify"].push_back({{"rank", i + 1},
                              {"analytic_step_time_s", v[i].analytic_step_time_s},
                              {"event_step_time_s", v[i].event_step_time_s},
                              {"diff_pct", v[i].diff_pct}});
}

int rank_of(const PlanReport& rep, int gpus, const ParallelPlan& plan) {
  for (size_t i = 0; i < rep.ranked.size(); ++i)
    if (rep.ranked[i].gpus == gpus && same_plan(rep.ranked[i].plan, plan)) return int(i) + 1;
  return 0;
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

#include "sim/plan.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <thread>

#include "models/error.hpp"
#include "models/memory.hpp"
#include "sim/analytic.hpp"

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

PlanDims parse_dims(const std::string& csv) {
  PlanDims d{false, false, false, false, false, false, false};
  size_t start = 0;
  while (start <= csv.size()) {
    const size_t comma = csv.find(',', start);
    const std::string k = csv.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (k == "tp")
      d.tp = true;
    else if (k == "pp")
      d.pp = true;
    else if (k == "cp")
      d.cp = true;
    else if (k == "vpp")
      d.vpp = true;
    else if (k == "micro_batch")
      d.micro_batch = true;
    else if (k == "zero")
      d.zero = true;
    else if (k == "recompute")
      d.recompute = true;
    else if (k != "dp" && !k.empty())
      throw Error("--vary", "'" + k + "' is not one of tp, pp, cp, vpp, micro_batch, zero, recompute");
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
         a.micro_batch == b.micro_batch && a.zero == b.zero && a.recompute == b.recompute;
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
  for (int g : counts)
    if (g <= 0 || g % gpn != 0)
      throw Error("--gpus",
                  std::to_string(g) + " is not a positive multiple of " + std::to_string(gpn) + " GPUs per node");

  const ParallelPlan& b = base.plan;
  auto values = [](bool vary, std::vector<int> all, int fixed) { return vary ? all : std::vector<int>{fixed}; };
  const int tp_limit = std::max(base.cluster.scale_up.domain_size, 1);
  std::vector<int> tps, cps{1, 2, 4, 8};
  for (int t = 1; t <= tp_limit; t *= 2) tps.push_back(t);
  tps = values(opt.dims.tp, tps, b.tp);
  cps = values(opt.dims.cp, cps, b.cp);
  const std::vector<int> pps = values(opt.dims.pp, divisors(m.layers, 128), b.pp);
  const std::vector<int> mbs = values(opt.dims.micro_batch, {1, 2, 4, 8}, b.micro_batch);
  const std::vector<int> zeros = values(opt.dims.zero, {0, 1, 2, 3}, b.zero);
  const std::vector<int> rcs = values(opt.dims.recompute, {0, 1, 2}, int(b.recompute));

  // Enumerate, validate and filter by memory (cheap) before timing anything.
  struct Item {
    int gpus;
    ParallelPlan plan;
  };
  std::vector<Item> items;
  for (int g : counts)
    for (int tp : tps)
      for (int cp : cps)
        for (int pp : pps) {
          if (g % (tp * pp * cp) != 0) continue;
          const int dp = g / (tp * pp * cp);
          std::vector<int> vpps{1};
          if (pp > 1) vpps = values(opt.dims.vpp, divisors(m.layers / pp, 16), b.vpp);
          for (int vpp : vpps)
            for (int mb : mbs)
              for (int z : zeros)
                for (int rc : rcs) {
                  ++rep.enumerated;
                  ParallelPlan p = b;
                  p.tp = tp, p.pp = pp, p.dp = dp, p.cp = cp, p.vpp = vpp, p.micro_batch = mb, p.zero = z;
                  p.recompute = Recompute(rc);
                  p.schedule = vpp > 1                               ? Schedule::interleaved
                               : b.schedule == Schedule::interleaved ? Schedule::one_f_one_b
                                                                     : b.schedule;
                  p.sequence_parallel = tp > 1 && (b.sequence_parallel || opt.dims.tp);
                  if (z == 3 && pp > 1) continue;  // ZeRO-3 with pipelining: excluded, as validate_plan warns
                  ClusterSpec c = base.cluster;
                  c.nodes = g / gpn;
                  Diagnostics d;
                  validate_plan(p, m, c, tr, d);
                  if (!d.empty()) continue;
                  ++rep.valid;
                  const MemoryBreakdown mem =
                      memory_per_gpu(m, p, c.gpu, tr.precision, tr.global_batch, tr.seq_len, tr.flash_attention);
                  if (!mem.fits) continue;
                  items.push_back({g, p});
                }
        }
  rep.fitting = items.size();

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
    return std::make_tuple(c.gpus, p.tp, p.pp, p.cp, p.vpp, p.micro_batch, p.zero, int(p.recompute));
  };
  std::sort(cands.begin(), cands.end(), [&](const Candidate& a, const Candidate& b2) {
    if (a.objective != b2.objective) return a.objective < b2.objective;
    return key(a) < key(b2);
  });
  for (const auto& c : cands) {
    if (!c.meets_constraints) continue;
    ++rep.meeting;
    if (rep.ranked.size() < size_t(std::max(opt.top, 1))) rep.ranked.push_back(c);
  }
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
std::string row(const Candidate& c, int rank) {
  char buf[320];
  const ParallelPlan& p = c.plan;
  std::snprintf(buf, sizeof buf, "%4d %6d %3d %3d %5d %3d %3d %3d %5d %-9s %10s %6.1f%% %7.1f %8.1f %12.0f %9.1f\n",
                rank, c.gpus, p.tp, p.pp, p.dp, p.cp, p.vpp, p.micro_batch, p.zero, to_string(p.recompute).c_str(),
                format_time(c.step_time_s).c_str(), 100 * c.mfu, c.memory_gib, c.days, c.cost_usd, c.energy_mwh);
  return buf;
}
const char* kHeader =
    "rank   gpus  tp  pp    dp  cp vpp  mb  zero recompute       step    MFU  mem GiB     days     cost USD   "
    "energy MWh\n";
}  // namespace

std::string plan_table(const PlanReport& rep, const PlanOptions& opt) {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "aiscale plan: %zu configurations enumerated, %zu valid, %zu fit in memory, %zu meet the constraints "
                "(%.2f s)\n\n",
                rep.enumerated, rep.valid, rep.fitting, rep.meeting, rep.seconds);
  out += buf;
  out += "best by " + to_string(opt.objective) + ":\n";
  out += kHeader;
  for (size_t i = 0; i < rep.ranked.size(); ++i) out += row(rep.ranked[i], int(i) + 1);
  if (rep.ranked.empty()) out += "  (no configuration fits in memory and meets the deadline and budget)\n";
  out += "\nPareto front, time to train against cost:\n";
  out += kHeader;
  for (const auto& c : rep.pareto) out += row(c, 0);
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
                            {"vpp", p.vpp},
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
  j["counts"] = {{"enumerated", rep.enumerated}, {"valid", rep.valid}, {"fit", rep.fitting}, {"meet", rep.meeting}};
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

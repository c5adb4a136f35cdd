#include "report/tables.hpp"

#include <cstdio>
#include <sstream>

#include "models/units.hpp"

namespace aiscale {

std::string ops_table(const std::vector<OpTiming>& ops) {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-15s %-22s %-10s %-34s %12s %10s\n", "section", "op", "phase", "shape / size",
                "time", "TFLOP/s");
  out += buf;
  for (const auto& t : ops) {
    const Op& o = t.op;
    const char* phase = o.phase == Phase::forward ? "fwd" : o.phase == Phase::backward ? "bwd" : "recompute";
    std::string shape;
    if (o.kind == OpKind::gemm) {
      std::snprintf(buf, sizeof buf, "%gx%gx%g%s", o.m, o.n, o.k,
                    o.batch > 1 ? (" x" + std::to_string(static_cast<long>(o.batch))).c_str() : "");
      shape = buf;
    } else if (o.kind == OpKind::collective) {
      shape = to_string(o.coll) + " " + to_string(o.group) + " " + format_bytes(o.bytes) + (o.overlapped ? " (ovl)" : "");
    } else if (o.kind == OpKind::attention) {
      std::snprintf(buf, sizeof buf, "%.3g GFLOP", o.flops / 1e9);
      shape = buf;
    } else {
      shape = format_bytes(o.bytes);
    }
    const double tflops = o.flops > 0 && t.time_s > 0 ? o.flops / t.time_s / 1e12 : 0;
    std::snprintf(buf, sizeof buf, "%-15s %-22s %-10s %-34s %12s %10s\n", t.section.c_str(), o.name, phase,
                  shape.c_str(), format_time(t.time_s).c_str(), tflops > 0 ? std::to_string(int(tflops)).c_str() : "");
    out += buf;
  }
  return out;
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

std::string validation_table(const ValidationReport& rep) {
  std::ostringstream o;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-32s %-14s %-24s %10s %10s %8s\n", "case", "suite", "metric", "measured",
                "predicted", "error");
  o << buf;
  for (const auto& c : rep.cases) {
    std::snprintf(buf, sizeof buf, "%-32s %-14s %-24s %10.4g %10.4g %+7.1f%%\n", c.name.c_str(), c.suite.c_str(),
                  c.metric.c_str(), c.measured, c.predicted, c.error_pct);
    o << buf;
  }
  o << "\n";
  for (const auto& [name, s] : rep.suites) {
    std::snprintf(buf, sizeof buf, "%-32s %3d cases   MAPE %5.1f%%   max %5.1f%%\n",
                  name.empty() ? "(no suite)" : name.c_str(), s.cases, s.mape, s.max_ape);
    o << buf;
  }
  std::snprintf(buf, sizeof buf, "%-32s %3d cases   MAPE %5.1f%%   max %5.1f%%\n", "all", rep.all.cases, rep.all.mape,
                rep.all.max_ape);
  o << buf;
  return o.str();
}

std::string verification_table(const PlanReport& rep, const std::vector<Verification>& v) {
  std::string text =
      "\nverified on the event engine:\nrank   gpus  tp  pp    dp  cp  ep vpp  mb   analytic      event    diff\n";
  for (size_t i = 0; i < v.size() && i < rep.ranked.size(); ++i) {
    const Candidate& c = rep.ranked[i];
    char buf[200];
    std::snprintf(buf, sizeof buf, "%4zu %6d %3d %3d %5d %3d %3d %3d %3d %10s %10s %+6.1f%%\n", i + 1, c.gpus,
                  c.plan.tp, c.plan.pp, c.plan.dp, c.plan.cp, c.plan.ep, c.plan.vpp, c.plan.micro_batch,
                  format_time(v[i].analytic_step_time_s).c_str(), format_time(v[i].event_step_time_s).c_str(),
                  v[i].diff_pct);
    text += buf;
  }
  return text;
}

std::string event_bench_table(const EventBenchReport& rep) {
  std::string out;
  char buf[400];
  for (const EventBenchRow& r : rep.rows) {
    const EventStats& s = r.stats;
    std::snprintf(buf, sizeof buf,
                  "%-36s %6d GPUs  wall %7.2f s  RSS %7.0f MiB  %9ld transfers  %8.0f /s  in flight %6.0f  "
                  "raw SimGrid, same platform and concurrency %8.0f /s  overhead %.2fx  (star at that "
                  "concurrency %8.0f /s)\n",
                  r.scenario.c_str(), r.gpus, s.wall_s, s.peak_rss_bytes / 1048576.0, s.transfers, r.transfers_per_s,
                  s.mean_in_flight, r.same_platform.flows_per_s, r.same_overhead, r.star.flows_per_s);
    out += buf;
  }
  std::snprintf(buf, sizeof buf,
                "raw SimGrid sendto_async, 512-host star: %.0f flows/s; engine overhead per transfer %.2fx\n",
                rep.raw.flows_per_s, rep.overhead);
  return out + buf;
}

}  // namespace aiscale

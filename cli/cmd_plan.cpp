#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/common.hpp"
#include "models/error.hpp"
#include "models/svg_plot.hpp"
#include "sim/event_engine.hpp"
#include "sim/plan.hpp"

namespace aiscale::cli {

namespace {

// "1024,2048" or "1024..16384" (doubling) or "1024..4096:512" (linear step).
std::vector<int> parse_gpu_counts(const std::string& list, const std::string& range) {
  std::vector<int> out;
  auto to_int = [](const std::string& s, const char* flag) {
    size_t used = 0;
    long v = 0;
    try {
      v = std::stol(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || v <= 0 || v > 10000000) throw Error(flag, "'" + s + "' is not a positive GPU count");
    return int(v);
  };
  if (!list.empty()) {
    size_t start = 0;
    while (true) {
      const size_t c = list.find(',', start);
      out.push_back(to_int(list.substr(start, c == std::string::npos ? std::string::npos : c - start), "--gpus"));
      if (c == std::string::npos) break;
      start = c + 1;
    }
  }
  if (!range.empty()) {
    const size_t dots = range.find("..");
    if (dots == std::string::npos) throw Error("--gpus-range", "'" + range + "' is not A..B or A..B:STEP");
    const size_t colon = range.find(':', dots);
    const int a = to_int(range.substr(0, dots), "--gpus-range");
    const int b = to_int(range.substr(dots + 2, colon == std::string::npos ? std::string::npos : colon - dots - 2),
                         "--gpus-range");
    const int step = colon == std::string::npos ? 0 : to_int(range.substr(colon + 1), "--gpus-range");
    if (b < a) throw Error("--gpus-range", "the end is below the start");
    constexpr long kMaxCounts = 4096;
    if (step && (long(b) - a) / step + 1 > kMaxCounts)
      throw Error("--gpus-range", "'" + range + "' gives " + std::to_string((long(b) - a) / step + 1) +
                                      " GPU counts; at most " + std::to_string(kMaxCounts) +
                                      " are allowed: use a larger STEP or a narrower range");
    for (long g = a; g <= b; g = step ? g + step : g * 2) out.push_back(int(g));
  }
  return out;
}

}  // namespace

void add_plan_command(CLI::App& app) {
  struct Opts {
    std::optional<std::string> base;
    std::vector<std::string> sets;
    std::string gpus, range, objective = "time", deadline, budget, vary = all_dims();
    std::string plot, scaling_plot, verify;
    int top = 10, jobs = 0;
    bool json = false, per_layout = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("plan", "Search every valid parallel configuration and rank them");
  cmd->add_option("base", o->base, "Base scenario (model, cluster, batch, cost); the built-in default when omitted");
  cmd->add_option("--set", o->sets, "Override a base field first (repeatable)");
  cmd->add_option("--gpus", o->gpus, "GPU counts to consider, e.g. 1024,2048,4096");
  cmd->add_option("--gpus-range", o->range, "A..B doubling from A, or A..B:STEP");
  cmd->add_option("--objective", o->objective, "time | cost | energy")
      ->check(CLI::IsMember({"time", "cost", "energy"}));
  cmd->add_option("--deadline", o->deadline, "Longest acceptable time to train, e.g. 30d");
  cmd->add_option("--budget", o->budget, "Largest acceptable cost, e.g. 5MUSD");
  cmd->add_option("--top", o->top, "How many configurations to list")->check(CLI::Range(1, 100000));
  cmd->add_option(
      "--vary", o->vary,
      "Dimensions to search, comma-separated (others keep the base values): " + all_dims() + " (default), or all");
  cmd->add_option("-j,--jobs", o->jobs, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  cmd->add_option("--plot", o->plot, "Write the Pareto front (time to train vs cost) as SVG");
  cmd->add_option("--scaling-plot", o->scaling_plot, "Write the best time to train per GPU count as SVG");
  cmd->add_flag("--per-layout", o->per_layout,
                "List the best configuration of each layout (tp, pp, dp, cp, ep) only: K different ways to split "
                "the cluster");
  cmd->add_flag("--json", o->json, "Print JSON (schema aiscale/plan/v1)");
  cmd->add_option("--verify", o->verify, "Re-run the top configurations on another engine: event")
      ->check(CLI::IsMember({"event"}));
  cmd->callback([o] {
    check_outputs({{"--plot", o->plot}, {"--scaling-plot", o->scaling_plot}});  // all destinations before any work
    const Scenario base = load_scenario(o->base, o->sets, false);  // the planner replaces the plan
    PlanOptions opt;
    opt.gpu_counts = parse_gpu_counts(o->gpus, o->range);
    opt.objective = parse_objective(o->objective);
    if (!o->deadline.empty()) opt.deadline_days = parse<Seconds>(o->deadline, "--deadline").value / 86400.0;
    if (!o->budget.empty()) opt.budget_usd = parse<Usd>(o->budget, "--budget").value;
    if (!o->deadline.empty() && !(opt.deadline_days > 0))
      throw Error("--deadline", "'" + o->deadline + "' must be a positive time, e.g. 30d");
    if (!o->budget.empty() && !(opt.budget_usd > 0))
      throw Error("--budget", "'" + o->budget + "' must be a positive amount, e.g. 5MUSD");
    if ((opt.deadline_days > 0 || opt.budget_usd > 0) && base.training.tokens <= 0)
      throw Error("--deadline/--budget", "need training.tokens in the scenario to compute time and cost to train");
    opt.top = o->top;
    opt.per_layout = o->per_layout;
    opt.jobs = o->jobs > 0 ? o->jobs : int(std::max(1u, std::thread::hardware_concurrency()));
    opt.dims = parse_dims(o->vary);
    for (const std::string* f : {&o->plot, &o->scaling_plot})
      if (!f->empty() && (f->size() < 4 || f->substr(f->size() - 4) != ".svg"))
        throw Error("--plot", "'" + *f + "' must end in .svg");
    const CalibrationProfile prof = load_profile(base.calibration, base.cluster.gpu, base.base_dir);
    const PlanReport rep = run_plan(base, prof, opt);
    nlohmann::json j = to_json(rep, opt);
    std::string text = plan_table(rep, opt);
    if (!o->verify.empty()) {
      // The event engine re-times the ranked configurations: contention and overlap the closed form cannot see.
      const EventOptions eo = parse_event_options(base.engine);
      text +=
          "\nverified on the event engine:\nrank   gpus  tp  pp    dp  cp  ep vpp  mb   analytic      event    diff\n";
      j["verify"] = nlohmann::json::array();
      // One event-engine run per ranked row can take seconds each: show how far it is on a terminal.
      const bool progress = ::isatty(STDERR_FILENO);
      for (size_t i = 0; i < rep.ranked.size(); ++i) {
        if (progress) std::fprintf(stderr, "\rverifying on the event engine: %zu/%zu ", i + 1, rep.ranked.size());
        const Candidate& c = rep.ranked[i];
        Scenario sc = base;
        sc.plan = c.plan;
        sc.cluster.nodes = c.gpus / base.cluster.gpus_per_node;
        const double ev = simulate_event(sc, prof, eo).step_time_s;
        const double diff = (ev - c.step_time_s) / c.step_time_s * 100;
        char buf[200];
        std::snprintf(buf, sizeof buf, "%4zu %6d %3d %3d %5d %3d %3d %3d %3d %10s %10s %+6.1f%%\n", i + 1, c.gpus,
                      c.plan.tp, c.plan.pp, c.plan.dp, c.plan.cp, c.plan.ep, c.plan.vpp, c.plan.micro_batch,
                      format_time(c.step_time_s).c_str(), format_time(ev).c_str(), diff);
        text += buf;
        j["verify"].push_back(
            {{"rank", i + 1}, {"analytic_step_time_s", c.step_time_s}, {"event_step_time_s", ev}, {"diff_pct", diff}});
      }
      if (progress) std::fprintf(stderr, "\r%50s\r", "");
    }
    std::vector<std::pair<std::string, std::string>> files;  // written together, before the table is printed
    const bool per_step = base.training.tokens <= 0;
    if (!o->plot.empty()) {
      PlotSpec p;
      p.title = "Pareto front: " + base.model.name + " on " + base.cluster.gpu.name;
      p.x_label = per_step ? "step time (s)" : "time to train (days)";
      p.y_label = per_step ? "GPU-seconds per step" : "cost (USD)";
      PlotSeries all{"fits in memory", {}, {}, false, "#bbbbbb", 2.0};
      PlotSeries front{"Pareto front", {}, {}, true, "#d62728", 4.0};
      for (const auto& c : rep.all_fitting) {
        all.x.push_back(per_step ? c.step_time_s : c.days);
        all.y.push_back(per_step ? c.step_time_s * c.gpus : c.cost_usd);
      }
      for (const auto& c : rep.pareto) {
        front.x.push_back(per_step ? c.step_time_s : c.days);
        front.y.push_back(per_step ? c.step_time_s * c.gpus : c.cost_usd);
      }
      p.log_x = p.log_y = true;
      p.series = {all, front};
      files.emplace_back(o->plot, render_svg(p));
    }
    if (!o->scaling_plot.empty()) {
      PlotSpec p;
      p.title = "Scaling: " + base.model.name + " on " + base.cluster.gpu.name;
      p.x_label = "GPUs";
      p.y_label = per_step ? "step time (s)" : "time to train (days)";
      p.log_x = p.log_y = true;
      PlotSeries best{"best " + to_string(opt.objective), {}, {}, true, "#1f77b4", 4.0};
      PlotSeries ideal{"linear scaling", {}, {}, true, "#999999", 0.0};
      for (const auto& c : rep.best_per_gpu_count) {
        best.x.push_back(c.gpus);
        best.y.push_back(per_step ? c.step_time_s : c.days);
      }
      if (!best.x.empty())
        for (double g : best.x) ideal.x.push_back(g), ideal.y.push_back(best.y[0] * best.x[0] / g);
      p.series = {best, ideal};
      files.emplace_back(o->scaling_plot, render_svg(p));
    }
    write_files_atomic(files);
    std::cout << (o->json ? j.dump(2) + "\n" : text);
  });
}

}  // namespace aiscale::cli

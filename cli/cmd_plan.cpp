#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "api/aiscale.hpp"
#include "cli/common.hpp"
#include "models/error.hpp"

namespace aiscale::cli {

namespace {
class VerifyProgress : public Observer {
 public:
  void on_progress(const Progress& p) override {
    if (p.done < p.total) std::fprintf(stderr, "\rverifying on the event engine: %zu/%zu ", p.done + 1, p.total);
  }
};
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
    const Scenario base = load_scenario(o->base, o->sets, {.check_plan = false});  // the planner replaces the plan
    PlanOptions opt;
    opt.gpu_counts = api::parse_gpu_counts(o->gpus, o->range);
    opt.objective = api::parse_objective(o->objective);
    if (!o->deadline.empty()) opt.deadline_days = parse<Seconds>(o->deadline, "--deadline").value / 86400.0;
    if (!o->budget.empty()) opt.budget_usd = parse<Usd>(o->budget, "--budget").value;
    if (!o->deadline.empty() && !(opt.deadline_days > 0))
      throw Error("--deadline", "'" + o->deadline + "' must be a positive time, e.g. 30d");
    if (!o->budget.empty() && !(opt.budget_usd > 0))
      throw Error("--budget", "'" + o->budget + "' must be a positive amount, e.g. 5MUSD");
    api::check_plan_options(base, opt);
    opt.top = o->top;
    opt.per_layout = o->per_layout;
    opt.jobs = o->jobs > 0 ? o->jobs : int(std::max(1u, std::thread::hardware_concurrency()));
    opt.dims = api::parse_dims(o->vary);
    for (const std::string* f : {&o->plot, &o->scaling_plot})
      if (!f->empty() && (f->size() < 4 || f->substr(f->size() - 4) != ".svg"))
        throw Error("--plot", "'" + *f + "' must end in .svg");
    const CalibrationProfile& prof = api::profile_for(base);
    const PlanReport rep = api::run_plan(base, prof, opt);
    nlohmann::json j = to_json(rep, opt);
    std::string text = plan_table(rep, opt);
    if (!o->verify.empty()) {
      // One event-engine run per ranked row can take seconds each: show how far it is on a terminal.
      VerifyProgress progress;
      const auto v = api::verify_plan(base, prof, rep, {::isatty(STDERR_FILENO) ? &progress : nullptr, nullptr});
      if (::isatty(STDERR_FILENO)) std::fprintf(stderr, "\r%50s\r", "");
      text += verification_table(rep, v);
      add_verification(j, v);
    }
    std::vector<std::pair<std::string, std::string>> files;  // written together, before the table is printed
    if (!o->plot.empty()) files.emplace_back(o->plot, pareto_plot_svg(rep, base));
    if (!o->scaling_plot.empty()) files.emplace_back(o->scaling_plot, scaling_plot_svg(rep, base, opt));
    write_files_atomic(files);
    std::cout << (o->json ? j.dump(2) + "\n" : text);
  });
}

}  // namespace aiscale::cli

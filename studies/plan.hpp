#pragma once
// The capacity planner: enumerate every valid parallel configuration for each GPU count, drop those that do not
// fit in memory, rank the rest by time, cost or energy under a deadline and a budget, and find the Pareto front
// of time-to-train against cost.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/calibration_profile.hpp"
#include "models/scenario.hpp"
#include "sim/result.hpp"
#include "studies/observer.hpp"

namespace aiscale {

enum class Objective { time, cost, energy };
Objective parse_objective(const std::string& s);
std::string to_string(Objective o);

// Which plan dimensions the planner may change; the others keep the base scenario's values. pp includes uneven
// first/last stages where the layers do not split evenly; schedule picks 1F1B or ZB-H1 for vpp=1 (vpp > 1 is
// always interleaved); ep and etp matter for mixture-of-experts models only.
struct PlanDims {
  bool tp = true, pp = true, cp = true, cp_comm = true, ep = true, etp = true, vpp = true, schedule = true,
       micro_batch = true, zero = true, recompute = true;
};
// "tp,pp,vpp,micro_batch" (dp always follows the GPU count); "all" for every dimension.
PlanDims parse_dims(const std::string& csv);
std::string all_dims();  // the names parse_dims accepts, comma-separated

struct PlanOptions {
  std::vector<int> gpu_counts;  // empty: the base scenario's
  Objective objective = Objective::time;
  double deadline_days = 0;  // 0: none
  double budget_usd = 0;     // 0: none
  int top = 10;
  // List only the best configuration of each layout (GPU count, tp, pp, dp, cp, ep, etp): the top K are then K
  // different ways to split the cluster, each with its best micro-batch, interleaving, ZeRO stage and recompute.
  bool per_layout = false;
  int jobs = 1;
  PlanDims dims;
};

struct Candidate {
  int gpus = 0;
  ParallelPlan plan;
  double step_time_s = 0, mfu = 0, memory_gib = 0, days = 0, cost_usd = 0, energy_mwh = 0, tokens_per_s = 0;
  bool meets_constraints = true;
  double objective = 0;
};

struct PlanReport {
  std::vector<Candidate> ranked;              // feasible (fit, within constraints), best first, at most `top`
  std::vector<Candidate> pareto;              // non-dominated in (days, cost) among configurations that fit
  std::vector<Candidate> best_per_gpu_count;  // for scaling plots, by the objective
  std::vector<Candidate> all_fitting;         // every configuration timed (for plots)
  // Counts: combinations enumerated, valid plans, plans that fit in memory, plans timed (those that fit less the
  // ones a lighter recompute or ZeRO setting of the same configuration dominates), timed plans within the
  // deadline and budget.
  size_t enumerated = 0, valid = 0, fitting = 0, timed = 0, meeting = 0;
  size_t layouts = 0;  // distinct layouts (GPU count, tp, pp, dp, cp, ep, etp) among those meeting the constraints
  double seconds = 0;
  bool moe = false;  // the model has experts: the table shows the expert tensor-parallel size too
  Framework framework = Framework::any;  // the base scenario's training.framework, which bounds the search
};

// GPU counts from a list ("1024,2048") and a range ("1024..16384" doubling, "1024..4096:512" by a step); a bad
// count is an Error at plan.gpus or plan.gpus_range.
std::vector<int> parse_gpu_counts(const std::string& list, const std::string& range);
// Every count must be a multiple of the GPUs per node whose network can be built; else an Error at plan.gpus.
void check_gpu_counts(const ClusterSpec& cluster, const std::vector<int>& counts);
// A deadline or budget needs the scenario's training.tokens; else an Error at plan.deadline.
void check_plan_options(const Scenario& base, const PlanOptions& options);

// Enumerates ("enumerate": done of GPU counts x tp sizes) and times ("time": done of the plans to time) on
// options.jobs threads; each timed candidate reaches the observer. Cancelled stops within one candidate's time
// (tens of microseconds) and throws Cancelled: there is no partial report.
PlanReport run_plan(const Scenario& base, const CalibrationProfile& profile, const PlanOptions& options,
                    const RunControl& control = {});

// The top configurations re-timed on the event engine: contention and overlap the closed form cannot see.
struct Verification {
  double analytic_step_time_s = 0, event_step_time_s = 0;
  double diff_pct = 0;  // (event - analytic) / analytic
};
// One event run per ranked configuration, in rank order ("verify": done of ranked); cancellable between and
// during runs (Cancelled).
std::vector<Verification> verify_plan(const Scenario& base, const CalibrationProfile& profile, const PlanReport& rep,
                                      const RunControl& control = {});

nlohmann::json to_json(const PlanReport& rep, const PlanOptions& options);
// Adds the "verify" array (rank, analytic and event step times, difference) to a plan's JSON.
void add_verification(nlohmann::json& plan, const std::vector<Verification>& verification);
// Rank (1-based) of a plan among the ranked list, 0 if absent.
int rank_of(const PlanReport& rep, int gpus, const ParallelPlan& plan);

}  // namespace aiscale

#pragma once
// The studies a front end runs, each with a RunControl (observer and cancellation): sweeps, the planner, validation
// against published runs and the engine benchmarks. They are the studies/ library's own calls, named here so that a
// front end includes the api/ headers alone.
#include <optional>
#include <string>
#include <vector>

#include "studies/bench.hpp"
#include "studies/observer.hpp"
#include "studies/plan.hpp"
#include "studies/sweep.hpp"
#include "studies/validate.hpp"

namespace aiscale::api {

// Sweeps: make_sweep checks the grid against the base document; run_sweep evaluates it (into a file, or for the
// observer alone when SweepOptions::output is empty).
using aiscale::evaluate_row;
using aiscale::make_sweep;
using aiscale::run_sweep;
using aiscale::run_sweep_mpi;
using aiscale::SweepOptions;
using aiscale::SweepRow;
using aiscale::SweepSpec;
using aiscale::SweepStats;
// The sweep of a base scenario file (or the default when none) with its overrides, grid and zip lists.
SweepSpec make_sweep_from(const std::optional<std::string>& base_path, const std::vector<std::string>& overrides,
                          const std::vector<std::string>& grids, const std::vector<std::string>& zips,
                          Engine engine = Engine::analytic);

// The planner.
using aiscale::check_plan_options;
using aiscale::parse_dims;
using aiscale::parse_gpu_counts;
using aiscale::parse_objective;
using aiscale::PlanOptions;
using aiscale::PlanReport;
using aiscale::run_plan;
using aiscale::verify_plan;

// Validation and benchmarks.
using aiscale::bench_analytic;
using aiscale::bench_event;
using aiscale::collect_scenario_files;
using aiscale::run_validation;
using aiscale::ValidationReport;

}  // namespace aiscale::api

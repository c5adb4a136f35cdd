#pragma once
// Fixed-width tables for the terminal: the ops of one layer with their times, a plan's ranked configurations and
// Pareto front, and a validation run's predicted-against-measured cases.
#include <string>
#include <vector>

#include "sim/analytic.hpp"
#include "studies/bench.hpp"
#include "studies/plan.hpp"
#include "studies/validate.hpp"

namespace aiscale {

std::string ops_table(const std::vector<OpTiming>& ops);
std::string plan_table(const PlanReport& rep, const PlanOptions& options);
std::string validation_table(const ValidationReport& rep);
// The ranked configurations re-timed on the event engine, under a heading.
std::string verification_table(const PlanReport& rep, const std::vector<Verification>& verification);
// One line per event-engine benchmark step, then raw SimGrid on a 512-host star.
std::string event_bench_table(const EventBenchReport& rep);

}  // namespace aiscale

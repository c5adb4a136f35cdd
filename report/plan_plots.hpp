#pragma once
// A plan's pictures as SVG: the Pareto front of time to train against cost over every configuration that fits, and
// the best time to train per GPU count against linear scaling. Per-step figures when the scenario sets no tokens.
#include <string>

#include "models/scenario.hpp"
#include "studies/plan.hpp"

namespace aiscale {

std::string pareto_plot_svg(const PlanReport& rep, const Scenario& base);
std::string scaling_plot_svg(const PlanReport& rep, const Scenario& base, const PlanOptions& options);

}  // namespace aiscale

#pragma once
// The terminal report of one simulated step: model, cluster and plan, step time and throughput, FLOPs, the step's
// breakdown, memory per GPU, training totals, link utilisation and warnings.
#include <string>

#include "models/scenario.hpp"
#include "sim/result.hpp"

namespace aiscale {

std::string to_report(const Result& r, const Scenario& sc);

}  // namespace aiscale

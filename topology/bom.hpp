#pragma once
// Bill of materials: the table a network engineer reads (devices, switch models, cables and optics per tier,
// bisection, oversubscription, diameter, bandwidth per GPU per tier).
#include <string>

#include "topology/analysis.hpp"
#include "topology/graph.hpp"

namespace aiscale::topology {

// Switch product for a radix and per-port rate (bytes/s, one direction); "radix-k switch, N Gb/s ports" when no
// catalogued product matches.
std::string switch_model(int radix, double port_bandwidth);

// Plain-text bill of materials and analyses; `title` (e.g. the scenario name) heads it when not empty.
std::string render_bom(const Topology& topo, const Analysis& analysis, const std::string& title = "");

}  // namespace aiscale::topology

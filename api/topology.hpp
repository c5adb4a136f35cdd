#pragma once
// The cluster network of a scenario: the Boost.Graph topology, its analyses (bisection, hops, bandwidth per tier)
// and bill of materials, for a front end to show or export.
#include <string>

#include "models/scenario.hpp"
#include "topology/analysis.hpp"
#include "topology/bom.hpp"
#include "topology/builder.hpp"
#include "topology/export.hpp"

namespace aiscale::api {

struct NetworkView {
  topology::Topology topology;
  topology::Analysis analysis;
};

// Builds the scenario's network and analyses it; a network that cannot be built is an Error naming its field.
NetworkView build_network(const Scenario& sc);

}  // namespace aiscale::api

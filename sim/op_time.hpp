#pragma once
// Modelled time of one workload op: compute ops from the ComputeModel, collectives from the CollectiveModel. Both
// engines time ops through this one function.
#include "models/collectives.hpp"
#include "models/compute.hpp"
#include "models/workload.hpp"

namespace aiscale {

// Where the communicator of `group` sits in the cluster.
const GroupPlacement& placement_of(const Placements& g, Group group);
// Seconds for op `o` on one GPU (a collective: the whole collective on its group).
double op_time(const Op& o, const ComputeModel& cm, const CollectiveModel& coll, const Placements& g);

}  // namespace aiscale

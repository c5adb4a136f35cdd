#pragma once
// Execution order of pipeline tasks on every stage (GPipe, 1F1B, interleaved 1F1B), as Megatron-LM's schedules issue
// them; both engines follow it.
#include <vector>

#include "models/parallelism.hpp"

namespace aiscale {

// One forward or backward pass of one model chunk for one micro-batch.
struct PipelineTask {
  bool bwd = false;
  int chunk = 0, mb = 0;
  bool wgrad = false;  // ZB-H1: a deferred weight-gradient pass (bwd is then true too)
};

// Per stage, the tasks in issue order: forward warm-up, one-forward-one-backward, backward cool-down.
std::vector<std::vector<PipelineTask>> pipeline_order(int pp, int vpp, int microbatches, Schedule schedule);

}  // namespace aiscale

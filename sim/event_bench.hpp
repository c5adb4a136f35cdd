#pragma once
// Benchmarks of the event engine: one scenario's cost, the GPU-count scaling family, and raw SimGrid flows on a
// star for comparison (each SimGrid run in its own process).
#include <nlohmann/json.hpp>

#include "models/calibration_profile.hpp"
#include "models/scenario.hpp"
#include "sim/event_engine.hpp"

namespace aiscale {

// Raw SimGrid: `hosts` actors on a star, each sending flows of 1 MB one at a time with Comm::sendto_async + wait,
// under the same network model settings as the engine.
struct RawFlowBench {
  int hosts = 0;
  long flows = 0;
  double wall_s = 0;
  double flows_per_s = 0;
};
RawFlowBench bench_raw_sendto(int hosts, long flows);
// Raw SimGrid on a scenario's own platform (topology, ECMP routes, network model) with `concurrency` flows in
// flight, each actor sending 1 MB flows along its rail to other nodes; `hosts` in the result is the concurrency.
RawFlowBench bench_raw_platform(const Scenario& sc, int concurrency, long flows);

// Scaling family for `aiscale bench --engine event`: a Llama-3-70B-shaped model, TP 8, PP 4, DP = gpus / 32,
// 16 micro-batches per pipeline, H100 nodes on a non-blocking 3-tier fat-tree (radix 64).
nlohmann::json scaling_scenario(int gpus);
// Llama-3-405B shape on 16,384 H100 (2,048 nodes): TP 8, PP 16, DP 128, 128 layers so that stages are equal.
nlohmann::json llama3_405b_16k_scenario();

}  // namespace aiscale

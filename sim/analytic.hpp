#pragma once
// Analytic engine: closed-form op times per pipeline stage, a list-scheduled pipeline (GPipe, 1F1B, interleaved,
// ZB-H1),
// overlap windows for TP/DP communication, then the optimizer step.
#include "models/calibration_profile.hpp"
#include "models/collectives.hpp"
#include "models/compute.hpp"
#include "models/scenario.hpp"
#include "models/workload.hpp"
#include "sim/pipeline_order.hpp"
#include "sim/result.hpp"

namespace aiscale {

// Per-stage, per-chunk, per-micro-batch forward and backward times.
struct StageTimes {
  double fwd = 0, bwd = 0;               // one layer chunk (plus embedding/head where it lives)
  double fwd_first_chunk_extra = 0;      // embedding on stage 0, chunk 0
  double bwd_first_chunk_extra = 0;
  double fwd_last_chunk_extra = 0;       // head + loss on the last stage, last chunk
  double bwd_last_chunk_extra = 0;
};

// Finish time of every stage for one step's micro-batches under the plan's schedule.
// fwd[s][c], bwd[s][c]: time of chunk c on stage s per micro-batch; p2p: stage-to-stage transfer time.
// For ZB-H1, bwd is the input-gradient pass (B) only and wgrad[s][c] the weight-gradient pass (W), which a stage
// defers into the idle time its B passes would otherwise wait, keeping at most s of them pending (Qi et al., Zero
// Bubble Pipeline Parallelism, ICLR 2024: no stage holds more than the pp micro-batches of 1F1B's peak; with equal
// passes this gives the paper's m(F+B+W) + (pp-1)(F+B-W)). `realized`, when given, receives every
// stage's executed order, W passes included.
std::vector<double> schedule_pipeline(const std::vector<std::vector<double>>& fwd,
                                      const std::vector<std::vector<double>>& bwd, double p2p, int microbatches,
                                      Schedule schedule, const std::vector<std::vector<double>>* wgrad = nullptr,
                                      std::vector<std::vector<PipelineTask>>* realized = nullptr);

// Time of a list of ops on one GPU: compute-stream work and the communication left exposed, per group.
struct ListCost {
  double compute = 0;  // everything that runs on the compute stream
  double wgrad = 0;    // of which weight-gradient work (ZB-H1's W pass)
  double tp = 0, cp = 0, dp = 0, ep = 0;  // exposed communication per group
  double total() const { return compute + tp + cp + dp + ep; }
};

// Per stage and chunk, one micro-batch's forward, backward (without the W pass under ZB-H1) and weight-gradient
// times; per stage the work of one micro-batch, the exposed data-parallel time of the step (with the overlap
// slowdown of what hides), the optimizer; and the stage-to-stage transfer time. Both engines use it: the analytic
// engine to schedule the pipeline, the event engine to take the same ZB-H1 order.
struct PassTimes {
  std::vector<std::vector<double>> fwd, bwd, wgrad;
  std::vector<ListCost> per_mb;
  std::vector<double> dp_exposed, grad_penalty, gather_penalty, optimizer;
  double p2p = 0;
};
PassTimes pass_times(const Scenario& sc, const ComputeModel& cm, const CollectiveModel& coll, const Workload& w);

// One op of the workload with its modelled time, for `aiscale simulate --ops`.
struct OpTiming {
  std::string section;  // "layer forward", "layer backward", "embedding", "head", "step"
  Op op;
  double time_s = 0;
};
std::vector<OpTiming> time_ops(const Scenario& sc, const CalibrationProfile& profile);

// Runs the analytic engine on a parsed scenario with its calibration profile.
Result simulate_analytic(const Scenario& sc, const CalibrationProfile& profile);
// Same, on a workload built beforehand (sweeps reuse it).
Result simulate_analytic(const Scenario& sc, const CalibrationProfile& profile, const Workload& w);

}  // namespace aiscale

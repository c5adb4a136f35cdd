// Event engine on mixture-of-experts plans (expert-parallel all-to-alls, expert tensor and data parallelism), the
// zero-bubble ZB-H1 schedule and uneven pipeline stages: agreement with the analytic engine and trace structure.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "models/workload.hpp"
#include "sim/analytic.hpp"
#include "sim/event_engine.hpp"
#include "tests/scenario_support.hpp"

using namespace aiscale;

namespace {

// GPT 1.7B on 16 A100s, tp 4 with SP, 4 pipeline stages, 8 micro-batches.
nlohmann::json pipeline_doc() {
  return nlohmann::json::parse(R"({
    "schema": "aiscale/scenario/v1", "name": "pp4", "model": "gpt-1.7b",
    "cluster": {"gpu": "a100-sxm4-80gb", "nodes": 2, "gpus_per_node": 8},
    "parallelism": {"tp": 4, "pp": 4, "dp": 1, "micro_batch": 1, "sequence_parallel": true},
    "training": {"global_batch": 8, "seq_len": 2048, "precision": "bf16"}})");
}

using test_support::parse;
using test_support::profile;

struct Pair {
  Result a, e;
  EventStats stats;
};

Pair both(const nlohmann::json& doc, const char* what) {
  const Scenario sc = parse(doc);
  const CalibrationProfile prof = profile(sc);
  Pair p;
  p.a = simulate_analytic(sc, prof);
  const EventRun run = run_event(sc, prof);
  p.e = run.result;
  p.stats = run.stats;
  std::printf("%-40s analytic %.5f s (ep %.5f)  event %.5f s (ep %.5f)  %+.2f%%  [%ld transfers]\n", what,
              p.a.step_time_s, p.a.breakdown.ep, p.e.step_time_s, p.e.breakdown.ep,
              100 * (p.e.step_time_s - p.a.step_time_s) / p.a.step_time_s, run.stats.transfers);
  return p;
}

void expect_agree(const Pair& p, double tol = 0.05) {
  EXPECT_NEAR(p.e.step_time_s, p.a.step_time_s, tol * p.a.step_time_s);
}

// Every track of a Chrome trace (pid = GPU, tid = stream): no two ops overlap. Returns the op names seen.
std::multiset<std::string> check_trace(const std::string& trace, const Result& r) {
  const auto j = nlohmann::json::parse(trace);
  std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> spans;
  std::multiset<std::string> names;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] != "X") continue;
    const std::string name = e["name"];
    const auto slash = name.rfind('/');
    names.insert(slash == std::string::npos ? name : name.substr(slash + 1));
    spans[{e["pid"].get<int>(), e["tid"].get<int>()}].push_back({e["ts"].get<double>(), e["dur"].get<double>()});
  }
  double end = 0;
  for (auto& [track, v] : spans) {
    std::sort(v.begin(), v.end());
    for (size_t i = 1; i < v.size(); ++i)
      EXPECT_LE(v[i - 1].first + v[i - 1].second, v[i].first + 1e-9)
          << "overlap on gpu " << track.first << " stream " << track.second << " at " << v[i].first;
    end = std::max(end, v.back().first + v.back().second);
  }
  EXPECT_NEAR(end * 1e-6, r.step_time_s, 1e-6 + 1e-3 * r.step_time_s);
  return names;
}

}  // namespace

// EP all-to-alls inside a node (ep 4 over tp lanes), expert gradients over edp, dense over dp: both engines agree and
// both charge expert-parallel communication.
TEST(EventMoe, ExpertParallelAgreesWithAnalytic) {
  const Pair p = both(test_support::small_moe_doc(), "moe tp2 ep4 dp8");
  expect_agree(p);
  EXPECT_GT(p.a.breakdown.ep, 0);
  EXPECT_GT(p.e.breakdown.ep, 0);
  EXPECT_NEAR(p.e.breakdown.ep, p.a.breakdown.ep, 0.05 * p.a.breakdown.ep);
  EXPECT_GT(p.e.breakdown.dp, 0);  // dense and expert gradient syncs
  // All-to-alls overlapped with compute (ep_comm_overlap) arrive at the layer's start and are waited for at its end.
  nlohmann::json d = test_support::small_moe_doc();
  d["parallelism"]["ep_comm_overlap"] = true;
  const Pair ovl = both(d, "moe tp2 ep4 overlapped all-to-alls");
  expect_agree(ovl);
  EXPECT_LT(ovl.e.breakdown.ep, p.e.breakdown.ep);
  EXPECT_LT(ovl.e.step_time_s, p.e.step_time_s);
}

// EP groups wider than a node (ep 8 over tp 2 = 16 ranks: the all-to-all crosses the NICs), with and without expert
// tensor parallelism (etp 1 regroups the tp ranks: the EP communicator's members are tp-group workers whose lanes
// are not tp lanes), pipelined, with overlapped gradient buckets (dense and expert).
TEST(EventMoe, CrossNodeExpertParallelAndExpertTensorParallel) {
  nlohmann::json d = test_support::small_moe_doc();
  d["parallelism"]["ep"] = 8;
  const Pair wide = both(d, "moe tp2 ep8 (cross-node)");
  expect_agree(wide);
  EXPECT_GT(wide.e.breakdown.ep, 0);
  d["parallelism"]["etp"] = 1;
  const Pair etp1 = both(d, "moe tp2 etp1 ep8");
  expect_agree(etp1);
  EXPECT_GT(etp1.e.breakdown.ep, 0);
  d = test_support::small_moe_doc();
  d["parallelism"]["pp"] = 2;
  d["parallelism"]["overlap_grad_reduce"] = true;
  d["training"]["global_batch"] = 64;
  const Pair piped = both(d, "moe tp2 ep4 pp2 overlapped grads");
  expect_agree(piped);
}

// The timeline of an MoE step has the dispatch and combine all-to-alls (on the EP stream of every GPU), and no two
// ops of one stream overlap.
TEST(EventMoe, TraceHasDispatchAndCombineWithoutOverlap) {
  nlohmann::json d = test_support::small_moe_doc();
  d["training"]["global_batch"] = 16;
  const Scenario sc = parse(d);
  EventOptions o;
  o.trace = true;
  const EventRun run = run_event(sc, profile(sc), o);
  const auto names = check_trace(run.trace, run.result);
  // 4 layers x 2 micro-batches x (forward + backward) on each of 16 GPUs.
  EXPECT_EQ(names.count("ep_dispatch"), 4u * 2 * 2 * 16);
  EXPECT_EQ(names.count("ep_combine"), 4u * 2 * 2 * 16);
  EXPECT_GT(names.count("expert_fc1"), 0u);
  EXPECT_GT(names.count("edp_grad_reduce_scatter"), 0u);
  const auto j = nlohmann::json::parse(run.trace);
  bool ep_track = false;
  for (const auto& e : j["traceEvents"])
    ep_track = ep_track || (e["ph"] == "M" && e["name"] == "thread_name" && e["args"]["name"] == "ep comm");
  EXPECT_TRUE(ep_track);
  // TP 8 (one node) with EP 2 across the nodes: TP and expert-TP collectives are folded (replayed inside the
  // compute runs, expert ones on the EP track), the all-to-alls cross the NICs; still no overlap on any track.
  d["parallelism"]["tp"] = 8;
  d["parallelism"]["ep"] = 2;
  const Scenario folded = parse(d);
  const EventRun fr = run_event(folded, profile(folded), o);
  EXPECT_GT(fr.stats.folded, 0);
  const auto fnames = check_trace(fr.trace, fr.result);
  EXPECT_GT(fnames.count("etp_ag"), 0u);
  EXPECT_GT(fnames.count("ep_combine"), 0u);
  const Result fa = simulate_analytic(folded, profile(folded));
  EXPECT_NEAR(fr.result.step_time_s, fa.step_time_s, 0.05 * fa.step_time_s);
}

// ZB-H1 runs the analytic engine's realized order (deferred W passes); the engines agree and the event engine finds
// it faster than 1F1B, with the same work.
TEST(EventZeroBubble, AgreesWithAnalyticAndBeatsOneFOneB) {
  nlohmann::json d = pipeline_doc();
  d["parallelism"]["schedule"] = "zb-h1";
  const Pair zb = both(d, "gpt-1.7b pp4 zb-h1");
  expect_agree(zb);
  d["parallelism"]["schedule"] = "1f1b";
  const Pair ofob = both(d, "gpt-1.7b pp4 1f1b");
  expect_agree(ofob);
  EXPECT_LT(zb.e.step_time_s, ofob.e.step_time_s * 0.99);
  EXPECT_LT(zb.e.breakdown.bubble, ofob.e.breakdown.bubble);
  EXPECT_NEAR(zb.e.breakdown.compute, ofob.e.breakdown.compute, 1e-9 * ofob.e.breakdown.compute);
  // With data parallelism and overlapped gradient reduction, the buckets leave with the last W passes.
  d["parallelism"]["schedule"] = "zb-h1";
  d["parallelism"]["dp"] = 2;
  d["parallelism"]["overlap_grad_reduce"] = true;
  d["cluster"]["nodes"] = 4;
  d["training"]["global_batch"] = 16;
  const Pair zb_dp = both(d, "gpt-1.7b pp4 dp2 zb-h1");
  expect_agree(zb_dp);
  EXPECT_GT(zb_dp.e.breakdown.dp, 0);
}

// ZB-H1 on an MoE model: the W passes of expert layers carry the expert weight gradients.
TEST(EventZeroBubble, MoePipeline) {
  nlohmann::json d = test_support::small_moe_doc();
  d["parallelism"]["pp"] = 2;
  d["parallelism"]["schedule"] = "zb-h1";
  d["training"]["global_batch"] = 64;
  expect_agree(both(d, "moe tp2 ep4 pp2 zb-h1"));
}

// Uneven stages (Megatron decoder_first/last_pipeline_num_layers) and layers of two kinds (dense first layer, MoE
// after) reach the event engine through the workload's chunk spans.
TEST(EventPipeline, UnevenStagesAndLayerKinds) {
  nlohmann::json d = pipeline_doc();
  d["parallelism"]["first_stage_layers"] = 4;
  d["parallelism"]["last_stage_layers"] = 4;
  const Pair uneven = both(d, "gpt-1.7b pp4 4/8/8/4 layers");
  expect_agree(uneven);
  d = test_support::small_moe_doc();
  d["model"]["layers"] = 6;
  d["model"]["moe"]["first_dense"] = 1;
  d["parallelism"]["pp"] = 2;
  d["parallelism"]["first_stage_layers"] = 2;
  d["training"]["global_batch"] = 64;
  const Scenario sc = parse(d);
  const Workload w = build_workload(sc);
  ASSERT_EQ(w.kinds.size(), 2u);
  EXPECT_EQ(w.kind_counts(0, 0), (std::vector<int>{1, 1}));
  EXPECT_EQ(w.kind_counts(1, 0), (std::vector<int>{0, 4}));
  expect_agree(both(d, "moe 2/4 layers, first dense"));
}

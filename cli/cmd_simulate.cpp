#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/common.hpp"
#include "models/calibration_profile.hpp"
#include "models/error.hpp"
#include "sim/analytic.hpp"
#include "sim/event_engine.hpp"

namespace aiscale::cli {

void add_simulate_command(CLI::App& app) {
  struct Opts {
    std::optional<std::string> scenario;
    std::vector<std::string> sets;
    bool json = false, csv = false;
    std::string engine = "analytic";
    std::string output;
    bool ops = false;
    bool exact = false;
    std::string trace;
    std::vector<std::string> algorithms;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("simulate", "Predict step time, throughput, MFU, memory, time and cost to train");
  cmd->add_option("scenario", o->scenario, "Scenario file (aiscale/scenario/v1); the built-in default when omitted");
  cmd->add_option("--set", o->sets, "Override a field: --set parallelism.tp=4 (repeatable)");
  auto* j = cmd->add_flag("--json", o->json, "Print the Result v1 JSON");
  cmd->add_flag("--csv", o->csv, "Print one CSV header and row")->excludes(j);
  cmd->add_option("--engine", o->engine, "Engine: analytic (closed form) or event (SimGrid: contention, overlap, timeline)")
      ->check(CLI::IsMember({"analytic", "event"}));
  cmd->add_flag("--exact", o->exact, "Event engine: one flow per algorithm step and no symmetry folding (slower)");
  cmd->add_option("--trace", o->trace, "Event engine: write the Chrome trace (Perfetto JSON) of the step to FILE");
  cmd->add_option("--algorithm", o->algorithms,
                  "Event engine: force a collective algorithm, OP=ALG (all_reduce=tree; ring, tree, hierarchical, "
                  "pairwise, direct, auto); repeatable");
  cmd->add_flag("--ops", o->ops, "Also list every op of one layer, the embedding, head and step with its time");
  cmd->add_option("-o,--output", o->output, "Write the output to FILE instead of standard output");
  cmd->callback([o] {
    check_outputs({{"--trace", o->trace}, {"-o", o->output}});  // all destinations before any work
    const Scenario sc = load_scenario(o->scenario, o->sets);
    const CalibrationProfile prof = load_profile(sc.calibration, sc.cluster.gpu, sc.base_dir);
    const bool event = o->engine == "event";
    if (!event && (o->exact || !o->trace.empty() || !o->algorithms.empty()))
      throw Error("--engine", "--exact, --trace and --algorithm need --engine event");
    Result r;
    std::vector<std::pair<std::string, std::string>> files;  // written together at the end
    if (event) {
      EventOptions eo = parse_event_options(sc.engine);  // the scenario's "engine" section; flags override it
      eo.exact = eo.exact || o->exact;
      eo.trace = !o->trace.empty();
      for (const std::string& a : o->algorithms) {
        const size_t eq = a.find('=');
        if (eq == std::string::npos)
          throw Error("--algorithm", "expected OP=ALG (e.g. all_reduce=tree), got '" + a + "'");
        eo.algorithms[parse_coll_op(a.substr(0, eq), "--algorithm")] = parse_algorithm(a.substr(eq + 1), "--algorithm");
      }
      EventRun run = run_event(sc, prof, eo);
      if (eo.trace) files.emplace_back(o->trace, std::move(run.trace));
      r = std::move(run.result);
    } else {
      r = simulate_analytic(sc, prof);
    }
    std::string out;
    if (o->json)
      out = to_json(r, sc).dump(2) + "\n";
    else if (o->csv)
      out = to_csv_header() + "\n" + to_csv_row(r) + "\n";
    else
      out = to_report(r, sc);
    if (o->ops && !o->json && !o->csv) out += "\n" + ops_table(time_ops(sc, prof));
    if (!o->output.empty()) files.emplace_back(o->output, out);
    write_files_atomic(files);
    if (o->output.empty()) std::cout << out;
  });
}

}  // namespace aiscale::cli

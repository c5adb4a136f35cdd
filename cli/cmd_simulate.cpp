#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "api/aiscale.hpp"
#include "cli/common.hpp"
#include "models/error.hpp"

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
    api::SimulateOptions so;
    so.engine = parse_engine(o->engine, "--engine");
    if (so.engine != Engine::event && (o->exact || !o->trace.empty() || !o->algorithms.empty()))
      throw Error("--engine", "--exact, --trace and --algorithm need --engine event");
    so.exact = o->exact;
    so.trace = !o->trace.empty();
    for (const std::string& a : o->algorithms) {
      const size_t eq = a.find('=');
      if (eq == std::string::npos) throw Error("--algorithm", "expected OP=ALG (e.g. all_reduce=tree), got '" + a + "'");
      so.algorithms[parse_coll_op(a.substr(0, eq), "--algorithm")] = parse_algorithm(a.substr(eq + 1), "--algorithm");
    }
    so.ops = o->ops && !o->json && !o->csv;
    const Scenario sc = load_scenario(o->scenario, o->sets);
    api::Simulation run = api::simulate(sc, so);
    std::string out;
    if (o->json)
      out = to_json(run.result, sc).dump(2) + "\n";
    else if (o->csv)
      out = to_csv_header() + "\n" + to_csv_row(run.result) + "\n";
    else
      out = to_report(run.result, sc);
    if (so.ops) out += "\n" + ops_table(run.ops);
    std::vector<std::pair<std::string, std::string>> files;  // written together at the end
    if (so.trace) files.emplace_back(o->trace, std::move(run.trace));
    if (!o->output.empty()) files.emplace_back(o->output, out);
    write_files_atomic(files);
    if (o->output.empty()) std::cout << out;
  });
}

}  // namespace aiscale::cli

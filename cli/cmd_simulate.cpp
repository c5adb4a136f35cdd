#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/common.hpp"
#include "models/calibration_profile.hpp"
#include "sim/analytic.hpp"

namespace aiscale::cli {

void add_simulate_command(CLI::App& app) {
  struct Opts {
    std::optional<std::string> scenario;
    std::vector<std::string> sets;
    bool json = false, csv = false;
    std::string engine = "analytic";
    std::string output;
    bool ops = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("simulate", "Predict step time, throughput, MFU, memory, time and cost to train");
  cmd->add_option("scenario", o->scenario, "Scenario file (aiscale/scenario/v1); the built-in default when omitted");
  cmd->add_option("--set", o->sets, "Override a field: --set parallelism.tp=4 (repeatable)");
  auto* j = cmd->add_flag("--json", o->json, "Print the Result v1 JSON");
  cmd->add_flag("--csv", o->csv, "Print one CSV header and row")->excludes(j);
  cmd->add_option("--engine", o->engine, "Engine: analytic")->check(CLI::IsMember({"analytic"}));
  cmd->add_flag("--ops", o->ops, "Also list every op of one layer, the embedding, head and step with its time");
  cmd->add_option("-o,--output", o->output, "Write the output to FILE instead of standard output");
  cmd->callback([o] {
    const Scenario sc = load_scenario(o->scenario, o->sets);
    const CalibrationProfile prof = load_profile(sc.calibration, sc.cluster.gpu, sc.base_dir);
    const Result r = simulate_analytic(sc, prof);
    std::string out;
    if (o->json)
      out = to_json(r, sc).dump(2) + "\n";
    else if (o->csv)
      out = to_csv_header() + "\n" + to_csv_row(r) + "\n";
    else
      out = to_report(r, sc);
    if (o->ops && !o->json && !o->csv) out += "\n" + ops_table(time_ops(sc, prof));
    if (o->output.empty())
      std::cout << out;
    else
      write_file_atomic(o->output, out);
  });
}

}  // namespace aiscale::cli

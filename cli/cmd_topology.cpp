// `aiscale topology`: builds the scenario's cluster network and prints its bill of materials and analyses.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/aiscale.hpp"
#include "cli/common.hpp"

namespace aiscale::cli {

namespace {

struct TopologyArgs {
  std::optional<std::string> scenario;
  std::vector<std::string> sets;
  std::string dot;
  std::string simgrid;
  bool json = false;
};

void run_topology(const TopologyArgs& args) {
  check_outputs({{"--dot", args.dot}, {"--simgrid", args.simgrid}});  // all destinations before any work
  const Scenario s = load_scenario(args.scenario, args.sets);
  const api::NetworkView net = api::build_network(s);
  const topology::Topology& topo = net.topology;
  const topology::Analysis& analysis = net.analysis;
  std::vector<std::pair<std::string, std::string>> files;
  if (!args.dot.empty()) files.emplace_back(args.dot, topology::to_dot(topo));
  if (!args.simgrid.empty()) files.emplace_back(args.simgrid, topology::to_simgrid_platform(topo));
  write_files_atomic(files);
  if (args.json) {
    nlohmann::ordered_json j = topology::to_json(topo, analysis);
    j["scenario"] = s.name;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << topology::render_bom(topo, analysis, s.name);
  }
}

}  // namespace

void add_topology_command(CLI::App& app) {
  auto args = std::make_shared<TopologyArgs>();
  auto* cmd = app.add_subcommand("topology", "Build the cluster network and print its bill of materials");
  cmd->add_option("scenario", args->scenario, "Scenario file (default: the built-in example)");
  cmd->add_option("--set", args->sets, "Override a scenario field, e.g. --set cluster.scale_out.tiers=3");
  cmd->add_option("--dot", args->dot, "Write the graph as GraphViz DOT to FILE");
  cmd->add_option("--simgrid", args->simgrid, "Write the SimGrid platform XML to FILE");
  cmd->add_flag("--json", args->json, "Print the JSON summary instead of the table");
  cmd->callback([args] { run_topology(*args); });
}

}  // namespace aiscale::cli

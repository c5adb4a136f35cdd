// aiscale: discrete-event simulator and capacity planner for AI supercomputers.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "cli/common.hpp"
#include "models/error.hpp"
#include "sim/cancel.hpp"

namespace aiscale::cli {
int g_exit_code = kExitOk;

namespace {
// "flag: message", or the message alone for an error that names no field.
std::string located(const std::string& path, const std::string& message) {
  const std::string where = flag_for(path);
  return where.empty() ? message : where + ": " + message;
}
}  // namespace
}  // namespace aiscale::cli

int main(int argc, char** argv) {
  using namespace aiscale::cli;
  CLI::App app{"aiscale: simulate and plan large-scale AI training (step time, MFU, memory, cost, energy)"};
  app.set_version_flag("--version", "aiscale 0.1.0");
  app.require_subcommand(1);
  add_simulate_command(app);
  add_validate_command(app);
  add_bench_command(app);
  add_catalog_command(app);
  add_topology_command(app);
  add_calibrate_command(app);
  add_sweep_command(app);
  add_plan_command(app);
  try {
    std::string names;
    bool known = false;
    for (const CLI::App* s : app.get_subcommands({})) {
      names += (names.empty() ? "" : ", ") + s->get_name();
      known = known || (argc > 1 && s->check_name(argv[1]));
    }
    if (argc > 1 && argv[1][0] != '-' && !known)
      throw aiscale::Error(std::string("unknown subcommand '") + argv[1] + "'", "use one of " + names);
    app.parse(argc, argv);
    flush_stdout();  // a full disk or closed pipe on standard output is an error, not a silent success
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "aiscale: error: " << e.what() << " (see --help)\n";
    return kExitBadInput;
  } catch (const aiscale::ValidationError& e) {
    for (const auto& i : e.issues()) std::cerr << "aiscale: error: " << located(i.path, i.message) << "\n";
    return kExitBadInput;
  } catch (const aiscale::Error& e) {
    std::cerr << "aiscale: error: " << located(e.path(), e.message()) << "\n";
    return kExitBadInput;
  } catch (const aiscale::Cancelled&) {
    std::cerr << "aiscale: interrupted\n";
    return kExitInterrupted;
  } catch (const std::exception& e) {
    std::cerr << "aiscale: internal error: " << e.what() << "\n";
    return 3;
  }
  return g_exit_code;
}

// aiscale calibrate: run the GPU benchmarks, import nccl-tests logs, fit and show calibration profiles.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sys/wait.h>

#include "api/aiscale.hpp"
#include "cli/common.hpp"
#include "models/error.hpp"

namespace aiscale::cli {

namespace {

namespace fs = std::filesystem;
using namespace aiscale::calibration;

void emit(const std::string& out, const std::string& text) {
  if (out.empty() || out == "-")
    std::cout << text;
  else
    write_file_atomic(out, text);
}

// aiscale-calibrate: $AISCALE_CALIBRATE, beside this binary, in the build tree's calibration/, then on PATH.
std::string find_benchmark_tool() {
  if (const char* env = std::getenv("AISCALE_CALIBRATE"); env && *env) return fs::exists(env) ? env : "";
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& p : {self.parent_path() / "aiscale-calibrate",
                              self.parent_path().parent_path() / "calibration" / "aiscale-calibrate"})
      if (fs::exists(p)) return p.string();
  }
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    for (size_t a = 0, b; a <= dirs.size(); a = b + 1) {
      b = dirs.find(':', a);
      if (b == std::string::npos) b = dirs.size();
      const fs::path p = fs::path(dirs.substr(a, b - a)) / "aiscale-calibrate";
      if (b > a && ::access(p.c_str(), X_OK) == 0) return p.string();
    }
  }
  return "";
}

std::string shell_quote(const std::string& s) {
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

void cmd_run(bool quick, const std::string& out, const std::string& scenario, const std::string& gpu) {
  const std::string tool = find_benchmark_tool();
  if (tool.empty())
    throw Error("calibrate run", "no GPU can be measured: this aiscale was built without the CUDA Toolkit "
                                 "(aiscale-calibrate not found); nothing written");
  std::string cmd = shell_quote(tool) + " -o " + shell_quote(out);
  if (quick) cmd += " --quick";
  if (!scenario.empty()) cmd += " --scenario " + shell_quote(scenario);
  if (!gpu.empty()) cmd += " --gpu " + shell_quote(gpu);
  cmd += " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) throw Error("calibrate run", "cannot start " + tool);
  // Progress lines pass through; the tool's own error line becomes ours, so the user sees exactly one.
  std::string line, error;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) {
    line += buf;
    if (line.empty() || line.back() != '\n') continue;
    const std::string prefix = "aiscale-calibrate: error: ";
    if (line.rfind(prefix, 0) == 0)
      error = line.substr(prefix.size(), line.size() - prefix.size() - 1);
    else
      std::cout << line << std::flush;
    line.clear();
  }
  const int status = ::pclose(pipe);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  if (code != 0)
    throw Error("calibrate run", (error.empty() ? "aiscale-calibrate failed (exit " + std::to_string(code) + ")"
                                                : error));
}

void cmd_import(const std::vector<std::string>& logs, const std::string& out, const std::string& gpu,
                const NcclParseHints& hints) {
  const api::NcclImport imp = api::import_nccl_tests(logs, gpu, hints);
  emit(out, dump_profile(imp.document));
  if (!out.empty() && out != "-") {
    const CalibrationProfile p = parse_profile(imp.document, *imp.gpu, out);
    std::printf("imported %zu log(s), %zu points for %s into %s\n", imp.logs.size(), p.collective_points.size(),
                imp.gpu->name.c_str(), out.c_str());
    std::cout << fit_summary(p.collective_curves, p.collective_points);
  }
}

void cmd_fit(const std::string& in, const std::string& out) {
  const nlohmann::json doc = api::read_profile_doc(in);
  emit(out, dump_profile(api::fit_profile(doc, profile_gpu(doc, in), in)));
}

void cmd_show(const std::string& in, const std::string& plot) {
  const api::CalibrationView v = api::calibration_view(in, api::read_profile_doc(in));
  std::cout << calibration_report(in, v);
  if (!plot.empty()) {
    write_file_atomic(plot, plot_svg(v.profile, v.curves, v.gpu->peak(Precision::bf16).value / 1e12));
    std::cout << "\nplot written to " << plot << "\n";
  }
}

}  // namespace

void add_calibrate_command(CLI::App& app) {
  auto* cal = app.add_subcommand("calibrate", "Measure GPUs, import nccl-tests logs, fit and show calibration profiles");
  cal->require_subcommand(1);

  struct Args {
    bool quick = false;
    std::string out, scenario, gpu, plot, profile, op, algo;
    int ranks = 0, nodes = 0;
    std::vector<std::string> logs;
  };
  auto a = std::make_shared<Args>();

  auto* run = cal->add_subcommand("run", "Run the GPU microbenchmarks (aiscale-calibrate) and write a profile");
  run->add_flag("--quick", a->quick, "Fewer repetitions and sizes (a machine check, not a planning profile)");
  run->add_option("-o,--output", a->out, "Profile to write")->default_val("calibration.json");
  run->add_option("--scenario", a->scenario, "Also time the GEMM shapes of this scenario's layers");
  run->add_option("--gpu", a->gpu, "Catalog GPU name (default: from the device name)");
  run->callback([a] { cmd_run(a->quick, a->out, a->scenario, a->gpu); });

  auto* imp = cal->add_subcommand("import-nccl-tests", "Read nccl-tests logs into a profile and fit its collectives");
  imp->add_option("LOG", a->logs, "nccl-tests output files (all_reduce_perf, all_gather_perf, ...)")->required();
  imp->add_option("-o,--output", a->out, "Profile to write (default: print it)");
  imp->add_option("--gpu", a->gpu, "Catalog GPU name when the logs have no device list");
  imp->add_option("--op", a->op, "Collective, when neither the log nor its file name says");
  imp->add_option("--ranks", a->ranks, "GPUs in the run, when the log has no device list");
  imp->add_option("--nodes", a->nodes, "Nodes in the run, when the log has no device list");
  imp->add_option("--algo", a->algo, "NCCL_ALGO the run forced, when the log does not record it");
  imp->callback([a] {
    NcclParseHints h;
    if (!a->op.empty()) parse_coll_op(a->op);  // reject a misspelt --op before reading anything
    h.op = a->op, h.ranks = a->ranks, h.nodes = a->nodes, h.algo = a->algo;
    cmd_import(a->logs, a->out, a->gpu, h);
  });

  auto* fit = cal->add_subcommand("fit", "Refit a profile's curves (collectives per op, scope and ranks; GEMM)");
  fit->add_option("PROFILE", a->profile, "Profile file or shipped profile name")->required();
  fit->add_option("-o,--output", a->out, "Where to write the fitted profile (default: print it)");
  fit->callback([a] { cmd_fit(a->profile, a->out); });

  auto* show = cal->add_subcommand("show", "Print a profile's fitted curves with their residuals");
  show->add_option("PROFILE", a->profile, "Profile file or shipped profile name")->required();
  show->add_option("--plot", a->plot, "Also write an SVG plot of measurements and fits");
  show->callback([a] { cmd_show(a->profile, a->plot); });
}

}  // namespace aiscale::cli

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

#include "calibration/collective_fit.hpp"
#include "calibration/nccl_tests.hpp"
#include "calibration/profile_io.hpp"
#include "calibration/svg_plot.hpp"
#include "cli/common.hpp"
#include "models/error.hpp"

namespace aiscale::cli {

namespace {

namespace fs = std::filesystem;
using namespace aiscale::calibration;

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string pct(double frac, int n) { return n ? fmt("%.2f%%", frac * 100) : std::string("-"); }

// A profile by file path, else by shipped name.
nlohmann::json read_profile_doc(const std::string& name_or_path) {
  if (fs::exists(name_or_path)) return read_json_file(name_or_path);
  const std::string text = shipped_profile_text(name_or_path);
  if (!text.empty()) return nlohmann::json::parse(text);
  const std::string near = nearest(name_or_path, shipped_profile_names());
  throw Error(name_or_path, "neither a profile file nor a shipped profile" +
                                (near.empty() ? std::string() : " (did you mean '" + near + "'?)"));
}

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

void print_fit_summary(const std::vector<CollectiveCurve>& curves, const std::vector<CollectivePoint>& points) {
  std::printf("%-15s %-8s %5s %5s %-7s %7s %8s %12s %12s\n", "op", "scope", "ranks", "nodes", "algo", "points",
              "regimes", "MAE >=1MB", "MAE <1MB");
  for (const auto& c : curves) {
    const FitAccuracy a = accuracy(residuals(c, points));
    std::printf("%-15s %-8s %5d %5d %-7s %7d %8zu %12s %12s\n", c.op.c_str(), c.scope.c_str(), c.ranks, c.nodes,
                c.algo.empty() ? "nccl" : c.algo.c_str(), c.points, c.regimes.size(), pct(a.mae_large, a.n_large).c_str(),
                pct(a.mae_small, a.n_small).c_str());
  }
}

void cmd_import(const std::vector<std::string>& logs, const std::string& out, const std::string& gpu_opt,
                const NcclParseHints& hints) {
  std::vector<NcclTestsLog> parsed;
  for (const auto& f : logs) parsed.push_back(read_nccl_tests(f, hints));
  std::string gpu = gpu_opt;
  for (const auto& l : parsed)
    if (gpu.empty() && !l.gpu_name.empty()) gpu = gpu_from_device_name(l.gpu_name);
  if (gpu.empty())
    throw Error("--gpu", "the logs do not name a GPU this catalog knows: pass --gpu (e.g. --gpu h100-sxm)");
  const GpuSpec* spec = find_gpu(gpu);
  if (!spec) {
    const std::string near = nearest(gpu, gpu_names());
    throw Error("--gpu", "unknown GPU '" + gpu + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
  }
  const nlohmann::json doc = profile_from_nccl_logs(parsed, *spec);
  emit(out, dump_profile(doc));
  if (!out.empty() && out != "-") {
    const CalibrationProfile p = parse_profile(doc, *spec, out);
    std::printf("imported %zu log(s), %zu points for %s into %s\n", parsed.size(), p.collective_points.size(),
                spec->name.c_str(), out.c_str());
    print_fit_summary(p.collective_curves, p.collective_points);
  }
}

void cmd_fit(const std::string& in, const std::string& out) {
  const nlohmann::json doc = read_profile_doc(in);
  emit(out, dump_profile(fit_profile(doc, profile_gpu(doc, in), in)));
}

void cmd_show(const std::string& in, const std::string& plot) {
  const nlohmann::json doc = read_profile_doc(in);
  const GpuSpec& gpu = profile_gpu(doc, in);
  const CalibrationProfile p = parse_profile(doc, gpu, in);
  std::printf("profile %s: gpu %s\nsource: %s\n\n", in.c_str(), p.gpu.c_str(), p.source.c_str());

  std::printf("GEMM: t = FLOPs / (efficiency x peak) + overhead\n");
  std::printf("%-6s %10s %10s %8s %10s %14s\n", "dtype", "peak TF/s", "efficiency", "overhead", "points", "max residual");
  for (const auto& [d, f] : p.gemm_fits)
    std::printf("%-6s %10.1f %10.3f %8s %10d %13.1f%%\n", to_string(d).c_str(), gpu.peak(d).value / 1e12, f.efficiency,
                format_time(f.overhead_s).c_str(), f.points, f.max_rel_residual * 100);
  std::printf("\n%-26s %-6s %10s %10s %9s\n", "shape (m x n x k)", "dtype", "measured", "fitted", "residual");
  for (const auto& g : p.gemm_points) {
    const GemmFit& f = p.gemm_fit(g.dtype);
    const double flops = 2 * g.m * g.n * g.k, peak = gpu.peak(g.dtype).value;
    if (peak <= 0 || f.efficiency <= 0) continue;
    const double fitted = flops / (flops / (f.efficiency * peak) + f.overhead_s) / 1e12;
    const std::string shape = fmt("%.0f", g.m) + " x " + fmt("%.0f", g.n) + " x " + fmt("%.0f", g.k);
    std::printf("%-26s %-6s %10.1f %10.1f %8.1f%%\n", shape.c_str(), to_string(g.dtype).c_str(), g.tflops, fitted,
                (fitted / g.tflops - 1) * 100);
  }

  std::printf("\nmemory: copy %s, triad %s; launch overhead %s\n", format_bandwidth(p.copy_bandwidth.value).c_str(),
              format_bandwidth(p.triad_bandwidth.value).c_str(), format_time(p.launch_overhead.value).c_str());
  std::printf("NVLink alpha-beta (used where no fitted curve applies): latency %s, all-reduce busbw %s\n",
              format_time(p.nvlink.latency.value).c_str(), format_bandwidth(p.nvlink.all_reduce_busbw.value).c_str());

  // Curves stored in the profile; points without a stored curve are fitted here so their residuals still show.
  std::vector<CollectiveCurve> curves = p.collective_curves;
  bool fitted_now = false;
  for (const auto& c : fit_collectives(p.collective_points)) {
    const bool stored = std::any_of(curves.begin(), curves.end(), [&](const auto& s) {
      return s.op == c.op && s.scope == c.scope && s.ranks == c.ranks && s.nodes == c.nodes && s.algo == c.algo;
    });
    if (!stored) curves.push_back(c), fitted_now = true;
  }
  if (!curves.empty()) {
    std::printf("\ncollectives: piecewise alpha-beta, t = latency + busfactor x bytes / busbw per size regime%s\n",
                fitted_now ? " (some fitted now: `aiscale calibrate fit` stores them)" : "");
    print_fit_summary(curves, p.collective_points);
  }
  for (const auto& c : curves) {
    std::printf("\n%s, %s, %d ranks on %d node(s)%s\n", c.op.c_str(), c.scope.c_str(), c.ranks, c.nodes,
                c.algo.empty() ? "" : (", NCCL_ALGO=" + c.algo).c_str());
    std::printf("  %-12s %12s %12s\n", "from size", "latency", "busbw");
    for (const auto& g : c.regimes)
      std::printf("  %-12s %12s %12s\n", format_bytes(g.min_bytes).c_str(), format_time(g.latency.value).c_str(),
                  format_bandwidth(g.busbw.value).c_str());
    const auto res = residuals(c, p.collective_points);
    if (res.empty()) continue;
    std::printf("  %-12s %14s %14s %9s\n", "size", "measured busbw", "fitted busbw", "residual");
    for (const auto& r : res)
      std::printf("  %-12s %14s %14s %8.2f%%\n", format_bytes(r.bytes).c_str(),
                  format_bandwidth(r.measured_busbw).c_str(), format_bandwidth(r.fitted_busbw).c_str(),
                  r.rel_error * 100);
  }
  if (!plot.empty()) {
    write_file_atomic(plot, plot_svg(p, curves, gpu.peak(Precision::bf16).value / 1e12));
    std::printf("\nplot written to %s\n", plot.c_str());
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

// aiscale-calibrate: measures this machine's GPUs (GEMM, HBM, P2P, NCCL) and writes a calibration profile.
// Without a usable GPU it says so in one line and exits 1 before creating any file.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "calibration/bench_options.hpp"
#include "calibration/bench_results.hpp"
#include "calibration/cuda/bench_cuda.hpp"
#include "calibration/gemm_shapes.hpp"
#include "calibration/profile_io.hpp"
#include "models/file_io.hpp"
#include "models/error.hpp"
#include "models/scenario.hpp"

#ifdef AISCALE_HAVE_MPI
#include <mpi.h>
#endif

namespace {

using namespace aiscale;
using namespace aiscale::calibration;

std::string today_utc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[16];
  std::strftime(b, sizeof b, "%Y-%m-%d", &tm);
  return b;
}

std::string hostname() {
  char b[256] = {};
  if (gethostname(b, sizeof b - 1) != 0) return "unknown";
  return b;
}

#ifdef AISCALE_HAVE_MPI
// Launched by mpirun/srun: NCCL then spans processes (and nodes), one GPU per rank.
bool launched_under_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}
#endif

int run(int argc, char** argv, gpu::ProcessGroup& group) {
  const BenchOptions o0 = parse_bench_args(std::vector<std::string>(argv + 1, argv + argc));
  if (o0.help) {
    std::cout << bench_usage();
    return 0;
  }
  BenchOptions o = o0;
  // Check for a GPU before anything else, so that a machine without one leaves nothing behind.
  if (const std::string why = gpu::no_gpu_reason(); !why.empty()) {
    std::cerr << "aiscale-calibrate: error: no GPU found (" << why << "); nothing measured, no profile written\n";
    return 1;
  }
#ifdef AISCALE_HAVE_MPI
  if (group.mpi) {
    // One GPU per rank: the rank's index among the processes on its node.
    MPI_Comm local;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, group.rank, MPI_INFO_NULL, &local);
    int local_rank = 0;
    MPI_Comm_rank(local, &local_rank);
    MPI_Comm_free(&local);
    o.device = local_rank;
    char name[MPI_MAX_PROCESSOR_NAME] = {};
    int len = 0;
    MPI_Get_processor_name(name, &len);
    std::vector<char> all(static_cast<size_t>(group.size) * MPI_MAX_PROCESSOR_NAME);
    MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all.data(), MPI_MAX_PROCESSOR_NAME, MPI_CHAR, MPI_COMM_WORLD);
    std::set<std::string> hosts;
    for (int r = 0; r < group.size; ++r) hosts.insert(std::string(&all[r * MPI_MAX_PROCESSOR_NAME]));
    group.nodes = static_cast<int>(hosts.size());
  }
#endif
  const bool leader = group.rank == 0;
  auto log = [&](const std::string& line) {
    if (leader) std::cout << line << std::endl;
  };

  HostInfo host = gpu::device_info(o.device);
  host.hostname = hostname();
  host.date = today_utc();
  const std::string gpu_name = o.gpu.empty() ? gpu_from_device_name(host.gpu_name) : o.gpu;
  const GpuSpec* spec = find_gpu(gpu_name);
  if (!spec)
    throw Error("--gpu", "'" + host.gpu_name + "' is not a catalog GPU; name the closest one with --gpu (" +
                             [] {
                               std::string l;
                               for (const auto& n : gpu_names()) l += (l.empty() ? "" : ", ") + n;
                               return l;
                             }() +
                             ")");
  log("aiscale-calibrate: " + host.gpu_name + " (" + spec->name + "), " + host.driver + ", runtime " + host.cuda);

  BenchResults r;
  r.host = host;
  if (leader && (o.has("gemm") || o.has("memory") || o.has("p2p"))) {
    const double s = gpu::spin_up_clocks(o.device, o.quick ? 0.3 : 1.0, o.quick ? 2.0 : 5.0);
    char line[96];
    std::snprintf(line, sizeof line, "clocks: spun up with %.1f s of 8192^3 bf16 GEMMs", s);
    log(line);
  }
  if (o.has("gemm")) {
    std::vector<GemmShape> shapes = standard_gemm_grid(o.quick);
    if (!o.scenario.empty()) {
      const std::string dir = std::filesystem::path(o.scenario).parent_path().string();
      const Scenario sc = parse_scenario(read_scenario_file(o.scenario), dir.empty() ? "." : dir);
      shapes = merge_shapes(std::move(shapes), scenario_gemm_shapes(sc));
    }
    if (leader) r.gemm = gpu::run_gemm(o, shapes, log);
  }
  if (o.has("memory") && leader) r.memory = gpu::run_memory(o, log);
  if (o.has("p2p") && leader && !group.mpi) r.p2p = gpu::run_p2p(o, log);
  if (leader) r.launch_overhead_s = gpu::run_launch_overhead(o);
  if (o.has("nccl")) {
    r.collectives = gpu::run_nccl(o, group, log);
    for (auto& p : r.collectives) p.source = "aiscale-calibrate on " + host.hostname + ", " + host.date;
  }
  if (!leader) return 0;
  const nlohmann::json doc = profile_from_bench(r, *spec);
  write_file_atomic(o.output, dump_profile(doc));
  log("wrote " + o.output);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  gpu::ProcessGroup group;
#ifdef AISCALE_HAVE_MPI
  if (launched_under_mpi()) {
    MPI_Init(&argc, &argv);
    group.mpi = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &group.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &group.size);
  }
#endif
  int rc = 0;
  try {
    // Without MPI, all local GPUs share one NCCL communicator in this process.
    if (!group.mpi) group.local_gpus = gpu::device_count();
    rc = run(argc, argv, group);
  } catch (const aiscale::Error& e) {
    std::cerr << "aiscale-calibrate: error: " << e.what() << "\n";
    rc = 2;
  } catch (const std::exception& e) {
    std::cerr << "aiscale-calibrate: error: " << e.what() << "\n";
    rc = 3;
  }
#ifdef AISCALE_HAVE_MPI
  if (group.mpi) {
    if (rc != 0 && group.size > 1) MPI_Abort(MPI_COMM_WORLD, rc);  // peers may be waiting in a collective
    MPI_Finalize();
  }
#endif
  return rc;
}

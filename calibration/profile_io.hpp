#pragma once
// Building, fitting and writing calibration profiles (aiscale/calibration/v1) from imported logs and measurements.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibration/nccl_tests.hpp"
#include "models/calibration_profile.hpp"
#include "models/catalog.hpp"

namespace aiscale::calibration {

// Where and when a measurement ran (written as the profile's "host" object and "created" date).
struct HostInfo {
  std::string hostname, gpu_name, driver, cuda, date;  // date as YYYY-MM-DD
};

// Catalog name for a CUDA device name ("NVIDIA H100 80GB HBM3" -> "h100-sxm"); "" when unknown.
std::string gpu_from_device_name(const std::string& device_name);

// The log's result rows as profile points (scope nvlink on one node, network across nodes), citing the log.
std::vector<CollectivePoint> points_from_log(const NcclTestsLog& log);

// Unit-string formatting used in written profiles ("613.3us", "382.99GBps"): exact enough to round-trip the fit.
std::string time_text(double seconds);
std::string bandwidth_text(double bytes_per_s);

// JSON of one measured point / fitted curve, in the profile's format.
nlohmann::json to_json(const CollectivePoint& p);
nlohmann::json to_json(const CollectiveCurve& c);

// Adds `points` to doc.collectives.points, replacing earlier points of the same (op, scope, ranks, nodes).
void merge_collective_points(nlohmann::json& doc, const std::vector<CollectivePoint>& points);

// A profile for `gpu` holding the logs' points (and fitted curves); GEMM, memory and the other sections come from the
// GPU's shipped profile, named in "source". Throws aiscale::Error when no shipped profile applies to the GPU.
nlohmann::json profile_from_nccl_logs(const std::vector<NcclTestsLog>& logs, const GpuSpec& gpu);

// Validates `doc` with parse_profile, then (re)writes its fitted parts: collectives.curves from collectives.points,
// and fits.gemm (efficiency and overhead per dtype). `origin` names the document in errors.
nlohmann::json fit_profile(nlohmann::json doc, const GpuSpec& gpu, const std::string& origin);

// The GPU a profile document is for: its "gpu" field looked up in the catalog (aiscale::Error if unknown).
const GpuSpec& profile_gpu(const nlohmann::json& doc, const std::string& origin);

// Deterministic text of a profile: conventional key order, one point or curve per line, trailing newline.
std::string dump_profile(const nlohmann::json& doc);

// A profile by file path, else by shipped name; neither is an Error naming it (with the nearest shipped name).
nlohmann::json read_profile_doc(const std::string& name_or_path);

// nccl-tests logs read into a new profile: the GPU from `gpu` (a catalog name) or else the logs' device list.
struct NcclImport {
  std::vector<NcclTestsLog> logs;
  const GpuSpec* gpu = nullptr;
  nlohmann::json document;  // the profile (aiscale/calibration/v1), fitted
};
// Errors name calibration.gpu when no GPU can be told or the name is unknown.
NcclImport import_nccl_tests(const std::vector<std::string>& log_paths, const std::string& gpu,
                             const NcclParseHints& hints = {});

}  // namespace aiscale::calibration

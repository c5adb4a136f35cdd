#include "calibration/profile_io.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <tuple>

#include "calibration/collective_fit.hpp"
#include "models/error.hpp"
#include "models/scenario.hpp"

namespace aiscale::calibration {

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool contains(const std::string& s, const char* k) { return s.find(k) != std::string::npos; }

std::string num(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

using Key = std::tuple<std::string, std::string, int, int, std::string>;

Key key_of(const nlohmann::json& p) {
  return {p.value("op", ""), p.value("scope", ""), p.value("ranks", 0), p.value("nodes", 1), p.value("algo", "")};
}

// Keys of a profile in the order people read them; others follow alphabetically.
// Keys of a profile in the order people read them; others follow alphabetically, and a nested "source" comes last.
const std::vector<std::string> kKeyOrder = {
    "schema", "gpu", "applies_to", "source", "host", "created", "gemm", "memory", "attention", "launch_overhead",
    "launch_overhead_source", "overlap", "compute_slowdown", "collectives", "p2p", "fits", "nvlink", "network", "op", "scope", "ranks", "nodes",
    "algo", "bytes", "min_bytes", "time", "in_place_time", "latency", "busbw", "m", "n", "k", "dtype", "tflops",
    "points", "measured_from", "mean_abs_rel_error", "regimes", "curves"};

std::vector<std::string> ordered_keys(const nlohmann::json& obj, bool top_level) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : obj.items()) keys.push_back(k);
  auto rank = [&](const std::string& k) {
    if (k == "source" && !top_level) return kKeyOrder.size() + 1;
    auto it = std::find(kKeyOrder.begin(), kKeyOrder.end(), k);
    return it == kKeyOrder.end() ? kKeyOrder.size() : static_cast<size_t>(it - kKeyOrder.begin());
  };
  std::stable_sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) {
    return std::make_pair(rank(a), a) < std::make_pair(rank(b), b);
  });
  return keys;
}

// One line for small values and for each element of an array of objects; nested objects indented.
void write(const nlohmann::json& v, int indent, bool inline_all, std::string& out) {
  const std::string pad(indent, ' ');
  if (v.is_object()) {
    if (v.empty()) return void(out += "{}");
    const auto keys = ordered_keys(v, indent == 0 && !inline_all);
    if (inline_all) {
      out += "{";
      for (size_t i = 0; i < keys.size(); ++i) {
        out += (i ? ", " : "") + nlohmann::json(keys[i]).dump() + ": ";
        write(v[keys[i]], 0, true, out);
      }
      return void(out += "}");
    }
    out += "{\n";
    for (size_t i = 0; i < keys.size(); ++i) {
      out += pad + "  " + nlohmann::json(keys[i]).dump() + ": ";
      write(v[keys[i]], indent + 2, false, out);
      out += i + 1 < keys.size() ? ",\n" : "\n";
    }
    return void(out += pad + "}");
  }
  if (v.is_array()) {
    const bool of_containers = std::any_of(v.begin(), v.end(), [](const auto& e) { return e.is_structured(); });
    if (inline_all || !of_containers) {
      out += "[";
      for (size_t i = 0; i < v.size(); ++i) {
        out += i ? ", " : "";
        write(v[i], 0, true, out);
      }
      return void(out += "]");
    }
    out += "[\n";
    for (size_t i = 0; i < v.size(); ++i) {
      out += pad + "  ";
      write(v[i], indent + 2, true, out);
      out += i + 1 < v.size() ? ",\n" : "\n";
    }
    return void(out += pad + "]");
  }
  out += v.dump();
}

}  // namespace

std::string gpu_from_device_name(const std::string& device_name) {
  const std::string n = upper(device_name);
  if (contains(n, "GB200")) return "gb200";
  if (contains(n, "B200")) return "b200";
  if (contains(n, "H200")) return "h200";
  if (contains(n, "H800")) return "h800";
  // "NVIDIA H100 80GB HBM3" is the SXM5 part; the PCIe and NVL cards name themselves.
  if (contains(n, "H100") && !contains(n, "PCIE") && !contains(n, "NVL")) return "h100-sxm";
  if (contains(n, "A100") && !contains(n, "PCIE")) return contains(n, "40GB") ? "a100-sxm4-40gb" : "a100-sxm4-80gb";
  return "";
}

std::vector<CollectivePoint> points_from_log(const NcclTestsLog& log) {
  // Cite the log by its provenance line when it has one, else by file name (never a local path).
  const std::string file = std::filesystem::path(log.file).filename().string();
  std::string cite = "nccl-tests " + log.op + " log " + file;
  for (const auto& s : log.source_lines)
    if (s.rfind("SOURCE:", 0) == 0) {
      cite += " (" + s.substr(8) + ")";
      break;
    }
  std::vector<CollectivePoint> out;
  for (const auto& r : log.rows) {
    CollectivePoint p;
    p.op = log.op;
    p.scope = log.nodes > 1 ? "network" : "nvlink";
    p.ranks = log.ranks;
    p.nodes = log.nodes;
    p.algo = log.algo;
    p.bytes = r.bytes;
    p.time = Seconds(r.out_of_place.time_us * 1e-6);
    if (r.in_place) p.in_place_time = Seconds(r.in_place->time_us * 1e-6);
    p.source = cite;
    out.push_back(p);
  }
  return out;
}

std::string time_text(double s) { return num("%.7g", s * 1e6) + "us"; }
std::string bandwidth_text(double b) { return num("%.6g", b / 1e9) + "GBps"; }

nlohmann::json to_json(const CollectivePoint& p) {
  nlohmann::json j = {{"op", p.op},       {"scope", p.scope},   {"ranks", p.ranks},
                      {"nodes", p.nodes}, {"bytes", static_cast<long long>(p.bytes)},   {"time", time_text(p.time.value)},
                      {"busbw", bandwidth_text(busbw_of(p))}};
  if (!p.algo.empty()) j["algo"] = p.algo;
  if (p.in_place_time.value > 0) j["in_place_time"] = time_text(p.in_place_time.value);
  if (!p.source.empty()) j["source"] = p.source;
  return j;
}

nlohmann::json to_json(const CollectiveCurve& c) {
  nlohmann::json regimes = nlohmann::json::array();
  for (const auto& g : c.regimes)
    regimes.push_back(
        {{"min_bytes", static_cast<long long>(g.min_bytes)}, {"latency", time_text(g.latency.value)}, {"busbw", bandwidth_text(g.busbw.value)}});
  nlohmann::json j = {{"op", c.op},         {"scope", c.scope},   {"ranks", c.ranks},
                      {"nodes", c.nodes},   {"points", c.points}, {"measured_from", static_cast<long long>(c.measured_from)}, {"mean_abs_rel_error", std::round(c.mean_abs_rel_error * 1e5) / 1e5},
                      {"regimes", regimes}};
  if (!c.algo.empty()) j["algo"] = c.algo;
  if (!c.source.empty()) j["source"] = c.source;
  return j;
}

void merge_collective_points(nlohmann::json& doc, const std::vector<CollectivePoint>& points) {
  nlohmann::json& coll = doc["collectives"];
  if (coll.is_null()) coll = nlohmann::json::object();
  std::set<Key> replaced;
  for (const auto& p : points) replaced.insert({p.op, p.scope, p.ranks, p.nodes, p.algo});
  nlohmann::json kept = nlohmann::json::array();
  if (coll.contains("points") && coll["points"].is_array())
    for (const auto& p : coll["points"])
      if (!replaced.count(key_of(p))) kept.push_back(p);
  for (const auto& p : points) kept.push_back(to_json(p));
  coll["points"] = kept;
}

const GpuSpec& profile_gpu(const nlohmann::json& doc, const std::string& origin) {
  if (!doc.is_object()) throw Error(origin, "a calibration profile must be a JSON object");
  const auto it = doc.find("gpu");
  if (it == doc.end() || !it->is_string()) throw Error(origin + ": gpu", "is required (a catalog GPU name)");
  const std::string name = it->get<std::string>();
  if (const GpuSpec* g = find_gpu(name)) return *g;
  const std::string near = nearest(name, gpu_names());
  throw Error(origin + ": gpu", "unknown GPU '" + name + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
}

nlohmann::json profile_from_nccl_logs(const std::vector<NcclTestsLog>& logs, const GpuSpec& gpu) {
  std::string base_name;
  for (const auto& name : shipped_profile_names()) {
    const auto d = nlohmann::json::parse(shipped_profile_text(name));
    for (const auto& a : d.value("applies_to", nlohmann::json::array()))
      if (a == gpu.name && base_name.empty()) base_name = name;
  }
  if (base_name.empty())
    throw Error("calibration.gpu", "no shipped profile for '" + gpu.name + "' to take GEMM and memory figures from");
  nlohmann::json doc = nlohmann::json::parse(shipped_profile_text(base_name));
  doc.erase("fits");
  doc.erase("created");
  doc["gpu"] = gpu.name;
  doc["applies_to"] = nlohmann::json::array({gpu.name});
  std::vector<std::string> files, hosts;
  std::vector<CollectivePoint> points;
  std::string gpu_name;
  for (const auto& log : logs) {
    files.push_back(std::filesystem::path(log.file).filename().string());
    for (const auto& d : log.devices)
      if (std::find(hosts.begin(), hosts.end(), d.host) == hosts.end()) hosts.push_back(d.host);
    if (gpu_name.empty()) gpu_name = log.gpu_name;
    const auto pts = points_from_log(log);
    points.insert(points.end(), pts.begin(), pts.end());
  }
  std::string list;
  for (const auto& f : files) list += (list.empty() ? "" : ", ") + f;
  doc["source"] = "collectives: nccl-tests logs " + list + "; other sections: shipped profile '" + base_name + "' (" +
                  doc.value("source", std::string()) + ")";
  nlohmann::json host = nlohmann::json::object();
  if (!hosts.empty()) host["hosts"] = hosts;
  if (!gpu_name.empty()) host["gpu_name"] = gpu_name;
  if (!host.empty()) doc["host"] = host;
  // Points of the shipped profile measured on other systems would mix with the site's own: keep only the logs'.
  if (doc.contains("collectives")) {
    doc["collectives"].erase("points");
    doc["collectives"].erase("curves");
  }
  merge_collective_points(doc, points);
  return fit_profile(std::move(doc), gpu, "imported profile");
}

nlohmann::json fit_profile(nlohmann::json doc, const GpuSpec& gpu, const std::string& origin) {
  const CalibrationProfile p = parse_profile(doc, gpu, origin);
  if (!p.collective_points.empty()) {
    const auto curves = fit_collectives(p.collective_points);
    std::set<Key> refit;
    for (const auto& c : curves) refit.insert({c.op, c.scope, c.ranks, c.nodes, c.algo});
    nlohmann::json out = nlohmann::json::array();
    // Curves with no points behind them (hand-entered or from an older fit) stay as they are.
    if (doc["collectives"].contains("curves"))
      for (const auto& c : doc["collectives"]["curves"])
        if (!refit.count(key_of(c))) out.push_back(c);
    for (const auto& c : curves) out.push_back(to_json(c));
    doc["collectives"]["curves"] = out;
  }
  nlohmann::json gemm = nlohmann::json::object();
  for (const auto& [dtype, f] : p.gemm_fits) {
    // A dtype borrowing another's fit (bf16 <-> fp16) has no points of its own.
    if (std::none_of(p.gemm_points.begin(), p.gemm_points.end(), [&](const auto& g) { return g.dtype == dtype; }))
      continue;
    gemm[to_string(dtype)] = {{"efficiency", std::round(f.efficiency * 1e4) / 1e4},
                              {"overhead", time_text(f.overhead_s)},
                              {"points", f.points},
                              {"max_rel_residual", std::round(f.max_rel_residual * 1e4) / 1e4}};
  }
  doc["fits"] = {{"gemm", gemm}, {"note", "written by `aiscale calibrate fit`; aiscale refits GEMM on load"}};
  return doc;
}

std::string dump_profile(const nlohmann::json& doc) {
  std::string out;
  write(doc, 0, false, out);
  return out + "\n";
}

nlohmann::json read_profile_doc(const std::string& name_or_path) {
  if (std::filesystem::exists(name_or_path)) return read_json_file(name_or_path);
  const std::string text = shipped_profile_text(name_or_path);
  if (!text.empty()) return nlohmann::json::parse(text);
  const std::string near = nearest(name_or_path, shipped_profile_names());
  throw Error(name_or_path, "neither a profile file nor a shipped profile" +
                                (near.empty() ? std::string() : " (did you mean '" + near + "'?)"));
}

NcclImport import_nccl_tests(const std::vector<std::string>& log_paths, const std::string& gpu_name,
                             const NcclParseHints& hints) {
  NcclImport out;
  for (const auto& f : log_paths) out.logs.push_back(read_nccl_tests(f, hints));
  std::string gpu = gpu_name;
  for (const auto& l : out.logs)
    if (gpu.empty() && !l.gpu_name.empty()) gpu = gpu_from_device_name(l.gpu_name);
  if (gpu.empty())
    throw Error("calibration.gpu", "the logs do not name a GPU this catalog knows: name one (e.g. h100-sxm)");
  out.gpu = find_gpu(gpu);
  if (!out.gpu) {
    const std::string near = nearest(gpu, gpu_names());
    throw Error("calibration.gpu",
                "unknown GPU '" + gpu + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
  }
  out.document = profile_from_nccl_logs(out.logs, *out.gpu);
  return out;
}

}  // namespace aiscale::calibration

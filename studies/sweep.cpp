#include "studies/sweep.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "models/calibration_profile.hpp"
#include "models/error.hpp"
#include "studies/load.hpp"
#include "studies/parallel_for.hpp"

namespace aiscale {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

std::pair<std::string, std::vector<std::string>> parse_list(const std::string& arg, const std::string& flag) {
  const size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error(flag, "'" + arg + "' is not path=v1,v2,... (e.g. parallelism.tp=2,4,8)");
  const std::string path = arg.substr(0, eq);
  std::vector<std::string> values = split(arg.substr(eq + 1), ',');
  for (const auto& v : values)
    if (v.empty()) throw Error(flag + " " + path, "has an empty value; list values like " + path + "=a,b,c");
  return {path, values};
}

std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// Checks that `path=value` alone is a readable field of the base scenario; consistency problems are allowed.
void check_value(const nlohmann::json& base, const std::string& base_dir, const std::string& flag,
                 const std::string& path, const std::string& value) {
  nlohmann::json doc = base;
  try {
    apply_overrides(doc, {path + "=" + value});
  } catch (const Error& e) {
    throw Error(flag + " " + path, e.message());
  }
  std::vector<Issue> issues;
  try {
    parse_scenario(doc, base_dir);
  } catch (const ValidationError& e) {
    issues = e.issues();
  } catch (const Error& e) {
    issues = {{e.path(), e.message(), e.kind()}};
  }
  for (const auto& i : issues) {
    if (i.kind != IssueKind::input) continue;
    const bool related = i.path == path || i.path.rfind(path + ".", 0) == 0 || path.rfind(i.path + ".", 0) == 0;
    if (related) throw Error(flag + " " + path, "value '" + value + "': " + i.message);
  }
}

std::string join_issues(const std::vector<Issue>& issues) {
  std::string out;
  for (const auto& i : issues) out += (out.empty() ? "" : "; ") + i.path + ": " + i.message;
  return out;
}

}  // namespace

size_t SweepSpec::size() const {
  size_t n = 1;
  for (const auto& a : axes) n *= a.values.size();
  return n;
}

std::vector<std::string> SweepSpec::paths() const {
  std::vector<std::string> out;
  for (const auto& a : axes) out.insert(out.end(), a.paths.begin(), a.paths.end());
  return out;
}

std::vector<std::string> SweepSpec::values(size_t index) const {
  // The last axis varies fastest, like nested loops written in command-line order.
  std::vector<size_t> pick(axes.size());
  for (size_t i = axes.size(); i-- > 0;) {
    pick[i] = index % axes[i].values.size();
    index /= axes[i].values.size();
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < axes.size(); ++i) out.insert(out.end(), axes[i].values[pick[i]].begin(), axes[i].values[pick[i]].end());
  return out;
}

std::vector<std::string> SweepSpec::overrides(size_t index) const {
  const auto p = paths();
  const auto v = values(index);
  std::vector<std::string> out;
  for (size_t i = 0; i < p.size(); ++i) out.push_back(p[i] + "=" + v[i]);
  return out;
}

SweepSpec make_sweep(nlohmann::json base, const std::string& base_dir, const std::vector<std::string>& grids,
                     const std::vector<std::string>& zips) {
  SweepSpec spec;
  spec.base = std::move(base);
  spec.base_dir = base_dir;
  // The base itself must be readable; a plan it leaves inconsistent may be completed by the grid.
  try {
    parse_scenario(spec.base, base_dir);
  } catch (const ValidationError& e) {
    std::vector<Issue> input;
    for (const auto& i : e.issues())
      if (i.kind == IssueKind::input) input.push_back(i);
    if (!input.empty()) throw ValidationError(input);
  } catch (const Error& e) {
    if (e.kind() == IssueKind::input) throw;
  }
  if (grids.empty() && zips.empty())
    throw Error("sweep.grid", "give at least one grid list path=v1,v2,... (or zip lists)");
  for (const auto* lists : {&grids, &zips})
    for (const auto& a : *lists)
      if (!valid_utf8(a))
        throw Error(lists == &grids ? "sweep.grid" : "sweep.zip",
                    "'" + a.substr(0, a.find('=')) + "=...' is not valid UTF-8 text; retype the value in UTF-8");
  // Each list is split once; the row count is bounded before any value is checked (checking parses a scenario per
  // value) and computed without overflow.
  using List = std::pair<std::string, std::vector<std::string>>;
  std::vector<List> grid_lists, zip_lists;
  for (const auto& g : grids) grid_lists.push_back(parse_list(g, "sweep.grid"));
  for (const auto& z : zips) zip_lists.push_back(parse_list(z, "sweep.zip"));
  {
    std::vector<size_t> lengths;
    for (const auto& g : grid_lists) lengths.push_back(g.second.size());
    if (!zip_lists.empty()) lengths.push_back(zip_lists.front().second.size());
    size_t rows = 1;
    double approx = 1;
    bool over = false;
    for (size_t n : lengths) {
      approx *= static_cast<double>(n);
      over = over || rows > kMaxSweepRows / n;
      if (!over) rows *= n;
    }
    if (over || rows > kMaxSweepRows) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.3g", approx);
      throw Error("sweep.grid", std::string("the grid has ") + buf + " rows (the product of the list lengths); at most " +
                                std::to_string(kMaxSweepRows) + " are allowed: shorten the lists or split the sweep");
    }
  }
  std::set<std::string> seen;
  auto add_path = [&](const std::string& flag, const std::string& path) {
    if (!seen.insert(path).second) throw Error(flag + " " + path, "is swept twice; give each path once");
  };
  for (auto& [path, values] : grid_lists) {
    add_path("sweep.grid", path);
    for (const auto& v : values) check_value(spec.base, base_dir, "sweep.grid", path, v);
    SweepAxis axis;
    axis.paths = {path};
    for (auto& v : values) axis.values.push_back({v});
    spec.axes.push_back(std::move(axis));
  }
  if (!zip_lists.empty()) {
    SweepAxis axis;
    size_t len = 0;
    for (const auto& [path, values] : zip_lists) {
      add_path("sweep.zip", path);
      for (const auto& v : values) check_value(spec.base, base_dir, "sweep.zip", path, v);
      if (axis.paths.empty()) {
        len = values.size();
        axis.values.resize(len);
      } else if (values.size() != len) {
        throw Error("sweep.zip " + path, "has " + std::to_string(values.size()) + " values but the first zip list has " +
                                         std::to_string(len) + "; zipped lists advance together and need equal lengths");
      }
      axis.paths.push_back(path);
      for (size_t i = 0; i < len; ++i) axis.values[i].push_back(values[i]);
    }
    spec.axes.push_back(std::move(axis));
  }
  return spec;
}

RowFormat format_for(const std::string& path) {
  auto ends = [&](const std::string& suf) {
    return path.size() >= suf.size() && path.compare(path.size() - suf.size(), suf.size(), suf) == 0;
  };
  if (ends(".csv")) return RowFormat::csv;
  if (ends(".jsonl")) return RowFormat::jsonl;
  throw Error("sweep.output", "'" + path + "' must end in .csv or .jsonl (the row format)");
}

std::string to_string(RowStatus s) {
  switch (s) {
    case RowStatus::ok:
      return "ok";
    case RowStatus::oom:
      return "oom";
    case RowStatus::invalid:
      return "invalid";
  }
  return "invalid";
}

SweepRow evaluate_row(const SweepSpec& spec, size_t index, const CancelToken* cancel) {
  SweepRow row;
  row.index = index;
  nlohmann::json doc = spec.base;
  try {
    const Scenario sc = load_document(doc, spec.base_dir, spec.overrides(index));
    row.scenario_name = sc.name;
    row.result = simulate_on(spec.engine, sc, shared_profile(sc), parse_event_options(sc.engine), cancel);
    row.result_json = to_json(row.result, sc);
    row.status = row.result.memory.fits ? RowStatus::ok : RowStatus::oom;
    if (!row.result.memory.fits) row.reason = memory_shortfall(row.result.memory, sc.cluster.gpu.name);
  } catch (const Cancelled&) {
    throw;
  } catch (const ValidationError& e) {
    row.status = RowStatus::invalid;
    row.reason = join_issues(e.issues());
  } catch (const Error& e) {
    row.status = RowStatus::invalid;
    row.reason = e.what();
  } catch (const std::exception& e) {
    row.status = RowStatus::invalid;
    row.reason = std::string("internal error: ") + e.what();
  }
  return row;
}

std::string csv_header(const SweepSpec& spec) {
  std::string h = "index";
  for (const auto& p : spec.paths()) {
    h += ',';
    h += csv_escape(p);
  }
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict, GCC bug 105329) on long operator+ chains.
  h += ",status,reason,";
  h += to_csv_header();
  h += "\n";
  return h;
}

std::string format_row(const SweepSpec& spec, const SweepRow& row, RowFormat fmt) {
  const auto values = spec.values(row.index);
  const bool has_result = row.status != RowStatus::invalid;
  if (fmt == RowFormat::csv) {
    std::string line = std::to_string(row.index);
    for (const auto& v : values) {
      line += ',';
      line += csv_escape(v);
    }
    line += "," + to_string(row.status) + "," + csv_escape(row.reason) + ",";
    if (has_result) {
      line += to_csv_row(row.result);
    } else {
      const std::string header = to_csv_header();
      line += std::string(std::count(header.begin(), header.end(), ','), ',');
    }
    return line + "\n";
  }
  nlohmann::json j;
  j["index"] = row.index;
  const auto paths = spec.paths();
  for (size_t i = 0; i < paths.size(); ++i) {
    j["overrides"][paths[i]] = override_value(values[i], "sweep.grid " + paths[i]);
  }
  j["status"] = to_string(row.status);
  j["reason"] = row.reason;
  if (has_result) j["result"] = row.result_json;
  // A raw (non-JSON) override value may hold bytes that are not UTF-8: write U+FFFD for them, never throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

namespace {

// Reads an existing output for --resume: the indices of whole rows, and the byte length of whole lines.
std::set<size_t> existing_rows(const std::string& path, RowFormat fmt, const std::string& header, size_t& keep) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  std::set<size_t> done;
  size_t pos = 0;
  bool first = true;
  while (pos < keep) {
    const size_t nl = text.find('\n', pos);
    const std::string line = text.substr(pos, nl - pos + 1);
    pos = nl + 1;
    if (fmt == RowFormat::csv && first) {
      if (line != header)
        throw Error("sweep.resume", "'" + path + "' was written by a different sweep (its header differs); remove it or "
                                    "choose another output");
      first = false;
      continue;
    }
    first = false;
    try {
      if (fmt == RowFormat::csv)
        done.insert(std::stoul(line.substr(0, line.find(','))));
      else
        done.insert(nlohmann::json::parse(line).at("index").get<size_t>());
    } catch (const std::exception&) {
      throw Error("sweep.resume",
                  "'" + path + "' holds a line that is not a sweep row; remove it or choose another output");
    }
  }
  if (fmt == RowFormat::csv && first && keep > 0)
    throw Error("sweep.resume", "'" + path + "' has no header line");
  return done;
}

void write_all(int fd, const std::string& s, const std::string& path) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0) throw Error(path, "write failed (disk full?)");
    off += size_t(n);
  }
}

}  // namespace

SweepOutput::SweepOutput(const SweepSpec& spec, const std::string& path, bool resume)
    : path_(path), fmt_(path.empty() ? RowFormat::jsonl : format_for(path)) {
  const size_t total = spec.size();
  if (path.empty()) {  // rows for an observer only: every row to do, nothing written
    for (size_t i = 0; i < total; ++i) todo_.push_back(i);
    lines_.resize(todo_.size());
    ready_.assign(todo_.size(), 0);
    return;
  }
  const std::string header = fmt_ == RowFormat::csv ? csv_header(spec) : "";
  std::set<size_t> done;
  const bool exists = ::access(path.c_str(), F_OK) == 0;
  if (resume && exists) {
    size_t keep = 0;
    done = existing_rows(path, fmt_, header, keep);
    if (::truncate(path.c_str(), static_cast<off_t>(keep)) != 0) throw Error(path, "cannot truncate");
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND);
    if (fd_ >= 0 && keep == 0) write_all(fd_, header, path);
  } else {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (fd_ >= 0) write_all(fd_, header, path);
  }
  if (fd_ < 0) throw Error(path, "cannot open for writing (does the directory exist?)");
  for (size_t i = 0; i < total; ++i)
    if (!done.count(i)) todo_.push_back(i);
  skipped_ = total - todo_.size();
  lines_.resize(todo_.size());
  ready_.assign(todo_.size(), 0);
}

SweepOutput::~SweepOutput() {
  if (fd_ >= 0) ::close(fd_);
}

void SweepOutput::remove() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!path_.empty()) std::remove(path_.c_str());
}

void SweepOutput::put(size_t k, std::string line, RowStatus status) {
  lines_[k] = std::move(line);
  ready_[k] = 1;
  invalid_ += status == RowStatus::invalid;
  oom_ += status == RowStatus::oom;
  std::string chunk;
  while (written_ < todo_.size() && ready_[written_]) {
    chunk += lines_[written_];
    std::string().swap(lines_[written_]);
    ++written_;
  }
  if (!chunk.empty() && fd_ >= 0) write_all(fd_, chunk, path_);
}

SweepStats run_sweep(const SweepSpec& spec, const SweepOptions& opt, const RunControl& control) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  SweepOutput out(spec, opt.output, opt.resume);
  const std::vector<size_t>& todo = out.todo();
  SweepStats st;
  st.total = spec.size();
  st.skipped = out.skipped();
  // Workers evaluate rows; each hands its formatted line to the output (which writes the rows now contiguous from
  // the front, in index order) and tells the observer, one worker at a time.
  std::mutex mu;
  size_t done = 0;
  const bool format = !opt.output.empty();
  control.progress(0, todo.size(), "rows");
  try {
    parallel_for(todo.size(), opt.jobs, control.cancel, [&](size_t k) {
      const SweepRow row = evaluate_row(spec, todo[k], control.cancel);
      std::string line = format ? format_row(spec, row, out.format()) : std::string();
      std::lock_guard<std::mutex> lock(mu);
      out.put(k, std::move(line), row.status);
      if (control.observer) control.observer->on_row(row);
      control.progress(++done, todo.size(), "rows");
    });
  } catch (const Cancelled&) {
    // An event row cancelled mid-run: the rows before it are whole, like any cancelled sweep.
  } catch (...) {
    if (!opt.resume) out.remove();  // no partial output from a sweep that stopped on an error
    throw;
  }
  st.written = out.written();
  st.invalid = out.invalid();
  st.oom = out.oom();
  st.interrupted = st.written < todo.size();
  st.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return st;
}

}  // namespace aiscale

#include "topology/routing.hpp"

#include <algorithm>
#include <functional>
#include <limits>

namespace aiscale::topology {

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Router::Router(const Topology& topo, std::uint64_t seed, size_t cache_size)
    : topo_(topo), seed_(seed), cache_size_(std::max<size_t>(cache_size, 1)) {}

const std::vector<int>& Router::distances_to(Vertex dst) {
  auto it = cache_.find(dst);
  if (it != cache_.end()) return it->second;
  if (cache_.size() >= cache_size_) {
    cache_.erase(order_.front());
    order_.pop_front();
  }
  const Graph& g = topo_.graph();
  std::vector<int> dist(boost::num_vertices(g), -1);
  std::vector<Vertex> queue;
  queue.reserve(dist.size());
  dist[dst] = 0;
  queue.push_back(dst);
  for (size_t head = 0; head < queue.size(); ++head) {
    const Vertex u = queue[head];
    if (u != dst && g[u].kind == VertexKind::Gpu) continue;  // GPUs do not forward
    for (auto [e, end] = boost::out_edges(u, g); e != end; ++e) {
      const Vertex v = boost::target(*e, g);
      if (dist[v] < 0) {
        dist[v] = dist[u] + 1;
        queue.push_back(v);
      }
    }
  }
  order_.push_back(dst);
  return cache_.emplace(dst, std::move(dist)).first->second;
}

int Router::hops(Vertex src, Vertex dst) { return distances_to(dst)[src]; }

std::vector<Vertex> Router::next_hops(Vertex at, Vertex dst) {
  const std::vector<int>& dist = distances_to(dst);
  std::vector<Vertex> out;
  if (at == dst || dist[at] <= 0) return out;
  const Graph& g = topo_.graph();
  for (auto [e, end] = boost::out_edges(at, g); e != end; ++e) {
    const Vertex v = boost::target(*e, g);
    if (dist[v] == dist[at] - 1 && (v == dst || g[v].kind != VertexKind::Gpu)) out.push_back(v);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Path Router::make_path(const std::vector<Vertex>& vertices) const {
  const Graph& g = topo_.graph();
  Path p;
  p.vertices = vertices;
  p.bandwidth = vertices.size() > 1 ? std::numeric_limits<double>::infinity() : 0.0;
  for (size_t i = 0; i + 1 < vertices.size(); ++i) {
    const Edge e = boost::edge(vertices[i], vertices[i + 1], g).first;
    p.edges.push_back(e);
    p.latency += g[e].latency;
    p.bandwidth = std::min(p.bandwidth, g[e].capacity());
  }
  return p;
}

std::vector<Path> Router::all_paths(Vertex src, Vertex dst, size_t limit) {
  std::vector<Path> out;
  if (distances_to(dst)[src] < 0) return out;
  // Depth-first over next hops; the distance labels guarantee every branch reaches dst.
  std::vector<Vertex> stack_path{src};
  std::vector<std::vector<Vertex>> choices{next_hops(src, dst)};
  std::vector<size_t> pos{0};
  if (src == dst) return {make_path(stack_path)};
  while (!choices.empty() && out.size() < limit) {
    if (pos.back() == choices.back().size()) {
      choices.pop_back();
      pos.pop_back();
      stack_path.pop_back();
      continue;
    }
    const Vertex v = choices.back()[pos.back()++];
    stack_path.push_back(v);
    if (v == dst) {
      out.push_back(make_path(stack_path));
      stack_path.pop_back();
      continue;
    }
    choices.push_back(next_hops(v, dst));
    pos.push_back(0);
  }
  return out;
}

// Walks a shortest path from src to dst; at each vertex `port` picks one of the `total` equal-cost ports (parallel
// links count one each, as a switch chooses among ports, not neighbours).
Path Router::walk(Vertex src, Vertex dst, const std::function<std::uint64_t(Vertex, std::uint64_t)>& port) {
  std::vector<Vertex> vs{src};
  if (distances_to(dst)[src] < 0) return {};
  const Graph& g = topo_.graph();
  Vertex at = src;
  while (at != dst) {
    const std::vector<Vertex> hops = next_hops(at, dst);
    std::uint64_t total = 0;
    std::vector<std::uint64_t> weight;
    for (Vertex v : hops) {
      weight.push_back(static_cast<std::uint64_t>(g[boost::edge(at, v, g).first].count));
      total += weight.back();
    }
    std::uint64_t pick = total > 1 ? port(at, total) % total : 0;
    size_t i = 0;
    while (pick >= weight[i]) pick -= weight[i++];
    at = hops[i];
    vs.push_back(at);
  }
  return make_path(vs);
}

Path Router::route(Vertex src, Vertex dst, std::uint64_t flow) {
  return walk(src, dst, [&](Vertex at, std::uint64_t) {
    return mix64(seed_ ^ mix64(flow ^ mix64(static_cast<std::uint64_t>(at))));
  });
}

Path Router::route_by_destination(Vertex src, Vertex dst, std::uint64_t key) {
  std::uint64_t div = 1;
  return walk(src, dst, [&](Vertex, std::uint64_t total) {
    const std::uint64_t pick = (key / div) % total;
    div *= total;
    return pick;
  });
}

Path Router::route_gpus(int src_gpu, int dst_gpu, std::uint64_t flow) {
  return route(topo_.gpu(src_gpu), topo_.gpu(dst_gpu), flow);
}

std::vector<GpuUplink> gpu_uplinks(const Topology& topo) {
  const Graph& g = topo.graph();
  const int n = static_cast<int>(topo.gpus().size());
  std::vector<GpuUplink> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    int nics = 0;
    Vertex nic = 0;
    for (auto [e, end] = boost::out_edges(topo.gpu(i), g); e != end; ++e)
      if (g[boost::target(*e, g)].kind == VertexKind::Nic) ++nics, nic = boost::target(*e, g);
    if (nics != 1) continue;
    int sw = 0;
    Vertex acc = 0;
    for (auto [e, end] = boost::out_edges(nic, g); e != end; ++e)
      if (g[boost::target(*e, g)].kind != VertexKind::Gpu) ++sw, acc = boost::target(*e, g);
    if (sw != 1) continue;
    out[static_cast<size_t>(i)] = {static_cast<int>(nic), static_cast<int>(acc)};
  }
  return out;
}

std::vector<std::uint64_t> destination_keys(const std::vector<GpuUplink>& up) {
  const size_t n = up.size();
  std::vector<std::uint64_t> place(n, 0), keys(n, 0);
  std::map<int, std::pair<std::uint64_t, std::uint64_t>> sw;  // switch -> (ordinal, NICs so far)
  std::uint64_t ports = 1;
  for (size_t i = 0; i < n; ++i) {
    if (up[i].access < 0) continue;
    auto it = sw.try_emplace(up[i].access, sw.size(), 0).first;
    place[i] = it->second.second++;
    ports = std::max(ports, it->second.second);
  }
  for (size_t i = 0; i < n; ++i) keys[i] = up[i].access < 0 ? i : sw.at(up[i].access).first * ports + place[i];
  return keys;
}

const std::vector<GpuUplink>& Router::uplinks() {
  if (uplinks_.empty()) uplinks_ = gpu_uplinks(topo_);
  return uplinks_;
}

Path Router::route_flow(Vertex a, Vertex b, int src_gpu, int dst_gpu) {
  if (topo_.spec().scale_out.routing == "ecmp")
    return route(a, b, static_cast<std::uint64_t>(src_gpu) * topo_.gpus().size() + static_cast<std::uint64_t>(dst_gpu));
  if (keys_.empty()) keys_ = destination_keys(uplinks());
  return route_by_destination(a, b, keys_[static_cast<size_t>(dst_gpu)]);
}

}  // namespace aiscale::topology

#include "sim/event_collectives.hpp"

#include <algorithm>
#include <cmath>

#include "models/error.hpp"

namespace aiscale {

std::string to_string(CollAlgorithm a) {
  switch (a) {
    case CollAlgorithm::automatic:
      return "auto";
    case CollAlgorithm::ring:
      return "ring";
    case CollAlgorithm::tree:
      return "tree";
    case CollAlgorithm::hierarchical:
      return "hierarchical";
    case CollAlgorithm::pairwise:
      return "pairwise";
    case CollAlgorithm::direct:
      return "direct";
  }
  return "";
}

CollAlgorithm parse_algorithm(const std::string& name, const std::string& path) {
  for (CollAlgorithm a : {CollAlgorithm::automatic, CollAlgorithm::ring, CollAlgorithm::tree,
                          CollAlgorithm::hierarchical, CollAlgorithm::pairwise, CollAlgorithm::direct})
    if (to_string(a) == name) return a;
  throw Error(path, "unknown algorithm '" + name + "'; use auto, ring, tree, hierarchical, pairwise or direct");
}

CollOp parse_coll_op(const std::string& name, const std::string& path) {
  for (CollOp o :
       {CollOp::all_reduce, CollOp::all_gather, CollOp::reduce_scatter, CollOp::all_to_all, CollOp::send_recv})
    if (to_string(o) == name) return o;
  throw Error(path,
              "unknown collective '" + name + "'; use all_reduce, all_gather, reduce_scatter, all_to_all or send_recv");
}

namespace {

bool applies(CollOp op, CollAlgorithm a) {
  switch (a) {
    case CollAlgorithm::automatic:
      return false;
    case CollAlgorithm::ring:
    case CollAlgorithm::hierarchical:
      return op == CollOp::all_reduce || op == CollOp::all_gather || op == CollOp::reduce_scatter;
    case CollAlgorithm::tree:
      return op == CollOp::all_reduce;
    case CollAlgorithm::pairwise:
      return op == CollOp::all_to_all;
    case CollAlgorithm::direct:
      return op == CollOp::send_recv;
  }
  return false;
}

int ceil_log2(int n) {
  int k = 0;
  while ((1 << k) < n) ++k;
  return k;
}

// Appends a ring over `ranks` moving `per_rank` bytes out of every rank: one flow per neighbour pair, or `steps`
// phases of per_rank/steps each when exact. Phases start at `first`.
void ring(std::vector<FlowPhase>& out, size_t first, const std::vector<int>& ranks, double per_rank, int steps,
          bool exact) {
  const size_t n = ranks.size();
  if (n < 2 || per_rank <= 0) return;
  const int phases = exact ? steps : 1;
  if (out.size() < first + static_cast<size_t>(phases)) out.resize(first + static_cast<size_t>(phases));
  for (int p = 0; p < phases; ++p)
    for (size_t i = 0; i < n; ++i)
      out[first + static_cast<size_t>(p)].push_back({ranks[i], ranks[(i + 1) % n], per_rank / phases});
}

}  // namespace

CollAlgorithm choose_algorithm(CollOp op, double bytes, const GroupPlacement& g, const AlgorithmCosts& c,
                               CollAlgorithm forced) {
  if (applies(op, forced)) return forced;
  if (op == CollOp::send_recv) return CollAlgorithm::direct;
  if (op == CollOp::all_to_all) return CollAlgorithm::pairwise;
  const int n = g.size, r = g.ranks_per_node, nn = g.nodes;
  if (nn <= 1) return CollAlgorithm::ring;
  // Alpha-beta estimates on the nominal per-GPU bandwidths; the cheapest wins, as in NCCL's tuner.
  const double bw = std::min(c.nvlink_bw > 0 ? c.nvlink_bw : c.network_bw, c.network_bw);
  const bool ar = op == CollOp::all_reduce;
  const double f = ar ? 2.0 : 1.0;
  const double ring_t = f * (n - 1) * c.network_step + f * (n - 1) / n * bytes / bw;
  double best_t = ring_t;
  CollAlgorithm best = CollAlgorithm::ring;
  if (r > 1) {
    const double intra = (r - 1) * c.nvlink_step + double(r - 1) / r * bytes / c.nvlink_bw;
    const double hier = (ar ? 2 : 1) * intra + f * (nn - 1) * c.network_step + f * (nn - 1) / nn * bytes / r / bw;
    if (hier < best_t) best_t = hier, best = CollAlgorithm::hierarchical;
  }
  if (ar) {
    // Double binary tree: every rank sends and receives the whole buffer once up and once down, at NCCL's tree
    // bandwidth factor.
    const double tree = 2.0 * (ceil_log2(nn) + (r - 1)) * c.network_step + 2.0 * bytes / (kTreeBusBwFactor * bw);
    if (tree < best_t) best_t = tree, best = CollAlgorithm::tree;
  }
  return best;
}

std::vector<FlowPhase> decompose(CollOp op, CollAlgorithm alg, const std::vector<int>& ranks, double bytes,
                                 const std::function<int(int)>& node_of, bool exact) {
  std::vector<FlowPhase> out;
  const int n = static_cast<int>(ranks.size());
  if (bytes <= 0) return out;
  if (op == CollOp::send_recv) {
    if (n >= 2) out.push_back({{ranks[0], ranks[1], bytes}});
    return out;
  }
  if (n < 2) return out;
  switch (alg) {
    case CollAlgorithm::automatic:
    case CollAlgorithm::direct:
    case CollAlgorithm::ring: {
      const int steps = op == CollOp::all_reduce ? 2 * (n - 1) : n - 1;
      ring(out, 0, ranks, bytes / n * steps, steps, exact);
      return out;
    }
    case CollAlgorithm::tree: {
      // Two binary trees over the ranks, the second the mirror of the first so that the leaves of one are inner
      // nodes of the other (NCCL double binary tree); each carries half the buffer, reduced up then broadcast down.
      out.resize(2);
      for (int t = 0; t < 2; ++t)
        for (int i = 1; i < n; ++i) {
          const int child = t == 0 ? i : n - 1 - i, parent = t == 0 ? (i - 1) / 2 : n - 1 - (i - 1) / 2;
          out[0].push_back({ranks[static_cast<size_t>(child)], ranks[static_cast<size_t>(parent)], bytes / 2});
          out[1].push_back({ranks[static_cast<size_t>(parent)], ranks[static_cast<size_t>(child)], bytes / 2});
        }
      return out;
    }
    case CollAlgorithm::hierarchical: {
      // Ranks grouped by node in order of appearance; local index j of every node forms the cross-node ring j.
      std::vector<std::vector<int>> nodes;
      std::map<int, size_t> slot;
      for (int g : ranks) {
        auto [it, fresh] = slot.try_emplace(node_of(g), nodes.size());
        if (fresh) nodes.emplace_back();
        nodes[it->second].push_back(g);
      }
      const int nn = static_cast<int>(nodes.size());
      size_t r = nodes[0].size();
      for (const auto& v : nodes) r = std::min(r, v.size());
      const int ri = static_cast<int>(r);
      auto intra = [&](size_t first) {
        for (const auto& v : nodes) ring(out, first, v, bytes * (ri - 1) / ri, ri - 1, exact);
      };
      auto inter = [&](size_t first) {
        const int steps = op == CollOp::all_reduce ? 2 * (nn - 1) : nn - 1;
        for (size_t j = 0; j < r; ++j) {
          std::vector<int> rail;
          for (const auto& v : nodes) rail.push_back(v[j]);
          ring(out, first, rail, bytes / ri / nn * steps, steps, exact);
        }
      };
      // Reduce-scatter inside nodes, then across nodes, then all-gather inside (all-reduce); all-gather runs the
      // cross-node part first, reduce-scatter last.
      if (op == CollOp::all_gather) {
        inter(0);
        intra(out.size());
      } else {
        intra(0);
        inter(out.size());
        if (op == CollOp::all_reduce) intra(out.size());
      }
      out.erase(std::remove_if(out.begin(), out.end(), [](const FlowPhase& p) { return p.empty(); }), out.end());
      return out;
    }
    case CollAlgorithm::pairwise: {
      const int phases = exact ? n - 1 : 1;
      out.resize(static_cast<size_t>(phases));
      for (int k = 1; k < n; ++k)
        for (int i = 0; i < n; ++i)
          out[static_cast<size_t>(exact ? k - 1 : 0)].push_back(
              {ranks[static_cast<size_t>(i)], ranks[static_cast<size_t>((i + k) % n)], bytes / n});
      return out;
    }
  }
  return out;
}

}  // namespace aiscale

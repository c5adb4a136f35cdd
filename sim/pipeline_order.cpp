#include "sim/pipeline_order.hpp"

#include <algorithm>
#include <utility>

namespace aiscale {

std::vector<std::vector<PipelineTask>> pipeline_order(int pp, int v, int m, Schedule schedule) {
  // Micro-batches go through the chunks in groups of pp (Megatron-LM interleaved schedule).
  std::vector<std::pair<int, int>> fwd_seq, bwd_seq;  // (chunk, micro-batch)
  for (int g0 = 0; g0 < m; g0 += pp) {
    const int gs = std::min(pp, m - g0);
    for (int c = 0; c < v; ++c)
      for (int i = 0; i < gs; ++i) {
        fwd_seq.push_back({c, g0 + i});
        bwd_seq.push_back({v - 1 - c, g0 + i});
      }
  }
  const int total = m * v;
  std::vector<std::vector<PipelineTask>> order(pp);
  for (int st = 0; st < pp; ++st) {
    int warm = total;
    if (schedule == Schedule::one_f_one_b || schedule == Schedule::zb_h1) warm = std::min(pp - st - 1, total);
    if (schedule == Schedule::interleaved) warm = std::min((pp - st - 1) * 2 + (v - 1) * pp, total);
    auto& o = order[st];
    o.reserve(2 * static_cast<size_t>(total));
    int f = 0, b = 0;
    for (; f < warm; ++f) o.push_back({false, fwd_seq[f].first, fwd_seq[f].second});
    while (f < total) {
      o.push_back({false, fwd_seq[f].first, fwd_seq[f].second});
      ++f;
      o.push_back({true, bwd_seq[b].first, bwd_seq[b].second});
      ++b;
    }
    for (; b < total; ++b) o.push_back({true, bwd_seq[b].first, bwd_seq[b].second});
  }
  return order;
}

}  // namespace aiscale

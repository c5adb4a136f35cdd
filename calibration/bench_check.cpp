#include "calibration/bench_check.hpp"

#include <cmath>
#include <cstdio>

#include "calibration/collective_fit.hpp"
#include "models/error.hpp"

namespace aiscale::calibration {

double gemm_reference(long i, long j, long k) {
  double c = 0;
  for (long kk = 0; kk < k; ++kk) c += static_cast<double>(gemm_a(i, kk)) * gemm_b(kk, j);
  return c;
}

double expected_collective(const std::string& op, int rank, int nranks, long count, long e) {
  auto sum_over_ranks = [&](long g) {
    double s = 0;
    for (int r = 0; r < nranks; ++r) s += coll_value(r, g);
    return s;
  };
  switch (parse_coll_op(op)) {
    case CollOp::all_reduce: return sum_over_ranks(e);
    case CollOp::all_gather: return coll_value(static_cast<int>(e / count), e % count);
    case CollOp::reduce_scatter: return sum_over_ranks(rank * count + e);
    case CollOp::all_to_all: {
      const long per_peer = count / nranks;
      const long peer = e / per_peer;  // block `peer` came from rank `peer`, its block `rank`
      return coll_value(static_cast<int>(peer), rank * per_peer + e % per_peer);
    }
    case CollOp::send_recv: return coll_value((rank - 1 + nranks) % nranks, e);
  }
  return 0;
}

std::vector<long> sample_indices(long n, int samples) {
  std::vector<long> out;
  if (n <= 0) return out;
  if (n <= samples) {
    for (long i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  // Ends (where off-by-one tiling bugs live) and a stride that is coprime with powers of two.
  out = {0, 1, n - 2, n - 1};
  for (int s = 0; static_cast<int>(out.size()) < samples; ++s) out.push_back((static_cast<long>(s) * 7919 * 1021 + 13) % n);
  return out;
}

std::string CheckResult::describe() const {
  if (ok) return "ok (" + std::to_string(checked) + " values checked)";
  char b[160];
  std::snprintf(b, sizeof b, "element %ld: got %.9g, want %.9g", first_bad, got, want);
  return b;
}

CheckResult check_close(const std::vector<long>& indices, const std::vector<double>& got,
                        const std::vector<double>& want, double rel_tol, double abs_tol) {
  if (got.size() != want.size() || got.size() != indices.size())
    throw Error("check", "sample and reference counts differ");
  CheckResult r;
  for (size_t i = 0; i < got.size(); ++i) {
    ++r.checked;
    const bool good = std::isfinite(got[i]) && std::fabs(got[i] - want[i]) <= rel_tol * std::fabs(want[i]) + abs_tol;
    if (!good && r.ok) r.ok = false, r.first_bad = indices[i], r.got = got[i], r.want = want[i];
  }
  return r;
}

}  // namespace aiscale::calibration

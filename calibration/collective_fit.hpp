#pragma once
// Fitting collective time against buffer size: piecewise alpha-beta, one (latency, bus bandwidth) regime per size
// range, per collective, scope and rank count.
#include <string>
#include <vector>

#include "models/calibration_profile.hpp"
#include "models/collectives.hpp"

namespace aiscale::calibration {

// CollOp for a canonical name ("all_reduce", ...); throws aiscale::Error for anything else.
CollOp parse_coll_op(const std::string& op);

// Bytes each rank moves per byte of buffer for `op` on `ranks` ranks (nccl-tests busbw convention).
double bus_factor(const std::string& op, int ranks);

// Measured bus bandwidth of a point (bytes/s), from its out-of-place time.
double busbw_of(const CollectivePoint& p);

// How the number of regimes is chosen: the fewest (at most max_regimes, each over >= min_points consecutive sizes)
// whose mean absolute relative busbw error is within target; if none reaches it, the most accurate.
struct CollectiveFitOptions {
  int max_regimes = 4;
  int min_points = 2;
  double target_error = 0.02;
};

// Fits one curve to the points of a single (op, scope, ranks, nodes); points may come in any order.
CollectiveCurve fit_collective(std::vector<CollectivePoint> points, const CollectiveFitOptions& options = {});

// Groups points by (op, scope, ranks, nodes, algo) and fits each group of >= 2 sizes, in that sort order.
std::vector<CollectiveCurve> fit_collectives(const std::vector<CollectivePoint>& points,
                                             const CollectiveFitOptions& options = {});

// Measured against fitted bus bandwidth at one size.
struct CollectiveResidual {
  double bytes = 0;
  double measured_busbw = 0, fitted_busbw = 0;  // bytes/s
  double rel_error = 0;                         // fitted / measured - 1
};

// Residuals of `curve` at the points that belong to it (same op, scope, ranks, nodes, algo), in size order.
std::vector<CollectiveResidual> residuals(const CollectiveCurve& curve, const std::vector<CollectivePoint>& points);

// Mean absolute relative busbw error, split at 1 MB (bandwidth-bound above, latency-bound below).
struct FitAccuracy {
  double mae_large = 0, mae_small = 0;  // fractions; 0 where there are no such points
  int n_large = 0, n_small = 0;
};
FitAccuracy accuracy(const std::vector<CollectiveResidual>& residuals);

}  // namespace aiscale::calibration

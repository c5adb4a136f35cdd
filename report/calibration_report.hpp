#pragma once
// A calibration profile for people: the GEMM fit per dtype with each measured shape's residual, memory and launch
// figures, and each collective curve's regimes with the residual of every measured size.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/calibration_profile.hpp"
#include "models/catalog.hpp"

namespace aiscale::calibration {

// A profile parsed for showing: its GPU, the parsed profile, and its collective curves, those the profile stores plus
// any fitted now for points it holds without a stored curve.
struct CalibrationView {
  const GpuSpec* gpu = nullptr;
  CalibrationProfile profile;
  std::vector<CollectiveCurve> curves;
  bool fitted_now = false;
};
CalibrationView calibration_view(const std::string& origin, const nlohmann::json& doc);

// One line per curve: op, scope, ranks, nodes, algorithm, points, regimes, mean absolute error above and below 1 MB.
std::string fit_summary(const std::vector<CollectiveCurve>& curves, const std::vector<CollectivePoint>& points);
// What `aiscale calibrate show` prints.
std::string calibration_report(const std::string& origin, const CalibrationView& view);

}  // namespace aiscale::calibration

#pragma once
// Plots of a profile's measurements against its fitted curves, as a self-contained SVG (no plotting dependency).
#include <string>
#include <vector>

#include "models/calibration_profile.hpp"

namespace aiscale::calibration {

// One panel per collective curve (bus bandwidth against size, log axis) and one for GEMM (TFLOP/s against FLOPs);
// measured points are dots, fits are lines. `peak_tflops_bf16` scales the GEMM fit line (0: no line).
std::string plot_svg(const CalibrationProfile& profile, const std::vector<CollectiveCurve>& curves,
                     double peak_tflops_bf16);

}  // namespace aiscale::calibration

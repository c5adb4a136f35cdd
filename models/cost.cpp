#include "models/cost.hpp"

#include <cmath>

namespace aiscale {

TrainingTotals training_totals(double step_time_s, double tokens_per_step, double tokens, int gpus,
                               double usd_per_gpu_hour, double tdp_w, double pue) {
  TrainingTotals t;
  if (tokens <= 0 || tokens_per_step <= 0) return t;
  t.steps = std::ceil(tokens / tokens_per_step);
  t.time_s = t.steps * step_time_s;
  t.days = t.time_s / 86400.0;
  t.gpu_hours = t.time_s / 3600.0 * gpus;
  t.cost_usd = t.gpu_hours * usd_per_gpu_hour;
  t.energy_mwh = t.gpu_hours * tdp_w * pue / 1e6;  // GPU-hours x W = Wh
  return t;
}

}  // namespace aiscale

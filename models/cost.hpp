#pragma once
// Time, money and energy to train: steps from the token budget, GPU-hours at the scenario's price, and energy
// from each GPU's board power.
namespace aiscale {

struct TrainingTotals {
  double steps = 0;
  double time_s = 0;
  double days = 0;
  double gpu_hours = 0;
  double cost_usd = 0;
  double energy_mwh = 0;
};

// First energy model, stated as such: every GPU draws its TDP for the whole run, times the facility PUE
// (host CPUs, NICs and switches are not counted separately).
TrainingTotals training_totals(double step_time_s, double tokens_per_step, double tokens, int gpus,
                               double usd_per_gpu_hour, double tdp_w, double pue);

}  // namespace aiscale

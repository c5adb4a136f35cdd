#include "report/plan_plots.hpp"

#include "report/svg_plot.hpp"

namespace aiscale {

std::string pareto_plot_svg(const PlanReport& rep, const Scenario& base) {
  const bool per_step = base.training.tokens <= 0;
  PlotSpec p;
  p.title = "Pareto front: " + base.model.name + " on " + base.cluster.gpu.name;
  p.x_label = per_step ? "step time (s)" : "time to train (days)";
  p.y_label = per_step ? "GPU-seconds per step" : "cost (USD)";
  PlotSeries all{"fits in memory", {}, {}, false, "#bbbbbb", 2.0};
  PlotSeries front{"Pareto front", {}, {}, true, "#d62728", 4.0};
  for (const auto& c : rep.all_fitting) {
    all.x.push_back(per_step ? c.step_time_s : c.days);
    all.y.push_back(per_step ? c.step_time_s * c.gpus : c.cost_usd);
  }
  for (const auto& c : rep.pareto) {
    front.x.push_back(per_step ? c.step_time_s : c.days);
    front.y.push_back(per_step ? c.step_time_s * c.gpus : c.cost_usd);
  }
  p.log_x = p.log_y = true;
  p.series = {all, front};
  return render_svg(p);
}

std::string scaling_plot_svg(const PlanReport& rep, const Scenario& base, const PlanOptions& options) {
  const bool per_step = base.training.tokens <= 0;
  PlotSpec p;
  p.title = "Scaling: " + base.model.name + " on " + base.cluster.gpu.name;
  p.x_label = "GPUs";
  p.y_label = per_step ? "step time (s)" : "time to train (days)";
  p.log_x = p.log_y = true;
  PlotSeries best{"best " + to_string(options.objective), {}, {}, true, "#1f77b4", 4.0};
  PlotSeries ideal{"linear scaling", {}, {}, true, "#999999", 0.0};
  for (const auto& c : rep.best_per_gpu_count) {
    best.x.push_back(c.gpus);
    best.y.push_back(per_step ? c.step_time_s : c.days);
  }
  if (!best.x.empty())
    for (double g : best.x) ideal.x.push_back(g), ideal.y.push_back(best.y[0] * best.x[0] / g);
  p.series = {best, ideal};
  return render_svg(p);
}

}  // namespace aiscale

#pragma once
// aiscale's front-end library: everything the CLI, the GUI or another program calls. Load a scenario (with every
// issue as data), simulate it on an engine, run the studies with an observer and a cancellation token, build its
// network, calibrate; render with report/. Nothing here knows a command-line flag or a widget.
#include "api/calibration.hpp"
#include "api/scenario.hpp"
#include "api/simulate.hpp"
#include "api/studies.hpp"
#include "api/topology.hpp"
#include "models/file_io.hpp"
#include "report/calibration_plot.hpp"
#include "report/plan_plots.hpp"
#include "report/result_report.hpp"
#include "report/svg_plot.hpp"
#include "report/tables.hpp"

#pragma once
// Calibration for a front end: read a profile (file or shipped name), import nccl-tests logs into a new one, and
// the parsed view of a profile's fits and residuals.
#include "calibration/collective_fit.hpp"
#include "calibration/nccl_tests.hpp"
#include "calibration/profile_io.hpp"
#include "report/calibration_report.hpp"

namespace aiscale::api {

using calibration::calibration_view;
using calibration::CalibrationView;
using calibration::fit_profile;
using calibration::import_nccl_tests;
using calibration::NcclImport;
using calibration::read_profile_doc;

}  // namespace aiscale::api

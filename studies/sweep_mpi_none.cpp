// Builds without MPI: sweeps run in one process only.
#include "models/error.hpp"
#include "studies/sweep.hpp"

namespace aiscale {

bool sweep_mpi_available() { return false; }

SweepStats run_sweep_mpi(const SweepSpec&, const SweepOptions&, const RunControl&) {
  throw Error("mpirun", "this aiscale was built without MPI; install libopenmpi-dev and rebuild");
}

}  // namespace aiscale

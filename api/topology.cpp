#include "api/topology.hpp"

namespace aiscale::api {

NetworkView build_network(const Scenario& sc) {
  NetworkView v{topology::build_topology(sc.cluster), {}};
  v.analysis = topology::analyse(v.topology);
  return v;
}

}  // namespace aiscale::api

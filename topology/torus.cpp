#include "topology/torus.hpp"

#include <cstdint>

#include "models/error.hpp"

namespace aiscale::topology {

namespace {
constexpr const char* kField = "cluster.scale_out.torus_dims";
}

std::vector<int> parse_torus_dims(const std::string& text) {
  std::vector<int> dims;
  if (text.empty()) throw Error(kField, "is required for a torus: sizes per dimension such as \"8x8x4\"");
  std::int64_t cur = -1;
  for (size_t i = 0; i <= text.size(); ++i) {
    const char ch = i < text.size() ? text[i] : 'x';
    if (ch >= '0' && ch <= '9') {
      cur = (cur < 0 ? 0 : cur) * 10 + (ch - '0');
      if (cur > 1000000) throw Error(kField, "dimension too large in '" + text + "'");
    } else if (ch == 'x' || ch == 'X') {
      if (cur < 1) throw Error(kField, "'" + text + "' is not a list of positive sizes such as \"8x8x4\"");
      dims.push_back(static_cast<int>(cur));
      cur = -1;
    } else {
      throw Error(kField, "unexpected '" + std::string(1, ch) + "' in '" + text + "'; write sizes as \"8x8x4\"");
    }
  }
  if (dims.size() > 3)
    throw Error(kField,
                "'" + text + "' has " + std::to_string(dims.size()) + " dimensions; a torus here has 1, 2 or 3");
  return dims;
}

std::vector<int> check_torus(const ClusterSpec& c) {
  const ScaleOut& so = c.scale_out;
  const std::vector<int> dims = parse_torus_dims(so.torus_dims);
  std::int64_t product = 1;
  for (int d : dims) product *= d;
  if (product != c.nodes)
    throw Error(kField, "'" + so.torus_dims + "' has " + std::to_string(product) + " positions but the cluster has " +
                            std::to_string(c.nodes) + " nodes; the sizes must multiply to cluster.nodes");
  return dims;
}

void build_torus(Topology& topo) {
  const ClusterSpec& c = topo.spec();
  const ScaleOut& so = c.scale_out;
  const std::vector<int> dims = check_torus(c);

  const int n_dims = static_cast<int>(dims.size());
  const double nic = so.nic();
  // Each node's injection bandwidth (nics x NIC rate) is spread over its 2n torus directions.
  const double link_bw = so.nics_per_node * nic / (2.0 * n_dims);
  const double lat = so.latency();
  std::vector<Vertex> r;
  r.reserve(static_cast<size_t>(c.nodes));
  for (int n = 0; n < c.nodes; ++n) {
    r.push_back(topo.add_vertex(VertexKind::TorusRouter, n, 0, -1));
    for (Vertex v : topo.node_nics(n)) topo.add_link(v, r.back(), nic, 0.0, Medium::Board, LinkTier::Access);
  }
  // Node index = x0 + d0*(x1 + d1*x2). A folded torus keeps every link short (Dally & Towles, "Principles and
  // Practices of Interconnection Networks", 2004, §5.3): dimension 0 runs inside a rack row in copper, the others
  // between rows in optics.
  std::int64_t stride = 1;
  for (int d = 0; d < n_dims; ++d) {
    const int size = dims[static_cast<size_t>(d)];
    const Medium medium = d == 0 ? Medium::Copper : Medium::Optical;
    if (size > 1) {
      for (std::int64_t n = 0; n < c.nodes; ++n) {
        const std::int64_t x = (n / stride) % size;
        if (size == 2 && x == 1) continue;  // both neighbours are the same node: one bundle of 2 links
        const std::int64_t m = n + (((x + 1) % size) - x) * stride;
        topo.add_link(r[static_cast<size_t>(n)], r[static_cast<size_t>(m)], link_bw, lat, medium, LinkTier::Torus,
                      size == 2 ? 2 : 1);
      }
    }
    stride *= size;
  }
  FabricShape& f = topo.fabric();
  f.kind = "torus";
  f.endpoints = c.nodes * so.nics_per_node;
  f.nic_bandwidth = nic;
  f.torus_dims = dims;
}

}  // namespace aiscale::topology

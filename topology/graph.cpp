#include "topology/graph.hpp"

namespace aiscale::topology {

Vertex Topology::add_vertex(VertexKind kind, int node, int local, int group) {
  auto& list = by_kind_[static_cast<int>(kind)];
  const Vertex v = boost::add_vertex(VertexProps{kind, static_cast<std::int32_t>(list.size()), node, local, group}, g_);
  list.push_back(v);
  if (kind == VertexKind::Nic) {
    if (node_nics_.size() <= static_cast<size_t>(node)) node_nics_.resize(static_cast<size_t>(node) + 1);
    node_nics_[static_cast<size_t>(node)].push_back(v);
  }
  return v;
}

Edge Topology::add_link(Vertex a, Vertex b, double bandwidth, double latency, Medium medium, LinkTier tier, int count) {
  return boost::add_edge(a, b, LinkProps{bandwidth, latency, count, medium, tier}, g_).first;
}

const std::vector<Vertex>& Topology::node_nics(int node) const {
  static const std::vector<Vertex> kNone;
  if (node < 0 || static_cast<size_t>(node) >= node_nics_.size()) return kNone;
  return node_nics_[static_cast<size_t>(node)];
}

namespace {

// prefix + a (+ "." + b): appended piecewise, which also keeps GCC 12's -Wrestrict false positive away.
std::string id(const char* prefix, long long a, long long b = -1) {
  std::string s(prefix);
  s += std::to_string(a);
  if (b >= 0) {
    s += '.';
    s += std::to_string(b);
  }
  return s;
}

}  // namespace

std::string Topology::name(Vertex v) const {
  const VertexProps& p = g_[v];
  switch (p.kind) {
    case VertexKind::Gpu:
      return id("gpu", p.index);
    case VertexKind::NvSwitch:
      return id("nvsw", p.group, p.local);
    case VertexKind::PcieSwitch:
      return id("pcie", p.node);
    case VertexKind::Nic:
      return id("nic", p.node, p.local);
    case VertexKind::Leaf:
      return id("leaf", p.index);
    case VertexKind::Spine:
      return id("spine", p.index);
    case VertexKind::Core:
      return id("core", p.index);
    case VertexKind::Router:
      return id("router", p.group, p.local);
    case VertexKind::TorusRouter:
      return id("torus", p.index);
  }
  return id("v", static_cast<long long>(v));
}

std::string to_string(VertexKind k) {
  switch (k) {
    case VertexKind::Gpu:
      return "gpu";
    case VertexKind::NvSwitch:
      return "nvswitch";
    case VertexKind::PcieSwitch:
      return "pcie-switch";
    case VertexKind::Nic:
      return "nic";
    case VertexKind::Leaf:
      return "leaf";
    case VertexKind::Spine:
      return "spine";
    case VertexKind::Core:
      return "core";
    case VertexKind::Router:
      return "router";
    case VertexKind::TorusRouter:
      return "torus-router";
  }
  return "?";
}

std::string to_string(Medium m) {
  switch (m) {
    case Medium::Board:
      return "board";
    case Medium::Copper:
      return "copper";
    case Medium::Optical:
      return "optical";
  }
  return "?";
}

std::string to_string(LinkTier t) {
  switch (t) {
    case LinkTier::NvLink:
      return "nvlink";
    case LinkTier::Pcie:
      return "pcie";
    case LinkTier::Access:
      return "access";
    case LinkTier::LeafSpine:
      return "leaf-spine";
    case LinkTier::SpineCore:
      return "spine-core";
    case LinkTier::DragonflyLocal:
      return "dragonfly-local";
    case LinkTier::DragonflyGlobal:
      return "dragonfly-global";
    case LinkTier::Torus:
      return "torus";
  }
  return "?";
}

std::string tier_label(LinkTier t) {
  switch (t) {
    case LinkTier::NvLink:
      return "GPU-NVSwitch (NVLink)";
    case LinkTier::Pcie:
      return "GPU-NIC (PCIe)";
    case LinkTier::Access:
      return "NIC-switch (access)";
    case LinkTier::LeafSpine:
      return "leaf-spine";
    case LinkTier::SpineCore:
      return "spine-core";
    case LinkTier::DragonflyLocal:
      return "dragonfly local";
    case LinkTier::DragonflyGlobal:
      return "dragonfly global";
    case LinkTier::Torus:
      return "torus";
  }
  return "?";
}

int vertex_level(VertexKind k) {
  switch (k) {
    case VertexKind::Gpu:
      return 0;
    case VertexKind::NvSwitch:
    case VertexKind::PcieSwitch:
    case VertexKind::Nic:
      return 1;
    case VertexKind::Leaf:
    case VertexKind::Router:
    case VertexKind::TorusRouter:
      return 2;
    case VertexKind::Spine:
      return 3;
    case VertexKind::Core:
      return 4;
  }
  return 0;
}

bool is_switch(VertexKind k) { return k != VertexKind::Gpu && k != VertexKind::Nic; }

}  // namespace aiscale::topology

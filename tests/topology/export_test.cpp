#include "topology/export.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "tests/topology/cluster_fixtures.hpp"
#include "topology/analysis.hpp"
#include "topology/bom.hpp"
#include "topology/builder.hpp"

namespace aiscale::topology {
namespace {

using testing::dgx_h100;

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Minimal well-formedness check: every element opened is closed in order (self-closing tags count as both).
bool xml_balanced(const std::string& xml) {
  std::vector<std::string> stack;
  const std::regex tag(R"(<(/?)([A-Za-z_][\w.-]*)[^<>]*?(/?)>)");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), tag); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    if (m[1].length() == 0 && m[3].length() == 0) {
      stack.push_back(m[2]);
    } else if (m[1].length() == 1) {
      if (stack.empty() || stack.back() != m[2].str()) return false;
      stack.pop_back();
    }
  }
  return stack.empty();
}

TEST(Export, DotListsEveryVertexAndLink) {
  const Topology t = build_topology(dgx_h100(4));
  const std::string dot = to_dot(t);
  EXPECT_EQ(dot.rfind("graph cluster {", 0), 0u);
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
  EXPECT_EQ(occurrences(dot, " -- "), t.num_edges());
  EXPECT_EQ(occurrences(dot, "\" [shape=box,"), 32u);   // each GPU declared once
  EXPECT_EQ(dot, to_dot(build_topology(dgx_h100(4))));  // deterministic
}

TEST(Export, JsonSummaryParses) {
  const Topology t = build_topology(dgx_h100(128));
  const Analysis a = analyse(t);
  const std::string text = to_json(t, a).dump(2);
  const nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["schema"], "aiscale/topology/v1");
  EXPECT_EQ(j["gpus"], 1024);
  EXPECT_EQ(j["fabric"]["kind"], "rail-optimized");
  EXPECT_EQ(j["fabric"]["tiers"], 2);
  EXPECT_DOUBLE_EQ(j["bisection"]["ratio"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["bisection"]["closed_form_Bps"].get<double>(), 512 * 50e9);
  bool leaf = false;
  for (const auto& d : j["devices"])
    if (d["kind"] == "leaf") {
      leaf = true;
      EXPECT_EQ(d["count"], 32);
      EXPECT_EQ(d["radix"], 64);
    }
  EXPECT_TRUE(leaf);
  EXPECT_EQ(text, to_json(t, analyse(t)).dump(2));
}

TEST(Export, SimgridFullRoutingHasAHostPerGpuAndGpuRoutes) {
  const Topology t = build_topology(dgx_h100(2));
  const std::string xml = to_simgrid_platform(t);
  EXPECT_NE(xml.find("<platform version=\"4.1\">"), std::string::npos);
  EXPECT_NE(xml.find("routing=\"Full\""), std::string::npos);
  EXPECT_TRUE(xml_balanced(xml));
  EXPECT_EQ(occurrences(xml, "<host "), 16u);
  for (int i = 0; i < 16; ++i) EXPECT_NE(xml.find("<host id=\"" + simgrid_host_name(i) + "\""), std::string::npos);
  EXPECT_EQ(occurrences(xml, "<link "), t.num_edges());
  EXPECT_EQ(occurrences(xml, "<route "), 16u * 15u);
  // GPU 0 to GPU 9 (other node): GPU-NIC-leaf-NIC-GPU or via a spine, every hop a declared link with a direction.
  const std::regex route(
      R"re(<route src="gpu0" dst="gpu9" symmetrical="NO">((<link_ctn id="[^"]+" direction="(UP|DOWN)"/>)+)</route>)re");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(xml, m, route));
  std::set<std::string> links;
  const std::regex ctn(R"re(<link_ctn id="([^"]+)")re");
  const std::string body = m[1];
  for (auto it = std::sregex_iterator(body.begin(), body.end(), ctn); it != std::sregex_iterator(); ++it) {
    EXPECT_NE(xml.find("<link id=\"" + (*it)[1].str() + "\""), std::string::npos);
    links.insert((*it)[1]);
  }
  EXPECT_GE(links.size(), 4u);
  EXPECT_EQ(xml, to_simgrid_platform(build_topology(dgx_h100(2))));
}

TEST(Export, SimgridDijkstraForLargeClusters) {
  const Topology t = build_topology(dgx_h100(16));
  const std::string xml = to_simgrid_platform(t);  // 128 GPUs > Full routing limit
  EXPECT_NE(xml.find("routing=\"Dijkstra\""), std::string::npos);
  EXPECT_TRUE(xml_balanced(xml));
  EXPECT_EQ(occurrences(xml, "<host "), 128u);
  EXPECT_EQ(occurrences(xml, "<router "), t.num_vertices() - 128u);
  EXPECT_EQ(occurrences(xml, "<route "), 2 * t.num_edges());
}

TEST(Export, BillOfMaterialsNamesTheParts) {
  const Topology t = build_topology(dgx_h100(128));
  const std::string bom = render_bom(t, analyse(t), "superpod");
  EXPECT_NE(bom.find("NVIDIA Quantum-2 QM9700 (64x NDR 400G)"), std::string::npos) << bom;
  EXPECT_NE(bom.find("Leaf switch"), std::string::npos);
  EXPECT_NE(bom.find("Spine switch"), std::string::npos);
  EXPECT_NE(bom.find("Transceivers"), std::string::npos);
  EXPECT_NE(bom.find("Bisection bandwidth"), std::string::npos);
  EXPECT_NE(bom.find("Diameter"), std::string::npos);
}

}  // namespace
}  // namespace aiscale::topology

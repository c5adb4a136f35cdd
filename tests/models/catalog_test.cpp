#include <gtest/gtest.h>

#include "models/catalog.hpp"

using namespace aiscale;

TEST(Catalog, HasEveryIssueGpuWithSources) {
  for (const char* n : {"a100-sxm4-40gb", "a100-sxm4-80gb", "h100-sxm", "h800", "h200", "b200", "gb200"}) {
    const GpuSpec* g = find_gpu(n);
    ASSERT_NE(g, nullptr) << n;
    EXPECT_GT(g->peak_bf16.value, 0) << n;
    EXPECT_GT(g->hbm_capacity.value, 0) << n;
    EXPECT_GT(g->tdp.value, 0) << n;
    EXPECT_FALSE(g->source.empty()) << n;
    EXPECT_NE(find_node(g->default_node), nullptr) << n;
  }
}

TEST(Catalog, DatasheetFigures) {
  EXPECT_DOUBLE_EQ(find_gpu("h100-sxm")->peak_bf16.value, 989.4e12);
  EXPECT_DOUBLE_EQ(find_gpu("A100_SXM4_80GB")->peak_fp16.value, 312e12);
  EXPECT_DOUBLE_EQ(find_gpu("h800")->nvlink_bandwidth.value, 400e9);
  EXPECT_EQ(find_gpu("a100-sxm4-40gb")->peak_fp8.value, 0);
  EXPECT_EQ(find_gpu("gb200")->nvlink_domain, 72);
  EXPECT_EQ(find_gpu("nonexistent"), nullptr);
}

TEST(Catalog, NodeTypes) {
  const NodeType* a = find_node("hgx-a100");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->gpus, 8);
  EXPECT_EQ(a->nics, 8);
  EXPECT_DOUBLE_EQ(a->nic_bandwidth.value, 25e9);
  EXPECT_DOUBLE_EQ(find_node("dgx-h100")->scale_up_bandwidth.value, 450e9);
}

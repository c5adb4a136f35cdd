#include <gtest/gtest.h>

#include "models/error.hpp"
#include "models/units.hpp"

using namespace aiscale;

TEST(Units, ParsesSiAndBinaryPrefixes) {
  EXPECT_DOUBLE_EQ(parse<Bandwidth>("400Gbps", "f").value, 50e9);
  EXPECT_DOUBLE_EQ(parse<Bandwidth>("900GBps", "f").value, 900e9);
  EXPECT_DOUBLE_EQ(parse<Seconds>("1.5us", "f").value, 1.5e-6);
  EXPECT_DOUBLE_EQ(parse<Bytes>("80GiB", "f").value, 80.0 * 1073741824.0);
  EXPECT_DOUBLE_EQ(parse<Watts>("700W", "f").value, 700);
  EXPECT_DOUBLE_EQ(parse<FlopRate>("989TFLOPS", "f").value, 989e12);
  EXPECT_DOUBLE_EQ(parse<Usd>("2.0USD", "f").value, 2.0);
  EXPECT_DOUBLE_EQ(parse<Bytes>("1e3MB", "f").value, 1e9);
  EXPECT_DOUBLE_EQ(parse<Bandwidth>(" 25 GB/s ", "f").value, 25e9);
}

TEST(Units, MissingUnitNamesFieldAndUnits) {
  try {
    parse<Bandwidth>("400", "cluster.scale_out.nic");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.path(), "cluster.scale_out.nic");
    EXPECT_NE(e.message().find("no unit"), std::string::npos);
    EXPECT_NE(e.message().find("Gbps"), std::string::npos);
  }
}

TEST(Units, RejectsWrongDimensionAndGarbage) {
  EXPECT_THROW(parse<Bandwidth>("80GiB", "f"), Error);
  EXPECT_THROW(parse<Seconds>("fast", "f"), Error);
  EXPECT_THROW(parse<Bytes>("", "f"), Error);
  EXPECT_THROW(parse<Bytes>("1.2.3GB", "f"), Error);
}

TEST(Units, Formatting) {
  EXPECT_EQ(format_bytes(80.0 * 1073741824.0), "80.00 GiB");
  EXPECT_EQ(format_bandwidth(300e9), "300.0 GB/s");
  EXPECT_EQ(format_time(0.0125), "12.50 ms");
}

TEST(Errors, NearestSuggestsTypos) {
  EXPECT_EQ(nearest("paralelism", {"parallelism", "training", "cluster"}), "parallelism");
  EXPECT_EQ(nearest("zzzzzzzz", {"tp", "pp"}), "");
}

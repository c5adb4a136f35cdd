// Input that once crashed aiscale or slipped through to inf/NaN results (fuzzing, 2026-12): each case must end in
// errors that name the field, never in a crash, an internal error or a silently defaulted value.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "models/calibration_profile.hpp"
#include "models/error.hpp"
#include "models/scenario.hpp"
#include "models/transformer.hpp"
#include "tests/scenario_support.hpp"

using namespace aiscale;
using aiscale::test_support::has_issue;
using aiscale::test_support::issues_of;

namespace {

bool one_printable_line(const std::vector<Issue>& v) {
  for (const auto& i : v)
    for (unsigned char c : i.path + i.message)
      if (c < 0x20 || c == 0x7F) return false;
  return !v.empty();
}

std::string write_temp(const std::string& name, const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / ("aiscale-robustness-" + name);
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

std::string hf_error(const std::string& json) {
  try {
    model_from_hf_config(nlohmann::json::parse(json), "cfg.json");
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Robustness, ParallelismProductsDoNotOverflow) {
  // tp*pp = 2^32 wrapped to 0 in int and divided the GPU count (SIGFPE) when dp was "auto".
  auto doc = default_scenario_json();
  doc["parallelism"]["tp"] = 65536;
  doc["parallelism"]["pp"] = 65536;
  doc["parallelism"]["dp"] = "auto";
  EXPECT_TRUE(has_issue(issues_of(doc), "parallelism", "= 4294967296 but the cluster has 1024 GPUs"));
  doc["parallelism"].erase("pp");
  doc["parallelism"]["cp"] = 65536;
  EXPECT_TRUE(has_issue(issues_of(doc), "parallelism", "4294967296"));
  // pp*vpp = 2^32 wrapped to 0: layers % 0.
  doc = default_scenario_json();
  doc["parallelism"]["pp"] = 65536;
  doc["parallelism"]["vpp"] = 65536;
  EXPECT_TRUE(has_issue(issues_of(doc), "parallelism.vpp", "pp*vpp = 4294967296"));
  // micro_batch*dp wrapped as well.
  doc = default_scenario_json();
  doc["parallelism"]["micro_batch"] = 65536;
  doc["parallelism"]["dp"] = 65536;
  EXPECT_TRUE(has_issue(issues_of(doc), "training.global_batch", "micro_batch*dp"));
}

TEST(Robustness, ParallelismDegreesAreBounded) {
  for (const char* k : {"tp", "pp", "dp", "cp", "ep", "vpp", "etp", "micro_batch"}) {
    auto doc = default_scenario_json();
    doc["parallelism"][k] = 2000000;
    EXPECT_TRUE(has_issue(issues_of(doc), std::string("parallelism.") + k, "must be at most 1,048,576")) << k;
  }
}

TEST(Robustness, GpuCountFitsAnInt) {
  auto doc = default_scenario_json();
  doc["cluster"]["nodes"] = 1000000000;  // x 8 GPUs printed as -589934592
  EXPECT_TRUE(has_issue(issues_of(doc), "cluster.nodes", "must be at most 1,048,576"));
  doc = default_scenario_json();
  doc["cluster"]["gpus_per_node"] = 1000000;
  EXPECT_TRUE(has_issue(issues_of(doc), "cluster.gpus_per_node", "must be at most 1,024"));
  EXPECT_GT(long(kMaxNodes) * kMaxGpusPerNode, 0L);
  EXPECT_LE(long(kMaxNodes) * kMaxGpusPerNode, 2147483647L);
}

TEST(Robustness, DeeplyNestedInputIsRefused) {
  // A 100,000-deep array overflowed the stack when copied or printed (copies and dump() recurse once per level):
  // input files and override values deeper than kMaxJsonDepth are refused while parsing, which does not recurse.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string file = testing::TempDir() + "deep.json";
  std::ofstream(file) << "{\"name\": " << deep << "}";
  try {
    read_json_file(file);
    FAIL() << "a 100,000-deep file must be refused";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("nested more than 64 levels"), std::string::npos) << e.what();
  }
  auto doc = default_scenario_json();
  EXPECT_THROW(apply_overrides(doc, {"training.precision=" + deep}), Error);
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_NO_THROW(apply_overrides(doc, {"training.precision=" + ok}));
}

TEST(Robustness, NestedValueIsNotDumpedInAnError) {
  // Error text shows arrays and objects by their type, not their (possibly huge) content.
  const auto deep = nlohmann::json::parse(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']'));
  auto doc = default_scenario_json();
  doc["training"]["precision"] = deep;
  doc["name"] = deep;
  doc["parallelism"]["fsdp"] = deep;
  const auto v = issues_of(doc);
  EXPECT_TRUE(has_issue(v, "training.precision", "must be one of fp32, tf32, bf16, fp16, fp8, not an array"));
  EXPECT_TRUE(has_issue(v, "name", "must be a string, not an array"));
  EXPECT_TRUE(has_issue(v, "parallelism.fsdp", "must be true or false, not an array"));
}

TEST(Robustness, ControlCharactersAreEscapedInErrors) {
  auto doc = default_scenario_json();
  doc["training"]["precision"] = "bf16\n";
  doc["model"] = "gpt3-175b\n";
  const auto v = issues_of(doc);
  EXPECT_TRUE(one_printable_line(v));
  EXPECT_TRUE(has_issue(v, "training.precision", "'bf16\\n' is not one of"));
  EXPECT_TRUE(has_issue(v, "model", "'gpt3-175b\\n'"));
  const Error e("a\tb", "x\ny\rz\x01\x7F");
  EXPECT_STREQ(e.what(), "a\\tb: x\\ny\\rz\\x01\\x7F");
  EXPECT_EQ(one_line("h\xC3\xA9llo \xE2\x82\xAC"), "h\xC3\xA9llo \xE2\x82\xAC");  // UTF-8 stays as it is
  EXPECT_EQ(one_line("\xFF\xC0\x80"), "\\xFF\\xC0\\x80");
}

TEST(Robustness, InvalidUtf8TextIsRejected) {
  // The scenario name reached the JSON result, whose dump() threw type_error.316.
  auto doc = default_scenario_json();
  doc["name"] = "run-\xFF";
  doc["description"] = "\xED\xA0\x80";  // a UTF-16 surrogate
  const auto v = issues_of(doc);
  EXPECT_TRUE(has_issue(v, "name", "'run-\\xFF' is not valid UTF-8"));
  EXPECT_TRUE(has_issue(v, "description", "is not valid UTF-8"));
  EXPECT_TRUE(one_printable_line(v));
  EXPECT_TRUE(valid_utf8("h\xC3\xA9llo \xF0\x9F\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xC0\x80"));          // overlong
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xE2\x82"));          // cut short
}

TEST(Robustness, QuantitiesMustBeFiniteAndInASaneRange) {
  const auto check = [](const std::string& path, const std::string& value, const std::string& text) {
    auto doc = default_scenario_json();
    const auto dot = path.rfind('.');
    nlohmann::json* node = &doc;
    for (size_t start = 0; start < dot;) {
      const size_t next = path.find('.', start);
      node = &(*node)[path.substr(start, next - start)];
      start = next + 1;
    }
    (*node)[path.substr(dot + 1)] = value;
    EXPECT_TRUE(has_issue(issues_of(doc), path, text)) << path << " = " << value;
  };
  check("cluster.scale_up.bandwidth", "0GBps", "must be between 1KBps and 1000TBps, got '0GBps'");
  check("cluster.scale_up.bandwidth", "-0GBps", "must not be negative");
  check("cluster.scale_out.nic", "1e-320Gbps", "must be between 1KBps and 1000TBps");
  check("cluster.scale_out.nic", "1e308Gbps", "too large");
  check("cluster.scale_out.nic", "1e17GBps", "must be between 1KBps and 1000TBps");
  check("cluster.scale_out.latency", "-0us", "must not be negative");
  check("cluster.scale_out.latency", "2d", "between 0s and 1d");
  check("cost.gpu_hour", "1e308USD", "between 0.0001USD and 1MUSD");
  check("cost.gpu_hour", "0USD", "between 0.0001USD and 1MUSD");
  auto doc = default_scenario_json();
  doc["cluster"]["gpu"] = {{"base", "a100-sxm4-80gb"}, {"hbm_capacity", "1e308GiB"}, {"hbm_bandwidth", "2000TBps"}, {"tdp", "0W"},
                           {"peak_fp32", "1e-320TFLOPS"}};
  auto v = issues_of(doc);
  EXPECT_TRUE(has_issue(v, "cluster.gpu.hbm_capacity", "'1e308GiB' is too large to represent"));
  EXPECT_TRUE(has_issue(v, "cluster.gpu.hbm_bandwidth", "between 1KBps and 1000TBps"));
  EXPECT_TRUE(has_issue(v, "cluster.gpu.tdp", "between 1W and 1MW"));
  EXPECT_TRUE(has_issue(v, "cluster.gpu.peak_fp32", "between 1GFLOPS and 1EFLOPS (or 0 for none)"));
  // A zero BF16 peak is the GPU field's error, not training.precision's.
  doc["cluster"]["gpu"] = {{"base", "a100-sxm4-80gb"}, {"peak_bf16", "0TFLOPS"}};
  v = issues_of(doc);
  EXPECT_TRUE(has_issue(v, "cluster.gpu.peak_bf16", "between 1GFLOPS and 1EFLOPS, got '0TFLOPS'"));
  EXPECT_FALSE(has_issue(v, "training.precision", ""));
  // 0 still marks a data type without tensor cores.
  doc["cluster"]["gpu"] = {{"base", "a100-sxm4-80gb"}, {"peak_fp8", "0TFLOPS"}};
  EXPECT_TRUE(issues_of(doc).empty());
}

TEST(Robustness, HuggingFaceConfigValuesAreChecked) {
  const std::string base = R"("model_type":"mixtral","hidden_size":4096,"num_attention_heads":32,
    "num_hidden_layers":32,"vocab_size":32000,"num_experts_per_tok":2,"num_local_experts":8)";
  EXPECT_EQ(hf_error("{" + base + "}"), "");
  // Wrong JSON types were internal errors (type_error.302).
  EXPECT_EQ(hf_error("{" + base + R"(,"hidden_act":null})"), "cfg.json: hidden_act: must not be null");
  EXPECT_EQ(hf_error(R"({"model_type":5,)" + base.substr(base.find(',') + 1) + "}"),
            "cfg.json: model_type: must be a string, not 5");
  EXPECT_EQ(hf_error("{" + base + R"(,"tie_word_embeddings":"yes"})"),
            "cfg.json: tie_word_embeddings: must be true or false, not \"yes\"");
  // Invalid values were replaced by defaults.
  EXPECT_EQ(hf_error("{" + base + R"(,"intermediate_size":"x"})"),
            "cfg.json: intermediate_size: must be a whole number, not string");
  EXPECT_EQ(hf_error("{" + base + R"(,"num_key_value_heads":1e300})"),
            "cfg.json: num_key_value_heads: must be a whole number below 2e9, got 1e+300");
  std::string moe = base.substr(0, base.rfind(','));
  EXPECT_EQ(hf_error("{" + moe + R"(,"num_local_experts":-1})"),
            "cfg.json: num_local_experts: must be at least 1, got -1");
  EXPECT_EQ(hf_error("{" + moe + R"(,"num_local_experts":0})"), "cfg.json: num_local_experts: must be at least 1, got 0");
  EXPECT_NE(hf_error("{" + moe + R"(,"num_local_experts":2147483648})").find("cfg.json: num_local_experts: "),
            std::string::npos);
  EXPECT_NE(hf_error("{" + moe + R"(,"num_local_experts":"x"})").find("cfg.json: num_local_experts: "),
            std::string::npos);
  // HF writes null for "not set" integers (DeepSeek-V2-Lite's q_lora_rank): the default applies.
  const TransformerConfig m =
      model_from_hf_config(nlohmann::json::parse("{" + base + R"(,"num_key_value_heads":null})"), "cfg.json");
  EXPECT_EQ(m.kv_heads, 32);

  // Through a scenario: one error line naming model.hf_config, the file and the key.
  const std::string file = write_temp("hf.json", "{" + base + R"(,"intermediate_size":"x"})");
  auto doc = default_scenario_json();
  doc["model"] = {{"hf_config", file}};
  EXPECT_TRUE(has_issue(issues_of(doc), "model.hf_config", file + ": intermediate_size: must be a whole number"));
  std::filesystem::remove(file);
}

TEST(Robustness, NumberBeyondADoubleIsAnInputError) {
  // nlohmann's out_of_range.406 ("number overflow") was reported as an internal error.
  const std::string file = write_temp("overflow.json", "{\"seed\": 1e400}");
  try {
    read_json_file(file);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.path(), file);
    EXPECT_NE(e.message().find("1e400"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("out of range"), std::string::npos) << e.message();
  }
  std::filesystem::remove(file);
}

TEST(Robustness, ProfileGemmPointNeedsItsFields) {
  auto doc = nlohmann::json::parse(shipped_profile_text("a100-sxm4-80gb"));
  doc["gemm"]["points"].insert(doc["gemm"]["points"].begin(), nlohmann::json::object());
  try {
    parse_profile(doc, *find_gpu("a100-sxm4-80gb"), "p.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.path(), "p.json: gemm.points[0]");
    EXPECT_NE(e.message().find("missing m, n, k, tflops"), std::string::npos) << e.message();
  }
}

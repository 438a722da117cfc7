// tests/unit/io/checkpoint-test.cc
// ReadCheckpoint on every layout of the WavLM fixtures and on synthetic checkpoints, each
// compared tensor by tensor with an independent reading by torch.load / numpy
// (tests/reference/checkpoint-dump.py); the bad inputs each checked for their message.
#include "io/checkpoint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <regex>

#include "checkpoint-test-util.h"

namespace voxtools {
namespace test {
namespace {

std::string ErrorMessage(const std::string &path) {
  try {
    ReadCheckpoint(path);
  } catch (const Error &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an Error reading " << path;
  return "";
}

TEST(CheckpointTest, EveryReferenceCheckpointMatchesTorch) {
  VOX_REQUIRE_GENERATED_CHECKPOINTS();
  const GeneratedCheckpoints &gen = GeneratedCheckpoints::Get();
  for (const std::string &input : ReferenceInputs()) {
    SCOPED_TRACE(input);
    Checkpoint ckpt = ReadCheckpoint(gen.Path(input));
    ExpectMatchesReference(ckpt, LoadReference(gen.Index(input)));
  }
}

TEST(CheckpointTest, UnilmLayoutHasCfgAndTheSameTensorsAsTheBareStateDict) {
  VOX_REQUIRE_GENERATED_CHECKPOINTS();
  for (const char *config : {"base_tiny", "large_tiny"}) {
    std::string dir = SslFixtureDir() + "/" + config;
    Checkpoint unilm = ReadCheckpoint(dir + "/checkpoint.pt");
    Checkpoint bare = ReadCheckpoint(dir + "/state_dict.pt");
    EXPECT_EQ(unilm.format, CheckpointFormat::kTorchZip);
    EXPECT_TRUE(bare.config.IsNull());
    // The cfg equals the fixture's wavlm_cfg.json, which the generator wrote from it (with
    // sorted keys, so compare member by member).
    JsonValue cfg_json = ParseJson(SlurpFile(dir + "/wavlm_cfg.json"), "wavlm_cfg.json");
    ASSERT_EQ(unilm.config.Members().size(), cfg_json.Members().size());
    for (const auto &m : cfg_json.Members()) {
      ASSERT_NE(unilm.config.Find(m.first), nullptr) << m.first;
      EXPECT_TRUE(JsonEqual(*unilm.config.Find(m.first), m.second)) << m.first;
    }
    ASSERT_EQ(unilm.tensors.size(), bare.tensors.size());
    for (const CheckpointTensor &t : unilm.tensors) {
      const CheckpointTensor &u = bare.Get(t.name);
      EXPECT_EQ(t.shape, u.shape);
      EXPECT_EQ(t.data, u.data) << t.name;
    }
    // README: the top-level cfg carries these fields for base_tiny.
    if (std::string(config) == "base_tiny") {
      EXPECT_EQ(unilm.config.Find("encoder_embed_dim")->AsInt(), 64);
      EXPECT_EQ(unilm.config.Find("extractor_mode")->AsString(), "default");
      EXPECT_EQ(unilm.Get("encoder.layers.0.self_attn.grep_a").shape,
                (std::vector<int64_t>{1, 4, 1, 1}));
    }
  }
}

// The official -> Hugging Face names (fixture README table), applied to a name.
std::string OfficialToHf(std::string n) {
  static const std::vector<std::pair<std::regex, std::string>> kRules = {
      {std::regex(R"(^feature_extractor\.conv_layers\.(\d+)\.0\.weight$)"),
       "feature_extractor.conv_layers.$1.conv.weight"},
      {std::regex(R"(^feature_extractor\.conv_layers\.(\d+)\.2\.1\.(\w+)$)"),
       "feature_extractor.conv_layers.$1.layer_norm.$2"},
      {std::regex(R"(^feature_extractor\.conv_layers\.0\.2\.(\w+)$)"),
       "feature_extractor.conv_layers.0.layer_norm.$1"},
      {std::regex(R"(^layer_norm\.(\w+)$)"), "feature_projection.layer_norm.$1"},
      {std::regex(R"(^post_extract_proj\.(\w+)$)"), "feature_projection.projection.$1"},
      {std::regex(R"(^encoder\.pos_conv\.0\.(\w+)$)"), "encoder.pos_conv_embed.conv.$1"},
      {std::regex(R"(\.self_attn\.grep_linear\.)"), ".attention.gru_rel_pos_linear."},
      {std::regex(R"(\.self_attn\.grep_a$)"), ".attention.gru_rel_pos_const"},
      {std::regex(R"(\.self_attn\.relative_attention_bias\.)"), ".attention.rel_attn_embed."},
      {std::regex(R"(\.self_attn\.)"), ".attention."},
      {std::regex(R"(\.self_attn_layer_norm\.)"), ".layer_norm."},
      {std::regex(R"(\.fc1\.)"), ".feed_forward.intermediate_dense."},
      {std::regex(R"(\.fc2\.)"), ".feed_forward.output_dense."},
      {std::regex(R"(^mask_emb$)"), "masked_spec_embed"},
  };
  for (const auto &rule : kRules) n = std::regex_replace(n, rule.first, rule.second);
  return n;
}

TEST(CheckpointTest, HuggingFaceFolderHoldsTheSameWeightsUnderHfNames) {
  VOX_REQUIRE_GENERATED_CHECKPOINTS();
  for (const char *config : {"base_tiny", "large_tiny"}) {
    std::string dir = SslFixtureDir() + "/" + config;
    Checkpoint hf = ReadCheckpoint(dir);
    Checkpoint official = ReadCheckpoint(dir + "/state_dict.pt");
    EXPECT_EQ(hf.format, CheckpointFormat::kSafetensors);
    EXPECT_EQ(hf.config.Find("model_type")->AsString(), "wavlm");
    EXPECT_EQ(hf.metadata.Find("__metadata__")->Find("format")->AsString(), "pt");
    ASSERT_EQ(hf.tensors.size(), official.tensors.size());
    for (const CheckpointTensor &t : official.tensors) {
      const CheckpointTensor *h = hf.Find(OfficialToHf(t.name));
      ASSERT_NE(h, nullptr) << t.name << " -> " << OfficialToHf(t.name);
      EXPECT_EQ(h->shape, t.shape) << t.name;
      EXPECT_EQ(h->data, t.data) << t.name;
    }
  }
}

TEST(CheckpointTest, ViewsDtypesAndParametersFromTorch) {
  VOX_REQUIRE_GENERATED_CHECKPOINTS();
  Checkpoint c = ReadCheckpoint(GeneratedCheckpoints::Get().Dir() + "/dtypes.pt");
  // Slow, obvious check of the strided gather: transposed[i][j] == base[j][i], etc.
  const CheckpointTensor &base = c.Get("base"), &tr = c.Get("transposed");
  ASSERT_EQ(base.shape, (std::vector<int64_t>{6, 5}));
  ASSERT_EQ(tr.shape, (std::vector<int64_t>{5, 6}));
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 6; j++) EXPECT_EQ(tr.data[i * 6 + j], base.data[j * 5 + i]);
  const CheckpointTensor &step = c.Get("step_slice");  // base[1::2, ::2]
  ASSERT_EQ(step.shape, (std::vector<int64_t>{3, 3}));
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) EXPECT_EQ(step.data[i * 3 + j], base.data[(1 + 2 * i) * 5 + 2 * j]);
  const CheckpointTensor &col = c.Get("column");
  for (int i = 0; i < 6; i++) EXPECT_EQ(col.data[i], base.data[i * 5 + 3]);
  const CheckpointTensor &expanded = c.Get("expanded");  // (3,1) broadcast to (3,4)
  for (int i = 0; i < 3; i++)
    for (int j = 1; j < 4; j++) EXPECT_EQ(expanded.data[i * 4 + j], expanded.data[i * 4]);
  EXPECT_EQ(c.Get("num_batches_tracked").shape, std::vector<int64_t>{});
  EXPECT_EQ(c.Get("num_batches_tracked").data, std::vector<float>{1234.0f});
  EXPECT_EQ(c.Get("mask").data, (std::vector<float>{1, 0, 1}));
  EXPECT_EQ(c.Get("empty").data.size(), 0u);
  EXPECT_EQ(c.Get("i64").dtype, TensorDType::kInt64);
  EXPECT_EQ(c.Get("bf16").dtype, TensorDType::kBFloat16);
}

TEST(CheckpointTest, LegacyFormatReadsTheSameAsZip) {
  VOX_REQUIRE_GENERATED_CHECKPOINTS();
  Checkpoint legacy = ReadCheckpoint(GeneratedCheckpoints::Get().Dir() + "/legacy.pt");
  Checkpoint zip = ReadCheckpoint(GeneratedCheckpoints::Get().Dir() + "/dtypes.pt");
  EXPECT_EQ(legacy.format, CheckpointFormat::kTorchLegacy);
  ASSERT_EQ(legacy.tensors.size(), zip.tensors.size());
  for (size_t i = 0; i < zip.tensors.size(); i++) {
    EXPECT_EQ(legacy.tensors[i].name, zip.tensors[i].name);
    EXPECT_EQ(legacy.tensors[i].dtype, zip.tensors[i].dtype);
    EXPECT_EQ(legacy.tensors[i].shape, zip.tensors[i].shape);
    ASSERT_EQ(legacy.tensors[i].data.size(), zip.tensors[i].data.size());
    if (!zip.tensors[i].data.empty()) {  // memcmp of an empty vector's null data() is UB
      EXPECT_EQ(0, std::memcmp(legacy.tensors[i].data.data(), zip.tensors[i].data.data(),
                               zip.tensors[i].data.size() * 4))
          << zip.tensors[i].name;
    }
  }
}

TEST(CheckpointTest, FairseqNamespaceArgsBecomeTheConfig) {
  VOX_REQUIRE_GENERATED_CHECKPOINTS();
  Checkpoint c = ReadCheckpoint(GeneratedCheckpoints::Get().Dir() + "/namespace.pt");
  EXPECT_EQ(c.config.Find("encoder_layers")->AsInt(), 2);
  EXPECT_EQ(c.config.Find("name")->AsString(), "tiny");
  EXPECT_TRUE(c.config.Find("nothing")->IsNull());
  EXPECT_EQ(c.metadata.Find("extra")->Find("epoch")->AsInt(), 3);
}

TEST(CheckpointTest, BadFilesFailWithAClearMessage) {
  VOX_REQUIRE_GENERATED_CHECKPOINTS();
  const std::string dir = GeneratedCheckpoints::Get().Dir();
  // os.system pickles as posix.system on Linux.
  EXPECT_NE(ErrorMessage(dir + "/forbidden.pt").find("forbidden global 'posix.system' in " + dir +
                                                     "/forbidden.pt"),
            std::string::npos);
  EXPECT_NE(ErrorMessage(dir + "/forbidden4.pt").find("forbidden global 'posix.system'"),
            std::string::npos);
  EXPECT_NE(ErrorMessage(dir + "/truncated.pt").find("truncated"), std::string::npos);
  EXPECT_NE(ErrorMessage(dir + "/deflated.pt").find("is compressed (method 8, deflate)"),
            std::string::npos);
  EXPECT_NE(ErrorMessage(dir + "/no-such-file.pt").find("cannot open"), std::string::npos);
  EXPECT_NE(ErrorMessage(dir).find("holds none of model.safetensors"), std::string::npos);
  WriteFile(dir + "/empty.bin", "");
  EXPECT_NE(ErrorMessage(dir + "/empty.bin").find("is empty"), std::string::npos);
  WriteFile(dir + "/text.bin", "hello, world\n");
  EXPECT_NE(ErrorMessage(dir + "/text.bin").find("not a checkpoint voxtools can read"),
            std::string::npos);
}

TEST(CheckpointTest, EveryTruncationOfAFixtureFailsCleanly) {
  VOX_REQUIRE_GENERATED_CHECKPOINTS();
  for (const char *name : {"dtypes.pt", "dtypes.safetensors", "namespace.pt", "legacy.pt"}) {
    std::string bytes = SlurpFile(GeneratedCheckpoints::Get().Dir() + "/" + name);
    ASSERT_GT(bytes.size(), 100u);
    for (size_t len = 0; len < bytes.size(); len += 7) {
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + len);
      EXPECT_THROW(ReadCheckpointFromMemory(cut.data(), cut.size(), name), Error)
          << name << " cut to " << len << " bytes";
    }
  }
}

TEST(CheckpointTest, HalfAndBFloat16ConversionsAreExact) {
  // Every half value against the obvious formula (sign, exponent, mantissa).
  for (uint32_t h = 0; h < 65536; h++) {
    int sign = (h >> 15) ? -1 : 1, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    float expected;
    if (exp == 0) expected = sign * std::ldexp(static_cast<float>(mant), -24);
    else if (exp == 31) expected = mant ? NAN : sign * INFINITY;
    else expected = sign * std::ldexp(1.0f + mant / 1024.0f, exp - 15);
    float got = HalfToFloat(static_cast<uint16_t>(h));
    if (std::isnan(expected)) EXPECT_TRUE(std::isnan(got)) << h;
    else EXPECT_EQ(got, expected) << "half 0x" << std::hex << h;
    if (std::signbit(got) != (sign < 0)) ADD_FAILURE() << "sign of half 0x" << std::hex << h;
  }
  EXPECT_EQ(BFloat16ToFloat(0x3F80), 1.0f);
  EXPECT_EQ(BFloat16ToFloat(0xC040), -3.0f);
  uint8_t b[2] = {0x80, 0x3F};
  EXPECT_EQ(ElementToFloat(TensorDType::kBFloat16, b), 1.0f);
}

}  // namespace
}  // namespace test
}  // namespace voxtools

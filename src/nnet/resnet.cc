// src/nnet/resnet.cc
#include "nnet/resnet.h"

#include <sstream>

#include "nnet/config-reader.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/shape.h"

namespace voxtools {
namespace {

Conv2dOptions Conv2dStride(int64_t stride, int64_t padding) {
  Conv2dOptions o;
  o.stride[0] = o.stride[1] = stride;
  o.padding[0] = o.padding[1] = padding;
  return o;
}

}  // namespace

// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); the shortcut is a strided 1x1
// conv + BN ("shortcut/0", "shortcut/1") when the shape changes, else the identity.
class ResNet::BasicBlock : public Module {
 public:
  BasicBlock(int64_t in, int64_t out, int64_t stride, RandomGenerator *rng) {
    conv1_ = RegisterModule(
        "conv1", std::make_shared<Conv2dLayer>(in, out, 3, Conv2dStride(stride, 1), false, rng));
    bn1_ = RegisterModule("bn1", std::make_shared<BatchNormLayer>(out));
    conv2_ = RegisterModule(
        "conv2", std::make_shared<Conv2dLayer>(out, out, 3, Conv2dStride(1, 1), false, rng));
    bn2_ = RegisterModule("bn2", std::make_shared<BatchNormLayer>(out));
    if (stride != 1 || in != out) {
      auto seq = RegisterModule("shortcut", std::make_shared<ModuleList>());
      sc_conv_ = seq->Append(
          std::make_shared<Conv2dLayer>(in, out, 1, Conv2dStride(stride, 0), false, rng));
      sc_bn_ = seq->Append(std::make_shared<BatchNormLayer>(out));
    }
  }
  std::string TypeName() const override { return "BasicBlock"; }
  Var Forward(const Var &x) {
    Var h = Relu(bn1_->Forward(conv1_->Forward(x)));
    h = bn2_->Forward(conv2_->Forward(h));
    return Relu(Add(h, sc_conv_ ? sc_bn_->Forward(sc_conv_->Forward(x)) : x));
  }

 private:
  std::shared_ptr<Conv2dLayer> conv1_, conv2_, sc_conv_;
  std::shared_ptr<BatchNormLayer> bn1_, bn2_, sc_bn_;
};

JsonValue ResNetConfig::ToJson() const {
  JsonValue j = JsonValue::Object();
  j.Set("type", JsonValue::String("resnet"));
  j.Set("feat_dim", JsonValue::Int(feat_dim));
  j.Set("base_channels", JsonValue::Int(base_channels));
  JsonValue blocks = JsonValue::Array();
  for (int64_t n : num_blocks) blocks.Append(JsonValue::Int(n));
  j.Set("num_blocks", blocks);
  j.Set("embed_dim", JsonValue::Int(embed_dim));
  j.Set("two_emb_layer", JsonValue::Bool(two_emb_layer));
  j.Set("pooling", pooling.ToJson());
  return j;
}

ResNetConfig ResNetConfig::FromJson(const JsonValue &json) {
  ResNetConfig c;
  ConfigReader r(json, "resnet config");
  std::string type = "resnet";
  r.Get("type", &type);
  if (type != "resnet") VOX_ERR << "resnet config of type \"" << type << "\"";
  r.Get("feat_dim", &c.feat_dim);
  r.Get("base_channels", &c.base_channels);
  r.Get("num_blocks", &c.num_blocks);
  r.Get("embed_dim", &c.embed_dim);
  r.Get("two_emb_layer", &c.two_emb_layer);
  if (const JsonValue *p = r.Sub("pooling")) c.pooling = PoolingConfig::FromJson(*p);
  r.Finish();
  c.Validate();
  return c;
}

void ResNetConfig::Validate() const {
  if (feat_dim < 1) VOX_ERR << "resnet feat_dim " << feat_dim << " must be >= 1";
  if (base_channels < 1) VOX_ERR << "resnet base_channels " << base_channels << " must be >= 1";
  if (num_blocks.size() != 4) VOX_ERR << "resnet num_blocks needs 4 stages, got " << num_blocks.size();
  for (int64_t n : num_blocks)
    if (n < 1) VOX_ERR << "resnet num_blocks entry " << n << " must be >= 1";
  if (embed_dim < 1) VOX_ERR << "resnet embed_dim " << embed_dim << " must be >= 1";
  pooling.Validate();
}

ResNet::ResNet(const ResNetConfig &config, RandomGenerator *rng) : config_(config) {
  config.Validate();
  const int64_t m = config.base_channels;
  conv1_ = RegisterModule("conv1",
                          std::make_shared<Conv2dLayer>(1, m, 3, Conv2dStride(1, 1), false, rng));
  bn1_ = RegisterModule("bn1", std::make_shared<BatchNormLayer>(m));
  int64_t in = m, freq = config.feat_dim;
  for (int s = 0; s < 4; s++) {
    const int64_t out = m << s, stride = s == 0 ? 1 : 2;
    auto stage = RegisterModule("layer" + std::to_string(s + 1), std::make_shared<ModuleList>());
    for (int64_t b = 0; b < config.num_blocks[s]; b++) {
      blocks_.push_back(
          stage->Append(std::make_shared<BasicBlock>(in, out, b == 0 ? stride : 1, rng)));
      in = out;
    }
    if (stride == 2) freq = (freq - 1) / 2 + 1;
  }
  pool_ = RegisterModule("pool", MakePooling(in * freq, config.pooling, rng));
  seg_1_ = RegisterModule("seg_1",
                          std::make_shared<Linear>(pool_->OutDim(), config.embed_dim, true, rng));
  if (config.two_emb_layer) {
    seg_bn_1_ = RegisterModule(
        "seg_bn_1", std::make_shared<BatchNormLayer>(config.embed_dim, 1e-5f, 0.1f, false));
    seg_2_ = RegisterModule(
        "seg_2", std::make_shared<Linear>(config.embed_dim, config.embed_dim, true, rng));
  }
}

std::string ResNet::Describe() const {
  std::ostringstream os;
  os << "feat_dim=" << config_.feat_dim << ", base_channels=" << config_.base_channels
     << ", blocks=[" << config_.num_blocks[0] << ", " << config_.num_blocks[1] << ", "
     << config_.num_blocks[2] << ", " << config_.num_blocks[3] << "], embed="
     << config_.embed_dim << ", pooling=" << PoolingTypeName(config_.pooling.type);
  return os.str();
}

EmbeddingOutput ResNet::Forward(const Var &feats) {
  if (feats.Rank() != 3 || feats.Dim(2) != config_.feat_dim || feats.Dim(1) < MinFrames())
    VOX_ERR << "resnet: input " << feats.shape().ToString() << ", expected (B, T >= "
            << MinFrames() << ", " << config_.feat_dim << ")";
  Var x = Reshape(Transpose(feats, 1, 2), {feats.Dim(0), 1, feats.Dim(2), feats.Dim(1)});
  x = Relu(bn1_->Forward(conv1_->Forward(x)));
  for (auto &block : blocks_) x = block->Forward(x);
  EmbeddingOutput out;
  out.embedding = seg_1_->Forward(pool_->Forward(x));
  if (seg_2_) out.embedding = seg_2_->Forward(seg_bn_1_->Forward(Relu(out.embedding)));
  out.train_output = out.embedding;
  return out;
}

}  // namespace voxtools

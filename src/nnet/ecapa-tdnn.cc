// src/nnet/ecapa-tdnn.cc
#include "nnet/ecapa-tdnn.h"

#include <sstream>

#include "nnet/config-reader.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/reduce.h"
#include "nnet/ops/shape.h"

namespace voxtools {

// Conv1d -> ReLU -> BN ("conv", "bn"); WeSpeaker's order (ReLU before BN).
class EcapaTdnn::ConvReluBn : public Module {
 public:
  ConvReluBn(int64_t in, int64_t out, int64_t kernel, int64_t dilation, RandomGenerator *rng) {
    Conv1dOptions opts;
    opts.dilation = dilation;
    opts.padding = dilation * (kernel - 1) / 2;
    conv_ = RegisterModule("conv", std::make_shared<Conv1dLayer>(in, out, kernel, opts, true, -1,
                                                                 rng));
    bn_ = RegisterModule("bn", std::make_shared<BatchNormLayer>(out));
  }
  std::string TypeName() const override { return "Conv1dReluBn"; }
  Var Forward(const Var &x) { return bn_->Forward(Relu(conv_->Forward(x))); }

 private:
  std::shared_ptr<Conv1dLayer> conv_;
  std::shared_ptr<BatchNormLayer> bn_;
};

namespace {

// Res2Net convolution ("convs/i", "bns/i" for the scale - 1 convolved groups).
class Res2ConvReluBn : public Module {
 public:
  Res2ConvReluBn(int64_t channels, int64_t scale, int64_t dilation, RandomGenerator *rng)
      : width_(channels / scale), scale_(scale) {
    auto convs = RegisterModule("convs", std::make_shared<ModuleList>());
    auto bns = RegisterModule("bns", std::make_shared<ModuleList>());
    Conv1dOptions opts;
    opts.dilation = dilation;
    opts.padding = dilation;  // kernel 3: keeps the length
    const int64_t num = scale == 1 ? 1 : scale - 1;
    for (int64_t i = 0; i < num; i++) {
      convs_.push_back(
          convs->Append(std::make_shared<Conv1dLayer>(width_, width_, 3, opts, true, -1, rng)));
      bns_.push_back(bns->Append(std::make_shared<BatchNormLayer>(width_)));
    }
  }
  std::string TypeName() const override { return "Res2Conv1dReluBn"; }
  Var Forward(const Var &x) {
    std::vector<Var> groups = Split(x, 1, std::vector<int64_t>(scale_, width_));
    std::vector<Var> out;
    Var sp = groups[0];
    for (size_t i = 0; i < convs_.size(); i++) {
      if (i >= 1) sp = Add(sp, groups[i]);
      sp = bns_[i]->Forward(Relu(convs_[i]->Forward(sp)));
      out.push_back(sp);
    }
    if (scale_ != 1) out.push_back(groups.back());
    return Concat(out, 1);
  }

 private:
  int64_t width_, scale_;
  std::vector<std::shared_ptr<Conv1dLayer>> convs_;
  std::vector<std::shared_ptr<BatchNormLayer>> bns_;
};

// Squeeze-excitation: x * sigmoid(W2 ReLU(W1 mean_t(x))) ("linear1", "linear2").
class SeConnect : public Module {
 public:
  SeConnect(int64_t channels, int64_t bottleneck, RandomGenerator *rng) {
    linear1_ = RegisterModule("linear1",
                              std::make_shared<Linear>(channels, bottleneck, true, rng));
    linear2_ = RegisterModule("linear2",
                              std::make_shared<Linear>(bottleneck, channels, true, rng));
  }
  std::string TypeName() const override { return "SEConnect"; }
  Var Forward(const Var &x) {
    Var s = Sigmoid(linear2_->Forward(Relu(linear1_->Forward(Mean(x, 2)))));
    return Mul(x, Reshape(s, {x.Dim(0), x.Dim(1), 1}));
  }

 private:
  std::shared_ptr<Linear> linear1_, linear2_;
};

}  // namespace

// SE-Res2Block: x + SE(ConvReluBn(Res2(ConvReluBn(x)))), the four under "se_res2block/0..3".
class EcapaTdnn::Block : public Module {
 public:
  Block(int64_t channels, int64_t dilation, int64_t scale, int64_t se_bottleneck,
        RandomGenerator *rng) {
    auto seq = RegisterModule("se_res2block", std::make_shared<ModuleList>());
    in_ = seq->Append(std::make_shared<ConvReluBn>(channels, channels, 1, 1, rng));
    res2_ = seq->Append(std::make_shared<Res2ConvReluBn>(channels, scale, dilation, rng));
    out_ = seq->Append(std::make_shared<ConvReluBn>(channels, channels, 1, 1, rng));
    se_ = seq->Append(std::make_shared<SeConnect>(channels, se_bottleneck, rng));
  }
  std::string TypeName() const override { return "SERes2Block"; }
  Var Forward(const Var &x) {
    return Add(x, se_->Forward(out_->Forward(res2_->Forward(in_->Forward(x)))));
  }

 private:
  std::shared_ptr<ConvReluBn> in_, out_;
  std::shared_ptr<Res2ConvReluBn> res2_;
  std::shared_ptr<SeConnect> se_;
};

JsonValue EcapaTdnnConfig::ToJson() const {
  JsonValue j = JsonValue::Object();
  j.Set("type", JsonValue::String("ecapa-tdnn"));
  j.Set("feat_dim", JsonValue::Int(feat_dim));
  j.Set("channels", JsonValue::Int(channels));
  j.Set("embed_dim", JsonValue::Int(embed_dim));
  j.Set("scale", JsonValue::Int(scale));
  j.Set("se_bottleneck", JsonValue::Int(se_bottleneck));
  j.Set("pooling", pooling.ToJson());
  return j;
}

EcapaTdnnConfig EcapaTdnnConfig::FromJson(const JsonValue &json) {
  EcapaTdnnConfig c;
  ConfigReader r(json, "ecapa-tdnn config");
  std::string type = "ecapa-tdnn";
  r.Get("type", &type);
  if (type != "ecapa-tdnn") VOX_ERR << "ecapa-tdnn config of type \"" << type << "\"";
  r.Get("feat_dim", &c.feat_dim);
  r.Get("channels", &c.channels);
  r.Get("embed_dim", &c.embed_dim);
  r.Get("scale", &c.scale);
  r.Get("se_bottleneck", &c.se_bottleneck);
  if (const JsonValue *p = r.Sub("pooling")) c.pooling = PoolingConfig::FromJson(*p);
  r.Finish();
  c.Validate();
  return c;
}

void EcapaTdnnConfig::Validate() const {
  if (feat_dim < 1) VOX_ERR << "ecapa-tdnn feat_dim " << feat_dim << " must be >= 1";
  if (scale < 1 || channels < 1 || channels % scale != 0)
    VOX_ERR << "ecapa-tdnn scale " << scale << " must divide channels " << channels;
  if (embed_dim < 1) VOX_ERR << "ecapa-tdnn embed_dim " << embed_dim << " must be >= 1";
  if (se_bottleneck < 1)
    VOX_ERR << "ecapa-tdnn se_bottleneck " << se_bottleneck << " must be >= 1";
  pooling.Validate();
}

EcapaTdnn::EcapaTdnn(const EcapaTdnnConfig &config, RandomGenerator *rng) : config_(config) {
  config.Validate();
  const int64_t c = config.channels;
  layer1_ = RegisterModule("layer1",
                           std::make_shared<ConvReluBn>(config.feat_dim, c, 5, 1, rng));
  for (int64_t d = 2; d <= 4; d++)
    blocks_.push_back(RegisterModule(
        "layer" + std::to_string(d),
        std::make_shared<Block>(c, d, config.scale, config.se_bottleneck, rng)));
  conv_ = RegisterModule("conv", std::make_shared<Conv1dLayer>(3 * c, 3 * c, 1, Conv1dOptions{},
                                                               true, -1, rng));
  pool_ = RegisterModule("pool", MakePooling(3 * c, config.pooling, rng));
  bn_ = RegisterModule("bn", std::make_shared<BatchNormLayer>(pool_->OutDim()));
  linear_ = RegisterModule(
      "linear", std::make_shared<Linear>(pool_->OutDim(), config.embed_dim, true, rng));
}

std::string EcapaTdnn::Describe() const {
  std::ostringstream os;
  os << "feat_dim=" << config_.feat_dim << ", channels=" << config_.channels
     << ", embed=" << config_.embed_dim << ", scale=" << config_.scale
     << ", pooling=" << PoolingTypeName(config_.pooling.type);
  return os.str();
}

EmbeddingOutput EcapaTdnn::Forward(const Var &feats) {
  if (feats.Rank() != 3 || feats.Dim(2) != config_.feat_dim || feats.Dim(1) < MinFrames())
    VOX_ERR << "ecapa-tdnn: input " << feats.shape().ToString() << ", expected (B, T >= "
            << MinFrames() << ", " << config_.feat_dim << ")";
  Var x = layer1_->Forward(Transpose(feats, 1, 2));
  std::vector<Var> outs;
  for (auto &block : blocks_) {
    x = block->Forward(x);
    outs.push_back(x);
  }
  Var h = Relu(conv_->Forward(Concat(outs, 1)));
  EmbeddingOutput out;
  out.embedding = linear_->Forward(bn_->Forward(pool_->Forward(h)));
  out.train_output = out.embedding;
  return out;
}

}  // namespace voxtools

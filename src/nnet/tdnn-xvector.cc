// src/nnet/tdnn-xvector.cc
#include "nnet/tdnn-xvector.h"

#include <sstream>

#include "nnet/config-reader.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/shape.h"

namespace voxtools {

JsonValue TdnnXvectorConfig::ToJson() const {
  JsonValue j = JsonValue::Object();
  j.Set("type", JsonValue::String("tdnn-xvector"));
  j.Set("feat_dim", JsonValue::Int(feat_dim));
  j.Set("hidden_dim", JsonValue::Int(hidden_dim));
  j.Set("stats_dim", JsonValue::Int(stats_dim));
  j.Set("embed_dim", JsonValue::Int(embed_dim));
  j.Set("segment7_relu_bn", JsonValue::Bool(segment7_relu_bn));
  j.Set("pooling", pooling.ToJson());
  return j;
}

TdnnXvectorConfig TdnnXvectorConfig::FromJson(const JsonValue &json) {
  TdnnXvectorConfig c;
  ConfigReader r(json, "tdnn-xvector config");
  std::string type = "tdnn-xvector";
  r.Get("type", &type);
  if (type != "tdnn-xvector") VOX_ERR << "tdnn-xvector config of type \"" << type << "\"";
  r.Get("feat_dim", &c.feat_dim);
  r.Get("hidden_dim", &c.hidden_dim);
  r.Get("stats_dim", &c.stats_dim);
  r.Get("embed_dim", &c.embed_dim);
  r.Get("segment7_relu_bn", &c.segment7_relu_bn);
  if (const JsonValue *p = r.Sub("pooling")) c.pooling = PoolingConfig::FromJson(*p);
  r.Finish();
  c.Validate();
  return c;
}

void TdnnXvectorConfig::Validate() const {
  if (feat_dim < 1) VOX_ERR << "tdnn-xvector feat_dim " << feat_dim << " must be >= 1";
  if (hidden_dim < 1) VOX_ERR << "tdnn-xvector hidden_dim " << hidden_dim << " must be >= 1";
  if (stats_dim < 1) VOX_ERR << "tdnn-xvector stats_dim " << stats_dim << " must be >= 1";
  if (embed_dim < 1) VOX_ERR << "tdnn-xvector embed_dim " << embed_dim << " must be >= 1";
  pooling.Validate();
}

TdnnXvector::TdnnLayer::TdnnLayer(int64_t in, int64_t out, int64_t context, int64_t dilation,
                                  RandomGenerator *rng) {
  Conv1dOptions opts;
  opts.dilation = dilation;
  conv_ = RegisterModule("conv_1d",
                         std::make_shared<Conv1dLayer>(in, out, context, opts, true, -1, rng));
  bn_ = RegisterModule("bn", std::make_shared<BatchNormLayer>(out, 1e-5f, 0.1f, false));
}

Var TdnnXvector::TdnnLayer::Forward(const Var &x) { return bn_->Forward(Relu(conv_->Forward(x))); }

TdnnXvector::TdnnXvector(const TdnnXvectorConfig &config, RandomGenerator *rng)
    : config_(config) {
  config.Validate();
  const int64_t h = config.hidden_dim;
  // (input, output, context width, dilation) of frame1..frame5.
  const int64_t layers[5][4] = {{config.feat_dim, h, 5, 1},
                                {h, h, 3, 2},
                                {h, h, 3, 3},
                                {h, h, 1, 1},
                                {h, config.stats_dim, 1, 1}};
  for (int i = 0; i < 5; i++)
    frames_.push_back(RegisterModule(
        "frame_" + std::to_string(i + 1),
        std::make_shared<TdnnLayer>(layers[i][0], layers[i][1], layers[i][2], layers[i][3], rng)));
  pool_ = RegisterModule("pool", MakePooling(config.stats_dim, config.pooling, rng));
  seg_1_ = RegisterModule("seg_1",
                          std::make_shared<Linear>(pool_->OutDim(), config.embed_dim, true, rng));
  seg_bn_1_ = RegisterModule("seg_bn_1",
                             std::make_shared<BatchNormLayer>(config.embed_dim, 1e-5f, 0.1f, false));
  seg_2_ = RegisterModule("seg_2",
                          std::make_shared<Linear>(config.embed_dim, config.embed_dim, true, rng));
  if (config.segment7_relu_bn)
    seg_bn_2_ = RegisterModule(
        "seg_bn_2", std::make_shared<BatchNormLayer>(config.embed_dim, 1e-5f, 0.1f, false));
}

std::string TdnnXvector::Describe() const {
  std::ostringstream os;
  os << "feat_dim=" << config_.feat_dim << ", hidden=" << config_.hidden_dim
     << ", stats=" << config_.stats_dim << ", embed=" << config_.embed_dim
     << ", pooling=" << PoolingTypeName(config_.pooling.type);
  return os.str();
}

EmbeddingOutput TdnnXvector::Forward(const Var &feats) {
  if (feats.Rank() != 3 || feats.Dim(2) != config_.feat_dim || feats.Dim(1) < MinFrames())
    VOX_ERR << "tdnn-xvector: input " << feats.shape().ToString() << ", expected (B, T >= "
            << MinFrames() << ", " << config_.feat_dim << ")";
  Var x = Transpose(feats, 1, 2);
  for (auto &layer : frames_) x = layer->Forward(x);
  EmbeddingOutput out;
  out.embedding = seg_1_->Forward(pool_->Forward(x));
  Var b = seg_2_->Forward(seg_bn_1_->Forward(Relu(out.embedding)));
  if (seg_bn_2_) b = seg_bn_2_->Forward(Relu(b));
  out.train_output = b;
  return out;
}

}  // namespace voxtools

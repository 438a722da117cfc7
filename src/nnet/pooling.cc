// src/nnet/pooling.cc
#include "nnet/pooling.h"

#include <sstream>

#include "nnet/config-reader.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/matmul.h"
#include "nnet/ops/misc.h"
#include "nnet/ops/reduce.h"
#include "nnet/ops/shape.h"

namespace voxtools {
namespace {

// (B, C, F, T) -> (B, C F, T); (B, C, T) as is. Checks the channel count.
Var FlattenFrames(const Var &x, int64_t in_dim, const char *who) {
  Var y = x;
  if (x.Rank() == 4) y = Reshape(x, {x.Dim(0), x.Dim(1) * x.Dim(2), x.Dim(3)});
  if (y.Rank() != 3 || y.Dim(1) != in_dim || y.Dim(2) < 2)
    VOX_ERR << who << " pooling over " << in_dim << " channels given input "
            << x.shape().ToString() << " (expected (B, C, T) or (B, C, F, T), T >= 2)";
  return y;
}

// One attention head of MQMHASTP: two 1x1 convolutions with tanh between (WeSpeaker's
// nn.Sequential "att_0", "tanh0", "att_1").
class AttentionHead : public Module {
 public:
  AttentionHead(int64_t dim, int64_t bottleneck, int64_t out, RandomGenerator *rng) {
    att_0 = RegisterModule("att_0", std::make_shared<Conv1dLayer>(dim, bottleneck, 1,
                                                                  Conv1dOptions{}, true, -1, rng));
    att_1 = RegisterModule("att_1", std::make_shared<Conv1dLayer>(bottleneck, out, 1,
                                                                  Conv1dOptions{}, true, -1, rng));
  }
  std::string TypeName() const override { return "AttentionHead"; }
  std::shared_ptr<Conv1dLayer> att_0, att_1;
};

// One query of MQMHASTP: a list of heads.
class AttentionQuery : public Module {
 public:
  AttentionQuery() { heads = RegisterModule("heads_att_trans", std::make_shared<ModuleList>()); }
  std::string TypeName() const override { return "MHASTP"; }
  std::shared_ptr<ModuleList> heads;
};

}  // namespace

const char *PoolingTypeName(PoolingType type) {
  switch (type) {
    case PoolingType::kTstp: return "tstp";
    case PoolingType::kAstp: return "astp";
    case PoolingType::kMqmhastp: return "mqmhastp";
  }
  return "?";
}

PoolingType ParsePoolingType(const std::string &name) {
  for (PoolingType t : {PoolingType::kTstp, PoolingType::kAstp, PoolingType::kMqmhastp})
    if (name == PoolingTypeName(t)) return t;
  VOX_ERR << "unknown pooling type \"" << name << "\" (expected tstp, astp or mqmhastp)";
  return PoolingType::kTstp;
}

JsonValue PoolingConfig::ToJson() const {
  JsonValue j = JsonValue::Object();
  j.Set("type", JsonValue::String(PoolingTypeName(type)));
  switch (type) {
    case PoolingType::kTstp:
      j.Set("eps", JsonValue::Float(eps));
      break;
    case PoolingType::kAstp:
      j.Set("bottleneck", JsonValue::Int(bottleneck));
      j.Set("global_context", JsonValue::Bool(global_context));
      break;
    case PoolingType::kMqmhastp:
      j.Set("bottleneck", JsonValue::Int(bottleneck));
      j.Set("num_queries", JsonValue::Int(num_queries));
      j.Set("num_heads", JsonValue::Int(num_heads));
      j.Set("per_channel", JsonValue::Bool(per_channel));
      break;
  }
  return j;
}

PoolingConfig PoolingConfig::FromJson(const JsonValue &json) {
  PoolingConfig c;
  ConfigReader r(json, "pooling config");
  std::string type = PoolingTypeName(c.type);
  r.Get("type", &type);
  c.type = ParsePoolingType(type);
  r.Get("eps", &c.eps);
  r.Get("bottleneck", &c.bottleneck);
  r.Get("global_context", &c.global_context);
  r.Get("num_queries", &c.num_queries);
  r.Get("num_heads", &c.num_heads);
  r.Get("per_channel", &c.per_channel);
  r.Finish();
  c.Validate();
  return c;
}

void PoolingConfig::Validate() const {
  if (!(eps >= 0.0f)) VOX_ERR << "pooling eps " << eps << " must be >= 0";
  if (bottleneck < 1) VOX_ERR << "pooling bottleneck " << bottleneck << " must be >= 1";
  if (num_queries < 1) VOX_ERR << "pooling num_queries " << num_queries << " must be >= 1";
  if (num_heads < 1) VOX_ERR << "pooling num_heads " << num_heads << " must be >= 1";
}

Var WeightedStatistics(const Var &x, const Var &weights, float floor) {
  Var mean = Sum(Mul(weights, x), 2);
  Var var = Sub(Sum(Mul(weights, Square(x)), 2), Square(mean));
  return Concat({mean, Sqrt(ClampMin(var, floor))}, 1);
}

std::string TstpPooling::Describe() const {
  std::ostringstream os;
  os << "in=" << in_dim_ << ", eps=" << eps_;
  return os.str();
}

Var TstpPooling::Forward(const Var &x) {
  return StatisticsPooling(FlattenFrames(x, in_dim_, "TSTP"), {}, /*unbiased=*/true, eps_);
}

AstpPooling::AstpPooling(int64_t in_dim, int64_t bottleneck, bool global_context,
                         RandomGenerator *rng)
    : in_dim_(in_dim), bottleneck_(bottleneck), global_context_(global_context) {
  linear1_ = RegisterModule(
      "linear1", std::make_shared<Conv1dLayer>(global_context ? 3 * in_dim : in_dim, bottleneck,
                                               1, Conv1dOptions{}, true, -1, rng));
  linear2_ = RegisterModule("linear2", std::make_shared<Conv1dLayer>(
                                           bottleneck, in_dim, 1, Conv1dOptions{}, true, -1, rng));
}

std::string AstpPooling::Describe() const {
  std::ostringstream os;
  os << "in=" << in_dim_ << ", bottleneck=" << bottleneck_
     << ", global_context=" << (global_context_ ? "true" : "false");
  return os.str();
}

Var AstpPooling::Forward(const Var &x_in) {
  Var x = FlattenFrames(x_in, in_dim_, "ASTP");
  Var h;
  if (global_context_) {
    // linear1 over [x; mean; std] (3C channels, mean and std repeated over T) equals
    // W_x x + (W_mean mean + W_std std + b) broadcast over T: the repeated channels are never
    // built, and that part of the product costs one matrix-vector per sample.
    const int64_t c = in_dim_;
    Var w = Reshape(linear1_->Weight(), {bottleneck_, 3 * c});
    Var mean = Mean(x, 2);
    Var std = Sqrt(AddScalar(Variance(x, 2, /*unbiased=*/true), 1e-10f));
    Var ctx = Add(Affine(mean, Narrow(w, 1, c, c), linear1_->Find("bias")),
                  Affine(std, Narrow(w, 1, 2 * c, c), Var()));
    Var wx = Reshape(Narrow(w, 1, 0, c), {bottleneck_, c, 1});
    h = Add(Conv1d(x, wx, Var()), Reshape(ctx, {x.Dim(0), bottleneck_, 1}));
  } else {
    h = linear1_->Forward(x);
  }
  Var alpha = Softmax(linear2_->Forward(Tanh(h)), 2);
  return WeightedStatistics(x, alpha, 1e-10f);
}

MqmhastpPooling::MqmhastpPooling(int64_t in_dim, const PoolingConfig &config,
                                 RandomGenerator *rng)
    : in_dim_(in_dim), config_(config) {
  if (in_dim % config.num_heads != 0)
    VOX_ERR << "MQMHASTP: " << config.num_heads << " heads do not divide " << in_dim
            << " channels";
  const int64_t d = in_dim / config.num_heads;
  auto queries = RegisterModule("n_query", std::make_shared<ModuleList>());
  heads_.resize(config.num_queries);
  for (int64_t q = 0; q < config.num_queries; q++) {
    auto query = queries->Append(std::make_shared<AttentionQuery>());
    for (int64_t h = 0; h < config.num_heads; h++) {
      auto head = query->heads->Append(std::make_shared<AttentionHead>(
          d, config.bottleneck, config.per_channel ? d : 1, rng));
      heads_[q].emplace_back(head->att_0, head->att_1);
    }
  }
}

std::string MqmhastpPooling::Describe() const {
  std::ostringstream os;
  os << "in=" << in_dim_ << ", queries=" << config_.num_queries << ", heads="
     << config_.num_heads << ", bottleneck=" << config_.bottleneck
     << ", per_channel=" << (config_.per_channel ? "true" : "false");
  return os.str();
}

Var MqmhastpPooling::Forward(const Var &x_in) {
  Var x = FlattenFrames(x_in, in_dim_, "MQMHASTP");
  std::vector<Var> chunks =
      Split(x, 1, std::vector<int64_t>(config_.num_heads, in_dim_ / config_.num_heads));
  std::vector<Var> outs;
  for (const auto &query : heads_)
    for (size_t h = 0; h < query.size(); h++) {
      Var alpha = Softmax(query[h].second->Forward(Tanh(query[h].first->Forward(chunks[h]))), 2);
      // WeSpeaker's MHASTP floors the variance at 1e-7 (ASTP at 1e-10).
      outs.push_back(WeightedStatistics(chunks[h], alpha, 1e-7f));
    }
  return Concat(outs, 1);
}

std::shared_ptr<PoolingLayer> MakePooling(int64_t in_dim, const PoolingConfig &config,
                                          RandomGenerator *rng) {
  config.Validate();
  switch (config.type) {
    case PoolingType::kTstp: return std::make_shared<TstpPooling>(in_dim, config.eps);
    case PoolingType::kAstp:
      return std::make_shared<AstpPooling>(in_dim, config.bottleneck, config.global_context, rng);
    case PoolingType::kMqmhastp: return std::make_shared<MqmhastpPooling>(in_dim, config, rng);
  }
  VOX_ERR << "unknown pooling type";
  return nullptr;
}

}  // namespace voxtools

// src/nnet/losses.cc
#include "nnet/losses.h"

#include <cmath>
#include <sstream>

#include "nnet/config-reader.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/matmul.h"
#include "nnet/ops/misc.h"
#include "nnet/ops/norm.h"
#include "nnet/ops/reduce.h"
#include "nnet/ops/shape.h"

namespace voxtools {
namespace {

constexpr LossType kAllLossTypes[] = {LossType::kSoftmax, LossType::kAmSoftmax,
                                      LossType::kAamSoftmax, LossType::kSubcenterAam,
                                      LossType::kGe2e};

void CheckEmbeddings(const Var &e, const std::vector<int64_t> &labels, int64_t dim,
                     const char *who) {
  if (e.Rank() != 2 || (dim > 0 && e.Dim(1) != dim) ||
      static_cast<int64_t>(labels.size()) != e.Dim(0))
    VOX_ERR << who << ": embeddings " << e.shape().ToString() << " with " << labels.size()
            << " labels (expected (B, " << dim << ") and B labels)";
}

}  // namespace

const char *LossTypeName(LossType type) {
  switch (type) {
    case LossType::kSoftmax: return "softmax";
    case LossType::kAmSoftmax: return "am-softmax";
    case LossType::kAamSoftmax: return "aam-softmax";
    case LossType::kSubcenterAam: return "subcenter-aam";
    case LossType::kGe2e: return "ge2e";
  }
  return "?";
}

LossType ParseLossType(const std::string &name) {
  for (LossType t : kAllLossTypes)
    if (name == LossTypeName(t)) return t;
  VOX_ERR << "unknown loss type \"" << name
          << "\" (expected softmax, am-softmax, aam-softmax, subcenter-aam or ge2e)";
  return LossType::kSoftmax;
}

JsonValue LossConfig::ToJson() const {
  JsonValue j = JsonValue::Object();
  j.Set("type", JsonValue::String(LossTypeName(type)));
  if (type == LossType::kGe2e) {
    j.Set("ge2e_init_w", JsonValue::Float(ge2e_init_w));
    j.Set("ge2e_init_b", JsonValue::Float(ge2e_init_b));
    return j;
  }
  j.Set("embed_dim", JsonValue::Int(embed_dim));
  j.Set("num_classes", JsonValue::Int(num_classes));
  if (type == LossType::kSoftmax) return j;
  j.Set("scale", JsonValue::Float(scale));
  j.Set("margin", JsonValue::Float(margin));
  if (type == LossType::kAmSoftmax) return j;
  j.Set("easy_margin", JsonValue::Bool(easy_margin));
  j.Set("arcface_fallback", JsonValue::Bool(arcface_fallback));
  if (type == LossType::kSubcenterAam) {
    j.Set("num_subcenters", JsonValue::Int(num_subcenters));
    j.Set("inter_topk", JsonValue::Int(inter_topk));
    j.Set("inter_topk_margin", JsonValue::Float(inter_topk_margin));
  }
  return j;
}

LossConfig LossConfig::FromJson(const JsonValue &json) {
  LossConfig c;
  ConfigReader r(json, "loss config");
  std::string type = LossTypeName(c.type);
  r.Get("type", &type);
  c.type = ParseLossType(type);
  r.Get("embed_dim", &c.embed_dim);
  r.Get("num_classes", &c.num_classes);
  r.Get("scale", &c.scale);
  r.Get("margin", &c.margin);
  r.Get("easy_margin", &c.easy_margin);
  r.Get("arcface_fallback", &c.arcface_fallback);
  r.Get("num_subcenters", &c.num_subcenters);
  r.Get("inter_topk", &c.inter_topk);
  r.Get("inter_topk_margin", &c.inter_topk_margin);
  r.Get("ge2e_init_w", &c.ge2e_init_w);
  r.Get("ge2e_init_b", &c.ge2e_init_b);
  r.Finish();
  c.Validate();
  return c;
}

void LossConfig::Validate() const {
  if (type == LossType::kGe2e) return;
  if (embed_dim < 1) VOX_ERR << "loss embed_dim " << embed_dim << " must be >= 1";
  if (num_classes < 2) VOX_ERR << "loss num_classes " << num_classes << " must be >= 2";
  if (!(scale > 0.0f)) VOX_ERR << "loss scale " << scale << " must be > 0";
  if (!(margin >= 0.0f && margin < 1.5f))
    VOX_ERR << "loss margin " << margin << " outside [0, 1.5)";
  if (easy_margin && arcface_fallback)
    VOX_ERR << "loss: easy_margin and arcface_fallback are exclusive";
  if (type == LossType::kSubcenterAam) {
    if (num_subcenters < 1) VOX_ERR << "loss num_subcenters " << num_subcenters << " must be >= 1";
    if (inter_topk < 0 || inter_topk >= num_classes)
      VOX_ERR << "loss inter_topk " << inter_topk << " outside [0, num_classes)";
  }
}

Var LossHead::Loss(const Var &embeddings, const std::vector<int64_t> &labels) {
  return CrossEntropy(Logits(embeddings, labels), labels);
}

SoftmaxHead::SoftmaxHead(int64_t embed_dim, int64_t num_classes, RandomGenerator *rng) {
  linear_ = RegisterModule("linear", std::make_shared<Linear>(embed_dim, num_classes, true, rng));
}

std::string SoftmaxHead::Describe() const { return linear_->Describe(); }

Var SoftmaxHead::Logits(const Var &embeddings, const std::vector<int64_t> &labels) {
  CheckEmbeddings(embeddings, labels, linear_->InDim(), "softmax loss");
  return linear_->Forward(embeddings);
}

MarginHead::MarginHead(const LossConfig &config, RandomGenerator *rng) : config_(config) {
  config.Validate();
  subcenters_ = config.type == LossType::kSubcenterAam ? config.num_subcenters : 1;
  Tensor w({subcenters_ * config.num_classes, config.embed_dim});
  if (rng) {
    // Xavier-uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)).
    const float a = std::sqrt(6.0f / static_cast<float>(w.Dim(0) + w.Dim(1)));
    rng->FillUniform(-a, a, &w);
  }
  weight_ = RegisterParameter("weight", w);
  opts_.type =
      config.type == LossType::kAmSoftmax ? MarginType::kAdditive : MarginType::kAngular;
  opts_.scale = config.scale;
  opts_.fallback = config.easy_margin        ? AngularFallback::kEasy
                   : config.arcface_fallback ? AngularFallback::kArcFace
                                             : AngularFallback::kWeSpeaker;
  opts_.inter_topk = config.type == LossType::kSubcenterAam ? config.inter_topk : 0;
  SetMargin(config.margin);
}

void MarginHead::SetMargin(float margin) {
  opts_.margin = margin;
  // WeSpeaker grows the hard-negative margin with the main one (its update()).
  opts_.inter_topk_margin = margin > 0.001f ? config_.inter_topk_margin * (margin / 0.2f) : 0.0f;
}

std::string MarginHead::Describe() const {
  std::ostringstream os;
  os << LossTypeName(config_.type) << ", embed=" << config_.embed_dim
     << ", classes=" << config_.num_classes << ", scale=" << opts_.scale
     << ", margin=" << opts_.margin;
  if (subcenters_ > 1) os << ", subcenters=" << subcenters_;
  if (opts_.inter_topk > 0) os << ", inter_topk=" << opts_.inter_topk;
  return os.str();
}

Var MarginHead::Cosine(const Var &embeddings) const {
  Var cos = Affine(L2Normalize(embeddings, 1), L2Normalize(weight_, 1), Var());
  if (subcenters_ == 1) return cos;
  return Max(Reshape(cos, {embeddings.Dim(0), config_.num_classes, subcenters_}), 2);
}

Var MarginHead::Logits(const Var &embeddings, const std::vector<int64_t> &labels) {
  CheckEmbeddings(embeddings, labels, config_.embed_dim, LossTypeName(config_.type));
  return MarginLogits(Cosine(embeddings), labels, opts_);
}

Ge2eHead::Ge2eHead(float init_w, float init_b) {
  w_ = RegisterParameter("w", Tensor::Full({1}, init_w));
  b_ = RegisterParameter("b", Tensor::Full({1}, init_b));
}

std::string Ge2eHead::Describe() const {
  std::ostringstream os;
  os << "w=" << w_.value().Data()[0] << ", b=" << b_.value().Data()[0];
  return os.str();
}

Var Ge2eHead::Logits(const Var &e, const std::vector<int64_t> &labels) {
  CheckEmbeddings(e, labels, 0, "ge2e loss");
  const int64_t total = e.Dim(0), dim = e.Dim(1);
  int64_t m = 0;
  while (m < total && labels[m] == 0) m++;
  if (m < 2 || total % m != 0)
    VOX_ERR << "ge2e loss: batch of " << total << " with " << m
            << " utterances of speaker 0 (expected N speakers x M >= 2 utterances in order)";
  const int64_t n = total / m;
  for (int64_t i = 0; i < total; i++)
    if (labels[i] != i / m)
      VOX_ERR << "ge2e loss: label " << labels[i] << " at position " << i << ", expected "
              << i / m << " (N = " << n << " speakers x M = " << m << " utterances in order)";
  Var e3 = Reshape(e, {n, m, dim});
  Var sum = Sum(e3, 1);                                                  // (N, D)
  Var centroid = MulScalar(sum, 1.0f / m);
  Var exclusive = MulScalar(Sub(Reshape(sum, {n, 1, dim}), e3), 1.0f / (m - 1));  // (N, M, D)
  Var cos_own = Reshape(Sum(Mul(L2Normalize(e3, 2), L2Normalize(exclusive, 2)), 2), {total, 1});
  Var cos_all = MatMul(L2Normalize(e, 1), Transpose(L2Normalize(centroid, 1), 0, 1));  // (NM, N)
  Tensor own({total, n}), other = Tensor::Full({total, n}, 1.0f);
  for (int64_t i = 0; i < total; i++) {
    own.Data()[i * n + i / m] = 1.0f;
    other.Data()[i * n + i / m] = 0.0f;
  }
  Var sim = Add(Mul(cos_all, Var(other)), Mul(cos_own, Var(own)));
  return Add(Mul(sim, ClampMin(w_, 1e-6f)), b_);
}

std::unique_ptr<LossHead> MakeLossHead(const LossConfig &config, RandomGenerator *rng) {
  config.Validate();
  switch (config.type) {
    case LossType::kSoftmax:
      return std::make_unique<SoftmaxHead>(config.embed_dim, config.num_classes, rng);
    case LossType::kAmSoftmax:
    case LossType::kAamSoftmax:
    case LossType::kSubcenterAam: return std::make_unique<MarginHead>(config, rng);
    case LossType::kGe2e: return std::make_unique<Ge2eHead>(config.ge2e_init_w, config.ge2e_init_b);
  }
  VOX_ERR << "unknown loss type";
  return nullptr;
}

JsonValue MarginScheduleConfig::ToJson() const {
  JsonValue j = JsonValue::Object();
  j.Set("initial_margin", JsonValue::Float(initial_margin));
  j.Set("final_margin", JsonValue::Float(final_margin));
  j.Set("increase_start_epoch", JsonValue::Int(increase_start_epoch));
  j.Set("fix_start_epoch", JsonValue::Int(fix_start_epoch));
  j.Set("increase_type", JsonValue::String(exponential ? "exp" : "linear"));
  return j;
}

MarginScheduleConfig MarginScheduleConfig::FromJson(const JsonValue &json) {
  MarginScheduleConfig c;
  ConfigReader r(json, "margin schedule");
  r.Get("initial_margin", &c.initial_margin);
  r.Get("final_margin", &c.final_margin);
  r.Get("increase_start_epoch", &c.increase_start_epoch);
  r.Get("fix_start_epoch", &c.fix_start_epoch);
  std::string type = c.exponential ? "exp" : "linear";
  r.Get("increase_type", &type);
  if (type != "exp" && type != "linear")
    VOX_ERR << "margin schedule increase_type \"" << type << "\" (expected exp or linear)";
  c.exponential = type == "exp";
  r.Finish();
  c.Validate();
  return c;
}

void MarginScheduleConfig::Validate() const {
  if (increase_start_epoch < 1 || fix_start_epoch < increase_start_epoch)
    VOX_ERR << "margin schedule: increase_start_epoch " << increase_start_epoch
            << " and fix_start_epoch " << fix_start_epoch
            << " must satisfy 1 <= increase_start_epoch <= fix_start_epoch";
}

MarginScheduler::MarginScheduler(const MarginScheduleConfig &config,
                                 int64_t iterations_per_epoch)
    : config_(config) {
  config.Validate();
  if (iterations_per_epoch < 1)
    VOX_ERR << "margin schedule: " << iterations_per_epoch << " iterations per epoch";
  increase_start_ = (config.increase_start_epoch - 1) * iterations_per_epoch;
  fix_start_ = (config.fix_start_epoch - 1) * iterations_per_epoch;
}

float MarginScheduler::MarginAt(int64_t iteration) const {
  if (iteration >= fix_start_) return config_.final_margin;
  if (iteration < increase_start_) return config_.initial_margin;
  const double progress =
      static_cast<double>(iteration - increase_start_) / static_cast<double>(fix_start_ - increase_start_);
  // WeSpeaker's constants: the exponential runs from 1 down to 1e-3 (1e-6 guards a zero).
  const double ratio =
      config_.exponential ? 1.0 - std::exp(progress * std::log(1e-3 / (1.0 + 1e-6))) : progress;
  return static_cast<float>(config_.initial_margin +
                            (config_.final_margin - config_.initial_margin) * ratio);
}

}  // namespace voxtools

// src/nnet/pooling.h
// Pooling layers that turn frame-level features (B, C, T) into one vector per segment:
//   TSTP  temporal statistics pooling, [mean, std] (Snyder et al. 2018, x-vectors);
//   ASTP  attentive statistics pooling (Okabe et al. 2018), per-channel attention, optionally
//         conditioned on the utterance's global mean and std (Desplanques et al. 2020,
//         ECAPA-TDNN eq. 6-8);
//   MQMHASTP  multi-query multi-head attentive statistics pooling (Zhao et al. 2021,
//         arXiv:2110.05042): channels split into heads, each query/head pair with its own
//         attention, the statistics of every query concatenated.
// Module paths and parameter shapes are WeSpeaker's (pooling_layers.py: "linear1/weight" as
// (out, in, 1) 1x1 convolutions; "n_query/0/heads_att_trans/3/att_0/weight"), so its
// checkpoints map one to one. A 4-D input (B, C, F, T) (ResNet) is read as (B, C F, T).
#ifndef VOXTOOLS_NNET_POOLING_H_
#define VOXTOOLS_NNET_POOLING_H_

#include <cstdint>
#include <memory>
#include <string>

#include "io/json.h"
#include "nnet/layers.h"
#include "nnet/module.h"
#include "nnet/random.h"

namespace voxtools {

enum class PoolingType { kTstp, kAstp, kMqmhastp };

// "tstp", "astp", "mqmhastp"; ParsePoolingType throws Error naming the bad value.
const char *PoolingTypeName(PoolingType type);
PoolingType ParsePoolingType(const std::string &name);

struct PoolingConfig {
  PoolingType type = PoolingType::kTstp;
  float eps = 1e-7f;          // TSTP: std = sqrt(var_unbiased + eps), WeSpeaker's value
  int64_t bottleneck = 128;   // ASTP/MQMHASTP: attention hidden width
  bool global_context = false;  // ASTP: attention also sees the utterance mean and std
  int64_t num_queries = 2;      // MQMHASTP
  int64_t num_heads = 4;        // MQMHASTP: must divide the input channels
  bool per_channel = true;      // MQMHASTP: one weight per channel (else one per head)

  // The fields that matter for `type` only; FromJson fills absent ones with the defaults and
  // throws Error on a wrong type or an unknown key.
  JsonValue ToJson() const;
  static PoolingConfig FromJson(const JsonValue &json);
  void Validate() const;  // Error naming the field and the value
};

// Input (B, C, T) or (B, C, F, T) with C (times F) = in_dim, T >= 2; output (B, OutDim()).
class PoolingLayer : public Module {
 public:
  virtual Var Forward(const Var &x) = 0;
  virtual int64_t OutDim() const = 0;
};

class TstpPooling : public PoolingLayer {
 public:
  TstpPooling(int64_t in_dim, float eps) : in_dim_(in_dim), eps_(eps) {}
  std::string TypeName() const override { return "TSTP"; }
  std::string Describe() const override;
  Var Forward(const Var &x) override;
  int64_t OutDim() const override { return 2 * in_dim_; }

 private:
  int64_t in_dim_;
  float eps_;
};

class AstpPooling : public PoolingLayer {
 public:
  AstpPooling(int64_t in_dim, int64_t bottleneck, bool global_context, RandomGenerator *rng);
  std::string TypeName() const override { return "ASTP"; }
  std::string Describe() const override;
  Var Forward(const Var &x) override;
  int64_t OutDim() const override { return 2 * in_dim_; }

 private:
  int64_t in_dim_, bottleneck_;
  bool global_context_;
  std::shared_ptr<Conv1dLayer> linear1_, linear2_;
};

class MqmhastpPooling : public PoolingLayer {
 public:
  MqmhastpPooling(int64_t in_dim, const PoolingConfig &config, RandomGenerator *rng);
  std::string TypeName() const override { return "MQMHASTP"; }
  std::string Describe() const override;
  Var Forward(const Var &x) override;
  int64_t OutDim() const override { return 2 * in_dim_ * config_.num_queries; }

 private:
  int64_t in_dim_;
  PoolingConfig config_;
  // [query][head] -> (att_0, att_1)
  std::vector<std::vector<std::pair<std::shared_ptr<Conv1dLayer>, std::shared_ptr<Conv1dLayer>>>>
      heads_;
};

// The layer for `config` over in_dim channels (rng: PyTorch's default initialisation, or
// null for zeros to be loaded).
std::shared_ptr<PoolingLayer> MakePooling(int64_t in_dim, const PoolingConfig &config,
                                          RandomGenerator *rng);

// Attention-weighted statistics: x (B, C, T), weights (B, C, T) or (B, 1, T) summing to 1
// over T -> (B, 2C) = [mean, sqrt(max(E[x^2] - mean^2, floor))].
Var WeightedStatistics(const Var &x, const Var &weights, float floor);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_POOLING_H_

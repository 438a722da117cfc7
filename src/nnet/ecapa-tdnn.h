// src/nnet/ecapa-tdnn.h
// ECAPA-TDNN (Desplanques et al., "ECAPA-TDNN: Emphasized Channel Attention, Propagation and
// Aggregation in TDNN based speaker verification", Interspeech 2020), as WeSpeaker builds it
// (ECAPA_TDNN_GLOB_c512 / _c1024):
//   layer1   Conv1d(feat_dim -> C, k 5) -> ReLU -> BN
//   layer2-4 SE-Res2Blocks with dilation 2, 3, 4: 1x1 conv-ReLU-BN; Res2Net conv (C split into
//            `scale` groups; group i >= 1 adds the previous group's output before its k-3
//            dilated conv-ReLU-BN; the last group passes through); 1x1 conv-ReLU-BN;
//            squeeze-excitation (mean over time, Linear C -> 128, ReLU, Linear -> C,
//            sigmoid, channel gate); plus the block input (residual)
//   conv     multi-layer feature aggregation: [out2; out3; out4] (3C) -> 1x1 conv -> ReLU
//   pool     attentive statistics pooling (ASTP) with global context -> 6C
//   bn, linear  BN(6C) -> Linear(6C -> embed_dim), the embedding
//
//   x (B, T, feat_dim) -> (B, C, T) through layer1..layer4 -> (B, 3C, T) -> (B, 6C) -> (B, E)
//
// Convolutions pad with zeros (WeSpeaker; SpeechBrain's variant pads by reflection).
// Module paths are WeSpeaker's ("layer2/se_res2block/1/convs/3/weight", "pool/linear1/bias").
// C = 512, E = 192, 80-dim fbank: 6,190,720 parameters; C = 1024: 20,761,152.
#ifndef VOXTOOLS_NNET_ECAPA_TDNN_H_
#define VOXTOOLS_NNET_ECAPA_TDNN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/json.h"
#include "nnet/embedding-model.h"
#include "nnet/layers.h"
#include "nnet/linear.h"
#include "nnet/pooling.h"

namespace voxtools {

struct EcapaTdnnConfig {
  int64_t feat_dim = 80;
  int64_t channels = 512;       // C
  int64_t embed_dim = 192;
  int64_t scale = 8;            // Res2Net groups; must divide C
  int64_t se_bottleneck = 128;  // squeeze-excitation width
  PoolingConfig pooling = AstpGlobal();

  // {"type": "ecapa-tdnn", ...}; FromJson keeps defaults for absent keys and throws Error on
  // unknown keys, wrong types and bad values (Validate).
  JsonValue ToJson() const;
  static EcapaTdnnConfig FromJson(const JsonValue &json);
  void Validate() const;

 private:
  static PoolingConfig AstpGlobal() {
    PoolingConfig p;
    p.type = PoolingType::kAstp;
    p.bottleneck = 128;
    p.global_context = true;
    return p;
  }
};

class EcapaTdnn : public EmbeddingModel {
 public:
  explicit EcapaTdnn(const EcapaTdnnConfig &config, RandomGenerator *rng = nullptr);
  std::string TypeName() const override { return "EcapaTdnn"; }
  std::string Describe() const override;

  EmbeddingOutput Forward(const Var &feats) override;
  int64_t FeatDim() const override { return config_.feat_dim; }
  int64_t EmbedDim() const override { return config_.embed_dim; }
  // Zero padding keeps the length; the pooling's standard deviation needs two frames.
  int64_t MinFrames() const override { return 2; }
  JsonValue Config() const override { return config_.ToJson(); }
  const EcapaTdnnConfig &config() const { return config_; }

  // The building blocks (defined in ecapa-tdnn.cc): Conv1d -> ReLU -> BN, and the SE-Res2Block.
  class ConvReluBn;
  class Block;

 private:
  EcapaTdnnConfig config_;
  std::shared_ptr<ConvReluBn> layer1_;
  std::vector<std::shared_ptr<Block>> blocks_;
  std::shared_ptr<Conv1dLayer> conv_;
  std::shared_ptr<PoolingLayer> pool_;
  std::shared_ptr<BatchNormLayer> bn_;
  std::shared_ptr<Linear> linear_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_ECAPA_TDNN_H_

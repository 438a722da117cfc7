// src/nnet/resnet.h
// ResNet speaker/language embedding networks (He et al., "Deep residual learning for image
// recognition", CVPR 2016) as adapted by WeSpeaker (Wang et al., "Wespeaker: a research and
// production oriented speaker embedding learning toolkit", ICASSP 2023) and the r-vector
// (Zeinali et al. 2019): the fbank matrix is a one-channel image (frequency x time); a 3x3
// stem with no pooling; four stages of BasicBlocks (two 3x3 conv-BN, identity or 1x1
// conv-BN shortcut) with base, 2, 4, 8 times base channels, the last three halving frequency
// and time; TSTP pooling over time of the (channels x frequency) vectors; one Linear layer
// to the embedding (optionally WeSpeaker's second: ReLU, BN, Linear).
//
//   x (B, T, F) -> (B, 1, F, T) -> (B, 8 base, ceil(F / 8), ceil(T / 8))
//     -> pooled (B, 2 * 8 base * ceil(F / 8)) -> embedding (B, embed_dim)
//
// Module paths are WeSpeaker's ("layer3/2/conv1/weight", "layer2/0/shortcut/1/running_var",
// "seg_1/weight"). ResNet34 ([3, 4, 6, 3], base 32, 80-dim fbank, 256-dim embedding):
// 6,634,336 parameters; ResNet18 ([2, 2, 2, 2]): 4,105,440.
#ifndef VOXTOOLS_NNET_RESNET_H_
#define VOXTOOLS_NNET_RESNET_H_

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

struct ResNetConfig {
  int64_t feat_dim = 80;
  int64_t base_channels = 32;                  // WeSpeaker's m_channels
  std::vector<int64_t> num_blocks{3, 4, 6, 3};  // ResNet34; ResNet18 is {2, 2, 2, 2}
  int64_t embed_dim = 256;
  bool two_emb_layer = false;
  PoolingConfig pooling;                       // TSTP

  // {"type": "resnet", ...}; FromJson keeps defaults for absent keys and throws Error on
  // unknown keys, wrong types and bad values (Validate).
  JsonValue ToJson() const;
  static ResNetConfig FromJson(const JsonValue &json);
  void Validate() const;
};

class ResNet : public EmbeddingModel {
 public:
  explicit ResNet(const ResNetConfig &config, RandomGenerator *rng = nullptr);
  std::string TypeName() const override { return "ResNet"; }
  std::string Describe() const override;

  EmbeddingOutput Forward(const Var &feats) override;
  int64_t FeatDim() const override { return config_.feat_dim; }
  int64_t EmbedDim() const override { return config_.embed_dim; }
  // Time is halved three times (ceil); the pooling needs two frames at the end: 9 frames.
  int64_t MinFrames() const override { return 9; }
  JsonValue Config() const override { return config_.ToJson(); }
  const ResNetConfig &config() const { return config_; }

  class BasicBlock;  // resnet.cc

 private:
  ResNetConfig config_;
  std::shared_ptr<Conv2dLayer> conv1_;
  std::shared_ptr<BatchNormLayer> bn1_;
  std::vector<std::shared_ptr<BasicBlock>> blocks_;  // all stages, in order
  std::shared_ptr<PoolingLayer> pool_;
  std::shared_ptr<Linear> seg_1_, seg_2_;
  std::shared_ptr<BatchNormLayer> seg_bn_1_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_RESNET_H_

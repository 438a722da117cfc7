// src/nnet/tdnn-xvector.h
// The x-vector TDNN (Snyder et al., "X-vectors: robust DNN embeddings for speaker
// recognition", ICASSP 2018, table 1; Kaldi egs/voxceleb/v2): five frame-level TDNN layers
// with contexts {t-2..t+2}, {t-2, t, t+2}, {t-3, t, t+3}, {t}, {t} (dilated 1-D convolutions of
// widths 5, 3, 3, 1, 1), each affine -> ReLU -> batch norm without affine parameters (Kaldi's
// relu-batchnorm-layer); statistics pooling (mean and standard deviation, 2 x 1500); then
// segment6 (affine 512, the x-vector) and segment7 (ReLU, batch norm, affine 512, ReLU, batch
// norm) on which the classifier sits.
//
//   x (B, T, feat_dim) -> frames (B, stats_dim, T - 14) -> stats (B, 2 stats_dim)
//     -> embedding = segment6 (B, embed_dim), train_output = segment7 (B, embed_dim)
//
// Module paths are WeSpeaker's XVEC (frame_1/conv_1d/weight, frame_1/bn/running_mean, seg_1,
// seg_bn_1, seg_2); segment7's final ReLU + batch norm ("seg_bn_2") is Kaldi's and absent
// from WeSpeaker's, which trains its loss on seg_2 directly: set segment7_relu_bn false for
// that. 4,482,524 parameters for feat_dim 30 and the sizes above (classifier not counted).
#ifndef VOXTOOLS_NNET_TDNN_XVECTOR_H_
#define VOXTOOLS_NNET_TDNN_XVECTOR_H_

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

struct TdnnXvectorConfig {
  int64_t feat_dim = 30;     // Kaldi's voxceleb recipe: 30-dim MFCC
  int64_t hidden_dim = 512;  // frame1-frame4
  int64_t stats_dim = 1500;  // frame5, the pooled layer
  int64_t embed_dim = 512;   // segment6 and segment7
  bool segment7_relu_bn = true;
  PoolingConfig pooling;     // TSTP

  // {"type": "tdnn-xvector", ...}; FromJson keeps defaults for absent keys and throws Error
  // on unknown keys, wrong types and bad values (Validate).
  JsonValue ToJson() const;
  static TdnnXvectorConfig FromJson(const JsonValue &json);
  void Validate() const;
};

class TdnnXvector : public EmbeddingModel {
 public:
  explicit TdnnXvector(const TdnnXvectorConfig &config, RandomGenerator *rng = nullptr);
  std::string TypeName() const override { return "TdnnXvector"; }
  std::string Describe() const override;

  EmbeddingOutput Forward(const Var &feats) override;
  int64_t FeatDim() const override { return config_.feat_dim; }
  int64_t EmbedDim() const override { return config_.embed_dim; }
  // 15 frames of context, and two frames for the standard deviation.
  int64_t MinFrames() const override { return 16; }
  JsonValue Config() const override { return config_.ToJson(); }
  const TdnnXvectorConfig &config() const { return config_; }

 private:
  // affine (dilated conv) -> ReLU -> batch norm (no affine): "conv_1d", "bn".
  class TdnnLayer : public Module {
   public:
    TdnnLayer(int64_t in, int64_t out, int64_t context, int64_t dilation, RandomGenerator *rng);
    std::string TypeName() const override { return "TdnnLayer"; }
    Var Forward(const Var &x);

   private:
    std::shared_ptr<Conv1dLayer> conv_;
    std::shared_ptr<BatchNormLayer> bn_;
  };

  TdnnXvectorConfig config_;
  std::vector<std::shared_ptr<TdnnLayer>> frames_;
  std::shared_ptr<PoolingLayer> pool_;
  std::shared_ptr<Linear> seg_1_, seg_2_;
  std::shared_ptr<BatchNormLayer> seg_bn_1_, seg_bn_2_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_TDNN_XVECTOR_H_

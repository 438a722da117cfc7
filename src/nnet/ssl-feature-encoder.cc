// src/nnet/ssl-feature-encoder.cc
#include "nnet/ssl-feature-encoder.h"

#include <sstream>

#include "nnet/ops/elementwise.h"
#include "nnet/ops/norm.h"
#include "nnet/ops/shape.h"

namespace voxtools {

SslConvBlock::SslConvBlock(int64_t in_dim, const SslConvLayer &layer, bool bias, Norm norm,
                           float eps, RandomGenerator *rng)
    : norm_(norm), kernel_(layer.kernel), stride_(layer.stride), eps_(eps) {
  Conv1dOptions opts;
  opts.stride = layer.stride;
  conv_ = RegisterModule("conv", std::make_shared<Conv1dLayer>(in_dim, layer.dim, layer.kernel,
                                                               opts, bias, -1, rng));
  if (norm == Norm::kGroup)
    group_norm_ = RegisterModule("layer_norm",
                                 std::make_shared<GroupNormLayer>(layer.dim, layer.dim, eps));
  if (norm == Norm::kLayer)
    layer_norm_ = RegisterModule("layer_norm", std::make_shared<LayerNormLayer>(layer.dim, eps));
}

std::string SslConvBlock::Describe() const {
  return norm_ == Norm::kGroup ? "group norm" : norm_ == Norm::kLayer ? "layer norm" : "";
}

Var SslConvBlock::Forward(const Var &x, std::vector<int64_t> *lengths) const {
  Var y = conv_->Forward(x);
  if (lengths)
    for (int64_t &len : *lengths) len = (len - kernel_) / stride_ + 1;
  if (group_norm_) {
    // Per-row statistics over the valid frames only (the caller checked every length >= 1).
    y = lengths ? GroupNorm(y, y.Dim(1), group_norm_->Find("weight"), group_norm_->Find("bias"),
                            *lengths, eps_)
                : group_norm_->Forward(y);
  }
  // LayerNorm normalises channels, the last axis of (B, T, C).
  if (layer_norm_) y = Transpose(layer_norm_->Forward(Transpose(y, 1, 2)), 1, 2);
  return Gelu(y);
}

SslFeatureEncoder::SslFeatureEncoder(const SslConfig &config, RandomGenerator *rng)
    : config_(config) {
  conv_layers_ = RegisterModule("conv_layers", std::make_shared<ModuleList>());
  int64_t in_dim = 1;
  for (size_t i = 0; i < config.conv_layers.size(); i++) {
    SslConvBlock::Norm norm = SslConvBlock::Norm::kNone;
    if (config.extractor_mode == SslExtractorMode::kLayerNorm) norm = SslConvBlock::Norm::kLayer;
    if (config.extractor_mode == SslExtractorMode::kGroupNorm && i == 0)
      norm = SslConvBlock::Norm::kGroup;
    conv_layers_->Append(std::make_shared<SslConvBlock>(in_dim, config.conv_layers[i],
                                                        config.conv_bias, norm,
                                                        config.layer_norm_eps, rng));
    in_dim = config.conv_layers[i].dim;
  }
}

Var SslFeatureEncoder::Forward(const Var &wave) const {
  if (wave.Rank() != 2) VOX_ERR << "SSL feature encoder: wave " << wave.shape().ToString()
                                << " is not (batch, samples)";
  if (config_.NumFrames(wave.Dim(1)) < 1)
    VOX_ERR << "SSL feature encoder: " << wave.Dim(1) << " samples are fewer than the "
            << config_.ReceptiveField() << " one frame needs";
  Var x = Reshape(wave, {wave.Dim(0), 1, wave.Dim(1)});
  for (size_t i = 0; i < conv_layers_->size(); i++)
    x = conv_layers_->At<SslConvBlock>(i).Forward(x);
  return x;
}

Var SslFeatureEncoder::Forward(const Var &wave, const std::vector<int64_t> &lengths) const {
  if (wave.Rank() != 2 || static_cast<int64_t>(lengths.size()) != wave.Dim(0))
    VOX_ERR << "SSL feature encoder: " << lengths.size() << " lengths for wave "
            << wave.shape().ToString() << " (expected (batch, samples) and one per row)";
  for (size_t b = 0; b < lengths.size(); b++)
    if (lengths[b] > wave.Dim(1) || config_.NumFrames(lengths[b]) < 1)
      VOX_ERR << "SSL feature encoder: row " << b << " has length " << lengths[b]
              << "; lengths must lie in " << config_.ReceptiveField() << ".." << wave.Dim(1)
              << " (one frame .. the padded length)";
  std::vector<int64_t> valid = lengths;
  Var x = Reshape(wave, {wave.Dim(0), 1, wave.Dim(1)});
  for (size_t i = 0; i < conv_layers_->size(); i++)
    x = conv_layers_->At<SslConvBlock>(i).Forward(x, &valid);
  return x;
}

SslFeatureProjection::SslFeatureProjection(const SslConfig &config, RandomGenerator *rng) {
  const int64_t conv_dim = config.conv_layers.back().dim;
  layer_norm_ = RegisterModule("layer_norm",
                               std::make_shared<LayerNormLayer>(conv_dim, config.layer_norm_eps));
  projection_ = RegisterModule("projection",
                               std::make_shared<Linear>(conv_dim, config.embed_dim, true, rng));
}

Var SslFeatureProjection::Forward(const Var &x) const {
  return projection_->Forward(layer_norm_->Forward(x));
}

}  // namespace voxtools

// src/nnet/ssl-feature-encoder.cc
#include "nnet/ssl-feature-encoder.h"

#include <algorithm>
#include <cmath>
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
  if (lengths)
    for (int64_t &len : *lengths) len = (len - kernel_) / stride_ + 1;
  if (!group_norm_) {
    Var y = conv_->ForwardTimeFirst(x);
    // LayerNorm normalises channels, the last axis of time-first frames.
    if (layer_norm_) y = layer_norm_->Forward(y);
    return Gelu(y);
  }
  // The group norm normalises each channel over time, channels first as GroupNorm takes
  // them. Its block reads the waveform (one channel: (B, L, 1) is (B, 1, L) in memory).
  Var xc = x.Dim(2) == 1 ? Reshape(x, {x.Dim(0), 1, x.Dim(1)}) : Transpose(x, 1, 2);
  Var y = conv_->Forward(xc);
  // Per-row statistics over the valid frames only (the caller checked every length >= 1).
  y = lengths ? GroupNorm(y, y.Dim(1), group_norm_->Find("weight"), group_norm_->Find("bias"),
                          *lengths, eps_)
              : group_norm_->Forward(y);
  return Transpose(Gelu(y), 1, 2);
}

Var SslConvBlock::NormAndGelu(const Var &y, const std::vector<float> &mean,
                              const std::vector<float> &inv_std) const {
  if (!group_norm_) VOX_ERR << "SslConvBlock::NormAndGelu: the block has no group norm";
  const Tensor v = y.value();
  const int64_t b = v.Dim(0), c = v.Dim(1), l = v.Dim(2);
  const float *w = group_norm_->Find("weight").value().Data();
  const float *bias = group_norm_->Find("bias").value().Data();
  Tensor z = Tensor::Empty({b, c, l});
  for (int64_t r = 0; r < b * c; r++) {
    const int64_t ch = r % c;
    const float scale = inv_std[ch] * w[ch], shift = bias[ch] - mean[ch] * scale;
    const float *src = v.Data() + r * l;
    float *dst = z.Data() + r * l;
    for (int64_t i = 0; i < l; i++) dst[i] = src[i] * scale + shift;
  }
  return Transpose(Gelu(Var(z)), 1, 2);
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

Var SslFeatureEncoder::Forward(const Var &wave, int64_t piece_frames) const {
  if (wave.Rank() != 2) VOX_ERR << "SSL feature encoder: wave " << wave.shape().ToString()
                                << " is not (batch, samples)";
  if (config_.NumFrames(wave.Dim(1)) < 1)
    VOX_ERR << "SSL feature encoder: " << wave.Dim(1) << " samples are fewer than the "
            << config_.ReceptiveField() << " one frame needs";
  if (piece_frames >= 0 && !GradEnabled() &&
      config_.NumFrames(wave.Dim(1)) > PieceFrames(piece_frames))
    return ForwardInPieces(wave, {}, PieceFrames(piece_frames));
  Var x = Reshape(wave, {wave.Dim(0), wave.Dim(1), 1});
  for (size_t i = 0; i < conv_layers_->size(); i++)
    x = conv_layers_->At<SslConvBlock>(i).Forward(x);
  return x;
}

Var SslFeatureEncoder::Forward(const Var &wave, const std::vector<int64_t> &lengths,
                               int64_t piece_frames) const {
  if (wave.Rank() != 2 || static_cast<int64_t>(lengths.size()) != wave.Dim(0))
    VOX_ERR << "SSL feature encoder: " << lengths.size() << " lengths for wave "
            << wave.shape().ToString() << " (expected (batch, samples) and one per row)";
  for (size_t b = 0; b < lengths.size(); b++)
    if (lengths[b] > wave.Dim(1) || config_.NumFrames(lengths[b]) < 1)
      VOX_ERR << "SSL feature encoder: row " << b << " has length " << lengths[b]
              << "; lengths must lie in " << config_.ReceptiveField() << ".." << wave.Dim(1)
              << " (one frame .. the padded length)";
  if (piece_frames >= 0 && !GradEnabled() &&
      config_.NumFrames(wave.Dim(1)) > PieceFrames(piece_frames))
    return ForwardInPieces(wave, lengths, PieceFrames(piece_frames));
  std::vector<int64_t> valid = lengths;
  Var x = Reshape(wave, {wave.Dim(0), wave.Dim(1), 1});
  for (size_t i = 0; i < conv_layers_->size(); i++)
    x = conv_layers_->At<SslConvBlock>(i).Forward(x, &valid);
  return x;
}

Var SslFeatureEncoder::ForwardInPieces(const Var &wave, const std::vector<int64_t> &lengths,
                                       int64_t piece_frames) const {
  const int64_t rows = wave.Dim(0), n = wave.Dim(1), num_frames = config_.NumFrames(n);
  const int64_t channels = config_.conv_layers.back().dim;
  const int64_t hop = config_.TotalStride(), field = config_.ReceptiveField();
  const Tensor samples = wave.value();
  const SslConvBlock &first = conv_layers_->At<SslConvBlock>(0);
  const SslConvLayer &layer0 = config_.conv_layers[0];
  Tensor out({rows, num_frames, channels});
  for (int64_t r = 0; r < rows; r++) {
    const float *row = samples.Data() + r * n;
    const int64_t len = lengths.empty() ? n : lengths[r];
    // A Var over samples [begin, end) of this row, shaped (1, 1, end - begin).
    auto slice = [&](int64_t begin, int64_t end) {
      Tensor x = Tensor::Empty({1, 1, end - begin});
      std::copy(row + begin, row + end, x.Data());
      return Var(x);
    };
    // Block 0's GroupNorm statistics over the row's valid block-0 frames, in double.
    std::vector<float> mean, inv_std;
    if (first.HasGroupNorm()) {
      const int64_t frames0 = (len - layer0.kernel) / layer0.stride + 1;
      const int64_t piece0 = piece_frames * hop / layer0.stride;
      std::vector<double> sum(layer0.dim, 0.0), sum_sq(layer0.dim, 0.0);
      for (int64_t a = 0; a < frames0; a += piece0) {
        const int64_t e = std::min(frames0, a + piece0);
        const Tensor y = first.Conv(slice(a * layer0.stride,
                                          (e - 1) * layer0.stride + layer0.kernel)).value();
        for (int64_t c = 0; c < layer0.dim; c++) {
          const float *p = y.Data() + c * (e - a);
          double s = 0, ss = 0;
          for (int64_t i = 0; i < e - a; i++) {
            s += p[i];
            ss += double(p[i]) * p[i];
          }
          sum[c] += s;
          sum_sq[c] += ss;
        }
      }
      for (int64_t c = 0; c < layer0.dim; c++) {
        const double m = sum[c] / frames0, var = std::max(0.0, sum_sq[c] / frames0 - m * m);
        mean.push_back(static_cast<float>(m));
        inv_std.push_back(static_cast<float>(1.0 / std::sqrt(var + config_.layer_norm_eps)));
      }
    }
    // Frames [f0, f1) from samples [f0 * hop, (f1 - 1) * hop + field): every block's frames
    // line up with the whole computation's because the piece starts on a multiple of hop.
    const int64_t valid = config_.NumFrames(len);
    for (int64_t f0 = 0; f0 < valid; f0 += piece_frames) {
      const int64_t f1 = std::min(valid, f0 + piece_frames);
      const Var piece = slice(f0 * hop, (f1 - 1) * hop + field);
      Var x = first.HasGroupNorm() ? first.NormAndGelu(first.Conv(piece), mean, inv_std)
                                   : first.Forward(Reshape(piece, {1, piece.Dim(2), 1}));
      for (size_t i = 1; i < conv_layers_->size(); i++)
        x = conv_layers_->At<SslConvBlock>(i).Forward(x);
      const Tensor y = x.value();  // (1, f1 - f0, channels)
      std::copy(y.Data(), y.Data() + (f1 - f0) * channels,
                out.Data() + (r * num_frames + f0) * channels);
    }
  }
  return Var(out);
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

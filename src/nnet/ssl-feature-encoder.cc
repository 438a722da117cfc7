// src/nnet/ssl-feature-encoder.cc
#include "nnet/ssl-feature-encoder.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "matrix/cpu-math.h"
#include "matrix/thread-pool.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/norm.h"
#include "nnet/ops/shape.h"

namespace voxtools {
namespace {

// Inference helpers for the group-norm block on time-first frames y (T, C), where each
// channel is a column: the GroupNorm op would need (C, T) and two transposes around it.

// sum[c] += sum_t y[t][c], sum_sq[c] += sum_t y[t][c]^2 over t < frames, in double; channels
// in parallel, each thread owning its columns.
void AddChannelSums(const float *y, int64_t frames, int64_t channels, double *sum,
                    double *sum_sq) {
  ParallelFor(channels, 64, [&](int64_t c0, int64_t c1) {
    std::vector<double> s(c1 - c0, 0.0), ss(c1 - c0, 0.0);
    for (int64_t t = 0; t < frames; t++) {
      const float *row = y + t * channels + c0;
      for (int64_t c = 0; c < c1 - c0; c++) {
        s[c] += row[c];
        ss[c] += double(row[c]) * row[c];
      }
    }
    for (int64_t c = c0; c < c1; c++) sum[c] += s[c - c0], sum_sq[c] += ss[c - c0];
  });
}

// y[t][c] <- GELU(y[t][c] scale[c] + shift[c]) for t < frames, in place; frames in parallel.
void AffineGeluFrames(float *y, int64_t frames, int64_t channels, const float *scale,
                      const float *shift) {
  ParallelFor(frames, std::max<int64_t>(1, 16384 / std::max<int64_t>(channels, 1)),
              [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      float *row = y + t * channels;
      for (int64_t c = 0; c < channels; c++) {
        const float v = row[c] * scale[c] + shift[c];
        float gauss;
        row[c] = v * GeluCdf(v, &gauss);
      }
    }
  });
}

}  // namespace

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
  if (!GradEnabled()) {
    // Inference: the group norm's statistics per row and channel straight from the
    // time-first conv output, then norm and GELU in one pass over it.
    Var y = conv_->ForwardTimeFirst(x);
    Tensor v = y.value();  // a fresh output, shared with nothing: normalised in place
    const int64_t rows = v.Dim(0), frames = v.Dim(1), channels = v.Dim(2);
    for (int64_t r = 0; r < rows; r++) {
      float *row = v.Data() + r * frames * channels;
      std::vector<float> mean, inv_std;
      GroupNormStatistics(row, lengths ? (*lengths)[r] : frames, channels, &mean, &inv_std);
      NormAndGelu(row, frames, mean, inv_std);
    }
    return y;
  }
  // Training: GroupNorm (with its backward) takes channels first. The block reads the
  // waveform (one channel: (B, L, 1) is (B, 1, L) in memory), so only its output is
  // transposed.
  Var xc = x.Dim(2) == 1 ? Reshape(x, {x.Dim(0), 1, x.Dim(1)}) : Transpose(x, 1, 2);
  Var y = conv_->Forward(xc);
  // Per-row statistics over the valid frames only (the caller checked every length >= 1).
  y = lengths ? GroupNorm(y, y.Dim(1), group_norm_->Find("weight"), group_norm_->Find("bias"),
                          *lengths, eps_)
              : group_norm_->Forward(y);
  return Transpose(Gelu(y), 1, 2);
}

void SslConvBlock::GroupNormStatistics(const float *y, int64_t frames, int64_t channels,
                                       std::vector<float> *mean,
                                       std::vector<float> *inv_std) const {
  std::vector<double> sum(channels, 0.0), sum_sq(channels, 0.0);
  AddChannelSums(y, frames, channels, sum.data(), sum_sq.data());
  FinishStatistics(sum, sum_sq, frames, mean, inv_std);
}

void SslConvBlock::FinishStatistics(const std::vector<double> &sum,
                                    const std::vector<double> &sum_sq, int64_t frames,
                                    std::vector<float> *mean, std::vector<float> *inv_std) const {
  mean->clear(), inv_std->clear();
  for (size_t c = 0; c < sum.size(); c++) {
    const double m = sum[c] / frames, var = std::max(0.0, sum_sq[c] / frames - m * m);
    mean->push_back(static_cast<float>(m));
    inv_std->push_back(static_cast<float>(1.0 / std::sqrt(var + eps_)));
  }
}

void SslConvBlock::NormAndGelu(float *y, int64_t frames, const std::vector<float> &mean,
                               const std::vector<float> &inv_std) const {
  if (!group_norm_ || mean.size() != inv_std.size())
    VOX_ERR << "SslConvBlock::NormAndGelu: no group norm, or statistics of unequal sizes";
  const int64_t channels = static_cast<int64_t>(mean.size());
  const float *w = group_norm_->Find("weight").value().Data();
  const float *b = group_norm_->Find("bias").value().Data();
  std::vector<float> scale(channels), shift(channels);
  for (int64_t c = 0; c < channels; c++) {
    scale[c] = inv_std[c] * w[c];
    shift[c] = b[c] - mean[c] * scale[c];
  }
  AffineGeluFrames(y, frames, channels, scale.data(), shift.data());
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
    // A Var over samples [begin, end) of this row, time-first: (1, end - begin, 1).
    auto slice = [&](int64_t begin, int64_t end) {
      Tensor x = Tensor::Empty({1, end - begin, 1});
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
        AddChannelSums(y.Data(), e - a, layer0.dim, sum.data(), sum_sq.data());
      }
      first.FinishStatistics(sum, sum_sq, frames0, &mean, &inv_std);
    }
    // Frames [f0, f1) from samples [f0 * hop, (f1 - 1) * hop + field): every block's frames
    // line up with the whole computation's because the piece starts on a multiple of hop.
    const int64_t valid = config_.NumFrames(len);
    for (int64_t f0 = 0; f0 < valid; f0 += piece_frames) {
      const int64_t f1 = std::min(valid, f0 + piece_frames);
      const Var piece = slice(f0 * hop, (f1 - 1) * hop + field);
      Var x = first.HasGroupNorm() ? first.Conv(piece) : first.Forward(piece);
      if (first.HasGroupNorm()) {
        Tensor v = x.value();  // the conv's fresh output: normalised in place
        first.NormAndGelu(v.Data(), v.Dim(1), mean, inv_std);
      }
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

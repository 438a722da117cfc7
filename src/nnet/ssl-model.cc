// src/nnet/ssl-model.cc
#include "nnet/ssl-model.h"

#include <algorithm>
#include <cmath>

#include "nnet/ops/elementwise.h"
#include "nnet/ops/misc.h"
#include "nnet/ops/shape.h"

namespace voxtools {

SslModel::SslModel(const SslConfig &config, RandomGenerator *rng) : config_(config) {
  config.Validate();
  feature_extractor_ =
      RegisterModule("feature_extractor", std::make_shared<SslFeatureEncoder>(config, rng));
  feature_projection_ =
      RegisterModule("feature_projection", std::make_shared<SslFeatureProjection>(config, rng));
  encoder_ = RegisterModule("encoder", std::make_shared<SslTransformer>(config, rng));
  Tensor mask_emb({config.embed_dim});
  if (rng) rng->FillUniform(0.0f, 1.0f, &mask_emb);  // fairseq's uniform_() init
  mask_emb_ = RegisterParameter("mask_emb", mask_emb);
}

SslOutputs SslModel::Forward(const Var &wave, const Tensor &padding_mask,
                             const SslOutputRequest &request,
                             const SslForwardOptions &opts) const {
  if (padding_mask.Defined() &&
      (padding_mask.Rank() != 2 || wave.Rank() != 2 || padding_mask.Dim(0) != wave.Dim(0) ||
       padding_mask.Dim(1) != wave.Dim(1)))
    VOX_ERR << "padding mask " << padding_mask.shape().ToString() << " does not match wave "
            << wave.shape().ToString();
  return Run(wave, padding_mask, nullptr, request, opts);
}

SslOutputs SslModel::Forward(const Var &wave, const std::vector<int64_t> &lengths,
                             const SslOutputRequest &request,
                             const SslForwardOptions &opts) const {
  // The feature encoder checks the lengths against the wave.
  return Run(wave, Tensor(), &lengths, request, opts);
}

SslOutputs SslModel::Run(const Var &wave, const Tensor &padding_mask,
                         const std::vector<int64_t> *lengths, const SslOutputRequest &request,
                         const SslForwardOptions &opts) const {
  const int64_t num_layers = config_.num_layers;
  int64_t last = request.final ? num_layers : -1;
  for (int64_t n : request.layers) {
    if (n < 0 || n > num_layers)
      VOX_ERR << "layer " << n << " requested; the model has layers 0.." << num_layers;
    last = std::max(last, n);
  }

  SslOutputs out;
  Var features = lengths ? feature_extractor_->Forward(wave, *lengths, opts.conv_chunk_frames)
                         : feature_extractor_->Forward(wave, opts.conv_chunk_frames);  // (B, T, C)
  if (Training() && config_.feature_grad_mult != 1.0f && features.RequiresGrad()) {
    // Same value, gradient scaled by feature_grad_mult (fairseq's GradMultiply).
    const float m = config_.feature_grad_mult;
    features = Add(MulScalar(features, m), MulScalar(features.Detach(), 1.0f - m));
  }
  const int64_t b = features.Dim(0), t = features.Dim(1);
  if (padding_mask.Defined()) out.frame_mask = SslFrameMask(padding_mask, t);
  if (lengths) {
    // A frame is valid iff its whole receptive field lies inside the utterance; the mask is
    // left undefined when no row is padded (the attention then skips it).
    bool padded = false;
    for (int64_t len : *lengths) {
      out.num_frames.push_back(config_.NumFrames(len));
      padded = padded || out.num_frames.back() < t;
    }
    if (padded) {
      out.frame_mask = Tensor({b, t});
      for (int64_t r = 0; r < b; r++)
        for (int64_t f = out.num_frames[r]; f < t; f++) out.frame_mask.Data()[r * t + f] = 1.0f;
    }
  }
  // Exact mode zeroes every output's padded frames; the official one only proj's (as
  // torchaudio/HF return them).
  const Tensor mask3 = out.frame_mask.Defined() ? out.frame_mask.Reshape({b, t, 1}) : Tensor();
  auto zero_padded = [&](const Var &y) {
    return lengths && mask3.Defined() ? MaskedFill(y, mask3, 0.0f) : y;
  };
  if (request.cnn) out.cnn = zero_padded(features);
  Var x = feature_projection_->Forward(features);
  x = Dropout(x, config_.dropout_input, Training(), opts.rng);
  if (request.proj) out.proj = mask3.Defined() ? MaskedFill(x, mask3, 0.0f) : x;
  if (last < 0) return out;

  // Keep the requested layers only: each is T x E (9 MB per layer-minute for Base models).
  std::vector<Var> collected(last + 1);
  std::vector<bool> wanted(last + 1, false);
  for (int64_t n : request.layers) wanted[n] = true;
  auto on_layer = [&](int64_t n, const Var &y) {
    if (wanted[n]) collected[n] = y;
  };
  Var y = encoder_->Forward(x, out.frame_mask, last, on_layer, opts);
  for (int64_t n : request.layers) out.layers.push_back(zero_padded(collected[n]));
  if (request.final) out.final = zero_padded(encoder_->FinalNorm(y));
  return out;
}

void NormalizeWaveform(float *x, int64_t n, float eps) {
  if (n <= 0) return;
  double sum = 0;
  for (int64_t i = 0; i < n; i++) sum += x[i];
  const double mean = sum / n;
  double ss = 0;
  for (int64_t i = 0; i < n; i++) ss += (x[i] - mean) * (x[i] - mean);
  const double scale = 1.0 / std::sqrt(ss / n + eps);
  for (int64_t i = 0; i < n; i++) x[i] = static_cast<float>((x[i] - mean) * scale);
}

void NormalizeWaveform(Tensor *wave, const std::vector<int64_t> &lengths, float eps) {
  if (wave->Rank() != 2 || static_cast<int64_t>(lengths.size()) != wave->Dim(0))
    VOX_ERR << "NormalizeWaveform: " << lengths.size() << " lengths for wave "
            << wave->shape().ToString();
  const int64_t n = wave->Dim(1);
  for (size_t r = 0; r < lengths.size(); r++) {
    if (lengths[r] < 0 || lengths[r] > n)
      VOX_ERR << "NormalizeWaveform: length " << lengths[r] << " of row " << r
              << " is outside 0.." << n;
    NormalizeWaveform(wave->Data() + r * n, lengths[r], eps);
  }
}

Tensor SslFrameMask(const Tensor &padding_mask, int64_t num_frames) {
  const int64_t b = padding_mask.Dim(0), n = padding_mask.Dim(1);
  if (num_frames <= 0 || n < num_frames)
    VOX_ERR << "frame mask: " << num_frames << " frames from " << n << " samples";
  const int64_t chunk = n / num_frames;
  Tensor mask({b, num_frames});
  for (int64_t r = 0; r < b; r++) {
    const float *m = padding_mask.Data() + r * n;
    for (int64_t f = 0; f < num_frames; f++) {
      bool all = true;
      for (int64_t i = f * chunk; i < (f + 1) * chunk && all; i++) all = m[i] != 0.0f;
      mask.Data()[r * num_frames + f] = all ? 1.0f : 0.0f;
    }
  }
  return mask;
}

}  // namespace voxtools

// src/nnet/ssl-feature-extractor.cc
#include "nnet/ssl-feature-extractor.h"

#include <algorithm>
#include <cmath>

#include "base/text-utils.h"

namespace voxtools {

void SslFeatureOptions::Register(OptionsItf *opts) {
  opts->Register("layer", &layer,
                 "Output to write: N (0 = encoder input after the positional conv, N = output "
                 "of transformer layer N, without the final LayerNorm), cnn, proj or final (a "
                 "full pass, with the final LayerNorm of pre-norm models)");
  opts->Register("layers", &layers,
                 "Several outputs, comma-separated (e.g. 4,8,12 or cnn,0,12), or 'all' (0..L): "
                 "written side by side as one matrix of frames x (sum of dims); overrides --layer");
  opts->Register("mean", &mean, "With --layers: write the mean of the selected outputs");
  opts->Register("attention-block", &attention_block,
                 "Query frames per attention block (bounds memory on long recordings); 0: "
                 "automatic. Results do not depend on it beyond float rounding");
}

void SslFeatureOptions::Validate() const {
  if (mean && layers.empty()) VOX_ERR << "--mean needs --layers";
  if (attention_block < 0) VOX_ERR << "--attention-block=" << attention_block << " < 0";
  const std::string list = layers.empty() ? layer : layers;
  if (list == "all") return;
  const std::vector<std::string> items = SplitString(list, ",", false);
  if (layers.empty() && items.size() != 1)
    VOX_ERR << "--layer=" << layer << ": one output; use --layers for several";
  for (const std::string &it : items) {
    int64_t n;
    if (it != "cnn" && it != "proj" && it != "final" && !ConvertToInt64(it, &n))
      VOX_ERR << "--layer(s): '" << it << "' is not a layer number, cnn, proj, final or all";
  }
}

std::string SslFeatureOptions::ToString() const {
  return "--layer=" + layer + " --layers=" + layers + " --mean=" + (mean ? "true" : "false") +
         " --attention-block=" + std::to_string(attention_block);
}

SslFeatureExtractor::SslFeatureExtractor(const SslModel &model, const SslFeatureOptions &opts)
    : model_(model), opts_(opts) {
  opts.Validate();
  const SslConfig &c = model.config();
  const std::string list = opts.layers.empty() ? opts.layer : opts.layers;
  std::vector<std::string> names;
  if (list == "all") {
    for (int64_t n = 0; n <= c.num_layers; n++) names.push_back(std::to_string(n));
  } else {
    names = SplitString(list, ",", false);
  }
  std::vector<int64_t> dims;
  for (const std::string &name : names) {
    Item it{Kind::kLayer, 0};
    if (name == "cnn") {
      it.kind = Kind::kCnn;
      request_.cnn = true;
      dims.push_back(c.conv_layers.back().dim);
    } else if (name == "proj") {
      it.kind = Kind::kProj;
      request_.proj = true;
      dims.push_back(c.embed_dim);
    } else if (name == "final") {
      it.kind = Kind::kFinal;
      request_.final = true;
      dims.push_back(c.embed_dim);
    } else {
      int64_t n = -1;
      ConvertToInt64(name, &n);
      if (n < 0 || n > c.num_layers)
        VOX_ERR << "--layer(s): " << name << " is not a layer of this model (0.."
                << c.num_layers << ")";
      it.layer = static_cast<int64_t>(request_.layers.size());  // index into out.layers
      request_.layers.push_back(n);
      dims.push_back(c.embed_dim);
    }
    items_.push_back(it);
  }
  if (opts.mean) {
    for (int64_t d : dims)
      if (d != dims[0]) VOX_ERR << "--mean over outputs of different dims (cnn is " << dims[0]
                                << " or " << d << ")";
    dim_ = dims[0];
  } else {
    for (int64_t d : dims) dim_ += d;
  }
}

void SslFeatureExtractor::Compute(const float *samples, int64_t n, Matrix<float> *feats) const {
  const SslConfig &c = model_.config();
  if (c.NumFrames(n) < 1)
    VOX_ERR << n << " samples (" << static_cast<double>(n) / c.sample_rate << " s) are fewer "
            << "than the " << c.ReceptiveField() << " one frame needs";
  Tensor wave = Tensor::Empty({1, n});
  std::copy(samples, samples + n, wave.Data());
  for (int64_t i = 0; i < n; i++)
    if (!std::isfinite(wave.Data()[i])) VOX_ERR << "audio sample " << i << " is NaN/Inf";
  if (c.normalize) NormalizeWaveform(wave.Data(), n);
  SslForwardOptions fopts;
  fopts.attention_block = opts_.attention_block;
  NoGradGuard no_grad;
  const SslOutputs out = model_.Forward(Var(wave), Tensor(), request_, fopts);
  const int64_t t = c.NumFrames(n);
  feats->Resize(t, dim_);
  int64_t col = 0;
  const float scale = opts_.mean ? 1.0f / static_cast<float>(items_.size()) : 1.0f;
  for (const Item &it : items_) {
    const Var &v = it.kind == Kind::kCnn ? out.cnn : it.kind == Kind::kProj ? out.proj
                 : it.kind == Kind::kFinal ? out.final : out.layers[it.layer];
    const int64_t d = v.Dim(2);
    const float *src = v.value().Data();
    for (int64_t f = 0; f < t; f++) {
      float *dst = feats->Row(f) + col;
      if (opts_.mean) {
        for (int64_t j = 0; j < d; j++) dst[j] += scale * src[f * d + j];
      } else {
        std::copy(src + f * d, src + (f + 1) * d, dst);
      }
    }
    if (!opts_.mean) col += d;
  }
}

}  // namespace voxtools

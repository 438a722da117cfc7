// src/nnet/ssl-model.h
// A whole wav2vec 2.0 / HuBERT / WavLM model (see ssl-config.h for the family and
// ssl-feature-encoder.h, ssl-transformer.h for the parts), returning whichever intermediate
// outputs the caller asks for, with the official/s3prl layer numbering:
//   cnn      the conv encoder output (B, T, C_conv), after the last GELU, before any norm;
//   proj     after the feature LayerNorm and projection (B, T, E); padded frames read 0;
//   layer 0  the transformer input after the positional conv (post-norm: and the encoder
//            LayerNorm);
//   layer n  the output of transformer layer n (1..L), never with the final LayerNorm;
//   final    a full pass: layer L, then the encoder LayerNorm for pre-norm models.
// Only the layers up to the highest one requested run (all of them when final is asked for).
//
// The model never normalises the waveform; config().normalize tells the caller to do so per
// utterance (NormalizeWaveform) before Forward, as the official usage does.
//
// Batches of utterances of different lengths, two ways:
//   official  Forward(wave, padding_mask, ...): the fairseq/torchaudio/HF behaviour, kept to
//             match their outputs. It is NOT exact: in group_norm extractor mode (wav2vec 2.0
//             and HuBERT Base) the first conv layer's GroupNorm takes each channel's statistics
//             over the whole padded row, so the padding changes every frame; and SslFrameMask
//             can keep a partly padded frame as valid.
//   exact     Forward(wave, lengths, ...): per-utterance lengths in samples. The first conv
//             layer's GroupNorm uses each utterance's own valid frames only, a frame is valid
//             iff it lies wholly inside the utterance (t < config().NumFrames(lengths[b])),
//             padded frames are zeroed before the positional conv and masked as attention keys.
//             Row b's valid frames then equal Forward of that utterance alone (float rounding
//             aside; tested within 1e-5), whatever the padding samples hold, and every output
//             reads 0 on padded frames. Layer-norm extractor models (WavLM, Large) need only
//             the masks, but take the same path.
//
// Parameter paths: feature_extractor/..., feature_projection/..., encoder/..., mask_emb (E)
// (the training-time mask embedding, kept so that a model file round-trips).
#ifndef VOXTOOLS_NNET_SSL_MODEL_H_
#define VOXTOOLS_NNET_SSL_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "matrix/matrix.h"
#include "nnet/module.h"
#include "nnet/ssl-config.h"
#include "nnet/ssl-feature-encoder.h"
#include "nnet/ssl-transformer.h"

namespace voxtools {

struct SslOutputRequest {
  bool cnn = false, proj = false, final = false;
  std::vector<int64_t> layers;  // each in 0..L, any order, repeats allowed
};

struct SslOutputs {
  Var cnn;                  // (B, T, C_conv) if requested
  Var proj;                 // (B, T, E) if requested
  std::vector<Var> layers;  // (B, T, E) each, in the order of SslOutputRequest::layers
  Var final;                // (B, T, E) if requested
  Tensor frame_mask;        // (B, T), 1 on padded frames; undefined without padding/lengths
  std::vector<int64_t> num_frames;  // valid frames of each row (exact Forward only)
};

class SslModel : public Module {
 public:
  // With rng the parameters get random initial values (tests, training from scratch);
  // without, they are placeholders for loaded weights. Validates the config.
  explicit SslModel(const SslConfig &config, RandomGenerator *rng = nullptr);
  std::string TypeName() const override { return "SslModel"; }
  std::string Describe() const override { return config_.ToString(); }
  const SslConfig &config() const { return config_; }

  // wave (B, N) samples; padding_mask (B, N) nonzero on padding samples, or undefined (no
  // padding). Throws Error if N is shorter than one frame or a request is out of range.
  SslOutputs Forward(const Var &wave, const Tensor &padding_mask, const SslOutputRequest &request,
                     const SslForwardOptions &opts = {}) const;
  // The exact batched forward (see the top of this file): row b of wave (B, N) holds an
  // utterance of lengths[b] samples (B values, each in [ReceptiveField(), N]); samples past it
  // are ignored whatever they hold. Outputs on frames t >= num_frames[b] =
  // config().NumFrames(lengths[b]) are 0; frame_mask marks them. Normalise each utterance over
  // its own samples first when config().normalize (NormalizeWaveform(&wave, lengths)).
  // Throws Error on a bad length or request.
  SslOutputs Forward(const Var &wave, const std::vector<int64_t> &lengths,
                     const SslOutputRequest &request, const SslForwardOptions &opts = {}) const;

  const SslFeatureEncoder &feature_extractor() const { return *feature_extractor_; }
  // The conv encoder as a module (freeze it with SetRequiresGrad(false)).
  SslFeatureEncoder *mutable_feature_extractor() { return feature_extractor_.get(); }

 private:
  // Both Forwards: exactly one of padding_mask (official rule) and lengths (exact) is given,
  // or neither (no padding).
  SslOutputs Run(const Var &wave, const Tensor &padding_mask, const std::vector<int64_t> *lengths,
                 const SslOutputRequest &request, const SslForwardOptions &opts) const;

  SslConfig config_;
  std::shared_ptr<SslFeatureEncoder> feature_extractor_;
  std::shared_ptr<SslFeatureProjection> feature_projection_;
  std::shared_ptr<SslTransformer> encoder_;
  Var mask_emb_;
};

// x = (x - mean) / sqrt(var + eps) over the n samples (var biased): the official per-utterance
// waveform normalisation (eps 1e-5; HF's feature extractor uses 1e-7).
void NormalizeWaveform(float *x, int64_t n, float eps = 1e-5f);
// The same for each row b of wave (B, N) over its first lengths[b] samples, as if each
// utterance were alone; samples past lengths[b] are left as they are.
void NormalizeWaveform(Tensor *wave, const std::vector<int64_t> &lengths, float eps = 1e-5f);

// The official frame padding rule: with N padded samples and T frames, the sample mask is
// cut to T * floor(N / T) samples and viewed as T chunks; a frame is padded only if every
// sample of its chunk is. padding_mask (B, N) nonzero = padding -> (B, T) of 0/1.
Tensor SslFrameMask(const Tensor &padding_mask, int64_t num_frames);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_SSL_MODEL_H_

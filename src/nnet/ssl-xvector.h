// src/nnet/ssl-xvector.h
// A speaker-embedding model on a self-supervised encoder: transformers' WavLMForXVector (and
// Wav2Vec2ForXVector, the same head), e.g. microsoft/wavlm-base-plus-sv. From the waveform:
//
//   hidden states  use_weighted_layer_sum: sum_n softmax(layer_weights)_n h_n over transformers'
//                  hidden_states h_0..h_L, which in SslModel's numbering are layers 0..L-1
//                  and "final" (post-norm: final = layer L; pre-norm: LayerNorm(layer L));
//                  otherwise the last hidden state alone ("final");
//   projector      Linear(E, tdnn_dim[0]) per frame;
//   tdnn/i         a dilated conv1d over time without padding (kernel tdnn_kernel[i], dilation
//                  tdnn_dilation[i]) stored as transformers stores it, a Linear
//                  "kernel" (tdnn_dim[i], kernel * in) whose input is the kernel's frames
//                  side by side (frame-major: column j * in + c is frame j, channel c); ReLU;
//   pooling        mean and standard deviation over time (unbiased, no floor: torch.std);
//   feature_extractor  Linear(2 tdnn_dim[-1], xvector_output_dim): the embedding.
// classifier (Linear(D, D)) and objective/weight (the AM-softmax weight, (D, num_labels)) are
// the training head; they are kept so that the file round-trips, and play no part in the
// embedding.
//
// The model takes equal-length waveforms (B, N) at config().sample_rate, on the [-1, 1]
// scale and already normalised when the SSL config says normalize (NormalizeWaveform with
// NormalizeEps(): transformers' feature extractor uses 1e-7). Padding would change every
// statistic, so utterances of different lengths run separately (embedding-extractor.h).
//
// Parameter paths: ssl/... (SslModel's), head/layer_weights, head/projector/{weight,bias},
// head/tdnn/<i>/kernel/{weight,bias}, head/feature_extractor/..., head/classifier/...,
// head/objective/weight: transformers' names under head/, with '/' for '.'.
// Model file config: {"type": "ssl-xvector", "ssl": SslConfigToJson, "head":
// SslXvectorConfigToJson, "normalize_eps": e}.
#ifndef VOXTOOLS_NNET_SSL_XVECTOR_H_
#define VOXTOOLS_NNET_SSL_XVECTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/json.h"
#include "nnet/linear.h"
#include "nnet/module.h"
#include "nnet/random.h"
#include "nnet/ssl-config.h"
#include "nnet/ssl-model.h"

namespace voxtools {

// One TDNN layer as transformers' TDNNLayer: x (B, T, in) -> ReLU(dilated conv) (B, T', out),
// T' = T - dilation (kernel - 1), with the weight kept as the Linear "kernel" (see above).
class SslTdnnLayer : public Module {
 public:
  SslTdnnLayer(int64_t in_dim, int64_t out_dim, int64_t kernel, int64_t dilation,
               RandomGenerator *rng);
  std::string TypeName() const override { return "TDNNLayer"; }
  std::string Describe() const override;
  Var Forward(const Var &x) const;

 private:
  int64_t in_dim_, out_dim_, kernel_, dilation_;
  std::shared_ptr<Linear> kernel_linear_;
};

// transformers' AMSoftmaxLoss parameters: "weight" (embed_dim, num_labels). Training only.
class SslAmSoftmaxWeight : public Module {
 public:
  SslAmSoftmaxWeight(int64_t embed_dim, int64_t num_labels, RandomGenerator *rng);
  std::string TypeName() const override { return "AMSoftmaxLoss"; }
  const Var &weight() const { return weight_; }

 private:
  Var weight_;
};

// The head alone, on the encoder's hidden states.
class SslXvectorHead : public Module {
 public:
  // hidden_size: the encoder's E; num_hidden_states: L + 1 (the weights of the weighted sum).
  // With rng the parameters are drawn as transformers initialises them (Linear: PyTorch's
  // default; layer_weights 1 / (L + 1); the AM-softmax weight N(0, 1)); else zero, to be loaded.
  SslXvectorHead(const SslXvectorConfig &config, int64_t hidden_size, int64_t num_hidden_states,
                 RandomGenerator *rng = nullptr);
  std::string TypeName() const override { return "SslXvectorHead"; }
  std::string Describe() const override { return config_.ToString(); }
  const SslXvectorConfig &config() const { return config_; }

  // hidden_states: num_hidden_states tensors (B, T, E) with use_weighted_layer_sum, else one;
  // T - config().FramesLost() must be at least 2. Returns the embeddings (B, xvector_output_dim).
  Var Forward(const std::vector<Var> &hidden_states) const;

 private:
  SslXvectorConfig config_;
  int64_t num_hidden_states_;
  Var layer_weights_;
  std::shared_ptr<Linear> projector_;
  std::vector<std::shared_ptr<SslTdnnLayer>> tdnn_;
  std::shared_ptr<Linear> feature_extractor_, classifier_;
  std::shared_ptr<SslAmSoftmaxWeight> objective_;
};

class SslXvectorModel : public Module {
 public:
  // Validates both configs. rng: random initial values (tests); null: zeros, to be loaded.
  SslXvectorModel(const SslConfig &ssl_config, const SslXvectorConfig &head_config,
                  float normalize_eps = 1e-7f, RandomGenerator *rng = nullptr);
  std::string TypeName() const override { return "SslXvectorModel"; }
  std::string Describe() const override;

  const SslConfig &ssl_config() const { return ssl_->config(); }
  const SslXvectorConfig &head_config() const { return head_->config(); }
  float NormalizeEps() const { return normalize_eps_; }
  int64_t EmbedDim() const { return head_config().xvector_output_dim; }
  // The shortest waveform (samples) that leaves two frames for the standard deviation.
  int64_t MinSamples() const;
  // The model file's config (see the top of this file).
  JsonValue Config() const;

  // wave (B, N), N >= MinSamples(), prepared as described above -> embeddings (B, EmbedDim()).
  // Throws Error if N is too short.
  Var Forward(const Var &wave, const SslForwardOptions &opts = {}) const;

  SslModel &ssl() { return *ssl_; }
  SslXvectorHead &head() { return *head_; }

 private:
  float normalize_eps_;
  std::shared_ptr<SslModel> ssl_;
  std::shared_ptr<SslXvectorHead> head_;
};

// True if a model file's config is an ssl-xvector model's ("type": "ssl-xvector").
bool IsSslXvectorConfig(const JsonValue &config);
// Builds the model a config describes (zeros). Throws Error naming the bad member.
std::unique_ptr<SslXvectorModel> MakeSslXvectorModel(const JsonValue &config);

// SaveModel with Config(); the file appears only when complete.
void WriteSslXvectorModelFile(const SslXvectorModel &model, const std::string &path);
// Reads what WriteSslXvectorModelFile wrote, in eval mode. Throws Error naming the file on
// another kind of model, a missing/extra parameter or a shape mismatch.
std::unique_ptr<SslXvectorModel> ReadSslXvectorModelFile(const std::string &path);

// Forward FLOPs per second of audio (model-file.h's ForwardFlopsPerSecond): the encoder's
// (SslForwardFlopsPerSecond, 10 s utterances) plus the head's per-frame products; the
// pooled layers run once per utterance and are left out.
double SslXvectorFlopsPerSecond(const JsonValue &config);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_SSL_XVECTOR_H_

// src/nnet/ssl-config.h
// The hyper-parameters of the wav2vec 2.0 family of self-supervised speech models: wav2vec 2.0
// (Baevski et al. 2020), HuBERT (Hsu et al. 2021) and WavLM (Chen et al. 2022). All three are
// one architecture (a conv feature encoder, a feature projection, a convolutional positional
// embedding and a transformer encoder); WavLM adds a gated relative position bias. One flat
// struct describes any of them (whisper.cpp's hparams habit); the defaults are WavLM Base.
//
// Where a config comes from:
//   - a model file's root attribute "config" (SslConfigToJson / SslConfigFromJson, our names);
//   - a unilm/fairseq checkpoint's `cfg` dict (SslConfigFromUnilm; missing keys take
//     WavLMConfig's defaults, which have relative_position_embedding = gru_rel_pos = false);
//   - a Hugging Face config.json (SslConfigFromHf, model_type wavlm/hubert/wav2vec2);
//   - a conf/ssl/*.conf file (ReadSslConfigFile): Kaldi-style lines "--name=value" ('#'
//     comments) whose names are our JSON names with '-' for '_' (--embed-dim=768).
// Every reader refuses a value out of range (Validate), and our own JSON/conf readers refuse
// unknown names, so a typo fails when the model is built, not mid-run.
#ifndef VOXTOOLS_NNET_SSL_CONFIG_H_
#define VOXTOOLS_NNET_SSL_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "io/json.h"

namespace voxtools {

enum class SslModelType { kWavLM, kHubert, kWav2Vec2 };
// kGroupNorm: fairseq's "default" mode (GroupNorm with one group per channel on the first conv
// block only, statistics over time); kLayerNorm: LayerNorm over channels in every block.
enum class SslExtractorMode { kGroupNorm, kLayerNorm };

// One conv block of the feature encoder: output channels, kernel, stride (in samples/frames).
struct SslConvLayer {
  int64_t dim = 512, kernel = 10, stride = 5;
};

struct SslConfig {
  SslModelType model_type = SslModelType::kWavLM;

  // Conv feature encoder: 7 blocks of 512 channels, kernels 10,3,3,3,3,2,2 and strides
  // 5,2,2,2,2,2,2 (400-sample receptive field, 320-sample hop = 20 ms at 16 kHz).
  std::vector<SslConvLayer> conv_layers = DefaultConvLayers();
  SslExtractorMode extractor_mode = SslExtractorMode::kGroupNorm;
  bool conv_bias = false;

  // Transformer encoder.
  int64_t embed_dim = 768;
  int64_t ffn_dim = 3072;
  int64_t num_heads = 12;
  int64_t num_layers = 12;
  bool layer_norm_first = false;  // true: pre-norm (Large); false: post-norm (Base)
  int64_t conv_pos = 128;         // positional conv kernel (even: the last frame is dropped)
  int64_t conv_pos_groups = 16;

  // WavLM's relative position bias (T5-style buckets) and its per-head gate.
  bool relative_position_embedding = true;
  bool gru_rel_pos = true;
  int64_t num_buckets = 320;
  int64_t max_distance = 800;

  // The model expects each utterance's waveform normalised to zero mean and unit variance
  // (eps 1e-5) by whoever calls it (the unilm `normalize` flag; HF's do_normalize).
  bool normalize = false;
  float layer_norm_eps = 1e-5f;
  int32_t sample_rate = 16000;

  // Training only (eval mode ignores them); WavLM Base's pre-training values.
  float dropout = 0.1f;              // after attention and feed-forward (residual branch)
  float attention_dropout = 0.1f;    // recorded; the fused attention has no dropout (yet)
  float activation_dropout = 0.0f;   // after the feed-forward GELU
  float dropout_input = 0.1f;        // on the projected features
  float dropout_features = 0.1f;     // on the CNN features
  float layerdrop = 0.05f;           // probability of skipping a whole layer
  float feature_grad_mult = 0.1f;    // gradient scale into the conv encoder (0 freezes it)

  static std::vector<SslConvLayer> DefaultConvLayers();

  // Frames the conv encoder makes from num_samples samples (0 if too short).
  int64_t NumFrames(int64_t num_samples) const;
  // Product of the strides (320) and receptive field (400) in samples.
  int64_t TotalStride() const;
  int64_t ReceptiveField() const;
  int64_t HeadDim() const { return embed_dim / num_heads; }
  bool HasRelativeBias() const { return relative_position_embedding; }

  // Throws Error naming the field, its value and what is allowed.
  void Validate() const;
  // One line for logs.
  std::string ToString() const;
};

const char *SslModelTypeName(SslModelType t);  // "wavlm", "hubert", "wav2vec2"
const char *SslExtractorModeName(SslExtractorMode m);  // "group_norm", "layer_norm"

// The conv stack as fairseq writes it ("[(512,10,5)] + [(512,3,2)] * 4 + [(512,2,2)] * 2"):
// a sum of bracketed lists of (dim, kernel, stride) tuples, each optionally repeated with
// '*'. Throws Error naming the text and the position on anything else.
std::vector<SslConvLayer> ParseConvFeatureLayers(const std::string &text);
std::string FormatConvFeatureLayers(const std::vector<SslConvLayer> &layers);

// Our JSON form (the model file's "config"): an object with "family": "ssl" and one member per
// field, named as in SslConfig (conv_layers as the string "conv_feature_layers", enums by
// name). FromJson refuses unknown members; missing ones take the defaults.
JsonValue SslConfigToJson(const SslConfig &config);
SslConfig SslConfigFromJson(const JsonValue &json);

// A unilm WavLM / fairseq wav2vec2-HuBERT `cfg` dict (fairseq's nested {"model": {...}} too).
// Unknown members are ignored (they are training settings).
SslConfig SslConfigFromUnilm(const JsonValue &cfg, SslModelType type);
// A Hugging Face config.json; do_normalize comes from preprocessor_config.json (null: false).
SslConfig SslConfigFromHf(const JsonValue &config, const JsonValue &preprocessor);
// Any of the three, told apart by their members ("family": ours; "encoder_embed_dim" or
// "conv_feature_layers": unilm/fairseq; "hidden_size": Hugging Face). `what` names the source
// in errors. For a unilm cfg the type is WavLM unless `unilm_type` says otherwise.
SslConfig SslConfigFromAnyJson(const JsonValue &json, const std::string &what,
                               SslModelType unilm_type = SslModelType::kWavLM);
// A conf/ssl/*.conf file ("--embed-dim=1024" lines), or a JSON file (any of the above).
SslConfig ReadSslConfigFile(const std::string &path);

// The x-vector head that transformers puts on an SSL encoder (WavLMForXVector,
// Wav2Vec2ForXVector; ssl-xvector.h has the arithmetic). Field names are transformers' config
// keys, in its config.json and in ours alike; the defaults are transformers' defaults.
struct SslXvectorConfig {
  bool use_weighted_layer_sum = false;  // softmax-weighted sum of all hidden states, else the last
  std::vector<int64_t> tdnn_dim = {512, 512, 512, 512, 1500};
  std::vector<int64_t> tdnn_kernel = {5, 3, 3, 1, 1};
  std::vector<int64_t> tdnn_dilation = {1, 2, 3, 1, 1};
  int64_t xvector_output_dim = 512;  // the embedding
  int64_t num_labels = 2;            // training classes (the AM-softmax weight's columns)

  // Frames the TDNN stack removes: sum of dilation * (kernel - 1) (no padding).
  int64_t FramesLost() const;
  // Throws Error naming the field and its value.
  void Validate() const;
  std::string ToString() const;
};

// Our JSON form (transformers' key names); FromJson refuses unknown keys and keeps defaults.
JsonValue SslXvectorConfigToJson(const SslXvectorConfig &config);
SslXvectorConfig SslXvectorConfigFromJson(const JsonValue &json);
// From a transformers config.json: num_labels is the size of id2label when present (what
// transformers itself does), else "num_labels", else 2. Other keys are ignored.
SslXvectorConfig SslXvectorConfigFromHf(const JsonValue &config);

// What a transformers config.json's "architectures" list asks an importer for.
enum class SslHfHead {
  kNone,     // the encoder alone: <F>Model, or a head we skip (<F>ForCTC, <F>ForPreTraining,
             // <F>ForSequenceClassification, <F>ForAudioFrameClassification, <F>ForMaskedLM)
  kXvector,  // WavLMForXVector / Wav2Vec2ForXVector: the encoder and its x-vector head
};
// <F> is WavLM, Hubert or Wav2Vec2 and must agree with model_type; no "architectures" member
// reads as kNone. Throws Error naming an architecture outside these (transformers has no
// HubertForXVector) or a family that disagrees with model_type.
SslHfHead SslHfHeadFromConfig(const JsonValue &config);

// Multiply-adds x 2 of one forward pass per second of audio, for an utterance of
// `utterance_s` seconds (attention grows with the length; the rest is linear in it): the conv
// encoder, feature projection, positional conv, and per layer the q/k/v/out projections, the
// attention products and the feed-forward. Norms, activations and the relative bias are
// left out (a few percent). WavLM Base+ at 10 s: ~14.8 GFLOP.
double SslForwardFlopsPerSecond(const SslConfig &config, double utterance_s = 10.0);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_SSL_CONFIG_H_

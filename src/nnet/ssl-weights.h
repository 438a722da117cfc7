// src/nnet/ssl-weights.h
// Weights of wav2vec 2.0 / HuBERT / WavLM models: imported from the checkpoints other toolkits
// write, and kept in our model file.
//
// Each source names the tensors its own way; one table per source maps them to our parameter
// paths (whisper.cpp's habit: a name the table does not know is an error, never silently
// dropped):
//   kUnilm       the official unilm WavLM code and fairseq's wav2vec 2.0 / HuBERT
//                ("encoder.layers.3.self_attn.grep_a", "post_extract_proj.weight");
//   kHuggingFace transformers' WavLMModel / HubertModel / Wav2Vec2Model, optionally prefixed
//                "wavlm." / "hubert." / "wav2vec2." (head models), with the pos-conv weight
//                norm as weight_g/weight_v or parametrizations.weight.original0/original1;
//   kTorchaudio  torchaudio's wav2vec2_model / hubert (0.13) and wavlm_model (>= 2.0, whose
//                q, k, v are stacked in attention.attention.in_proj_weight).
// Pre-training and task heads (quantizer, final_proj, label_embs_concat, project_q/hid,
// lm_head, projector, classifier, aux, ...) are not part of the encoder: they are skipped and
// listed, as is every unprefixed tensor of a transformers checkpoint whose encoder is under a
// prefix (a head model's). The training-only mask embedding may be absent (torchaudio does
// not keep it).
//
// Model file: nnet/model-file.h's format, with SslConfigToJson as the config ("family": "ssl").
#ifndef VOXTOOLS_NNET_SSL_WEIGHTS_H_
#define VOXTOOLS_NNET_SSL_WEIGHTS_H_

#include <memory>
#include <string>
#include <vector>

#include "io/checkpoint.h"
#include "nnet/ssl-config.h"
#include "nnet/ssl-model.h"
#include "nnet/ssl-xvector.h"

namespace voxtools {

enum class SslWeightLayout { kUnilm, kHuggingFace, kTorchaudio };
const char *SslWeightLayoutName(SslWeightLayout layout);  // "unilm", "huggingface", "torchaudio"

// Tells the layout from the tensor names. Throws Error if the checkpoint holds no
// wav2vec2-family encoder in any known layout.
SslWeightLayout DetectSslWeightLayout(const Checkpoint &ckpt);

// Our parameter path(s) for one tensor name (prefix already removed): one path, three for a
// stacked in_proj tensor (q, k, v), none if the table has no such name.
std::vector<std::string> SslParamPaths(const std::string &name, SslWeightLayout layout);

// The model's config from the checkpoint itself (HF config.json + preprocessor_config.json
// beside it; a unilm/fairseq cfg). Throws Error if the checkpoint carries none (a bare state
// dict: the caller must give the architecture).
SslConfig SslConfigFromCheckpoint(const Checkpoint &ckpt, SslWeightLayout layout);

// Copies every tensor of ckpt into model. Throws one Error listing every unknown tensor,
// every shape mismatch and every missing parameter. *skipped (if not null) receives the
// names of the heads that were skipped.
void LoadSslWeights(const Checkpoint &ckpt, SslWeightLayout layout, SslModel *model,
                    std::vector<std::string> *skipped = nullptr);

// A transformers WavLMForXVector / Wav2Vec2ForXVector checkpoint (kHuggingFace layout) into
// model: the encoder under "wavlm." / "wav2vec2." (whichever the model type is), the head
// under transformers' names (layer_weights, projector, tdnn.<i>.kernel, feature_extractor,
// classifier, objective). Throws one Error listing every unknown tensor (a head tensor this
// config has no place for, e.g. layer_weights without use_weighted_layer_sum, or an encoder
// key without the prefix), every shape mismatch and every missing parameter (head ones with
// their checkpoint names). Only the mask embedding may be absent.
void LoadSslXvectorWeights(const Checkpoint &ckpt, SslXvectorModel *model);

// Writes model to path (SaveModel); the file appears only when complete.
void WriteSslModelFile(const SslModel &model, const std::string &path);
// Reads a model file written by WriteSslModelFile (LoadModel's checks), in eval mode; of a
// speaker model (ssl-xvector.h, e.g. wavlm-base-plus-sv), its encoder. Throws
// Error naming the file on a config that is not an SSL model, a missing/extra parameter or a
// shape mismatch.
std::unique_ptr<SslModel> ReadSslModelFile(const std::string &path);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_SSL_WEIGHTS_H_

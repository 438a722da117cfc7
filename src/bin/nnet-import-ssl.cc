// src/bin/nnet-import-ssl.cc
// Converts a wav2vec 2.0 / HuBERT / WavLM checkpoint from another toolkit into a voxtools
// model file (nnet/ssl-weights.h has the name tables and the checks).
#include <string>
#include <vector>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "io/checkpoint.h"
#include "nnet/ssl-model.h"
#include "nnet/ssl-weights.h"
#include "nnet/ssl-xvector.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Import a wav2vec 2.0, HuBERT or WavLM encoder into a voxtools model file (HDF5: the\n"
    "architecture in the 'config' attribute, one dataset per parameter under params/).\n"
    "The checkpoint may be a Hugging Face model folder (config.json, preprocessor_config.json,\n"
    "model.safetensors or pytorch_model.bin; keys may carry a wavlm./hubert./wav2vec2. prefix),\n"
    "the original unilm WavLM .pt or a fairseq wav2vec2/HuBERT .pt ({'cfg', 'model'}), or a\n"
    "torchaudio state dict saved with torch.save (no config inside: give --arch-config).\n"
    "Pickles are read without running code from them. Every tensor must map to a parameter and\n"
    "every parameter must be found, with the shape the config implies; pre-training and task\n"
    "heads (quantizer, final_proj, lm_head, projector, ...) are skipped and listed.\n"
    "A transformers folder whose config.json names WavLMForXVector or Wav2Vec2ForXVector\n"
    "(e.g. microsoft/wavlm-base-plus-sv) gives an x-vector model file instead: the encoder\n"
    "(keys under wavlm./wav2vec2.) with its head (layer_weights, projector, tdnn.N.kernel,\n"
    "feature_extractor, and the training-only classifier and objective), every head key\n"
    "required with the shape config.json implies (use_weighted_layer_sum, tdnn_dim,\n"
    "tdnn_kernel, tdnn_dilation, xvector_output_dim, id2label); extract-embeddings --input=wav\n"
    "uses it. An architecture outside WavLM/Hubert/Wav2Vec2 Model, ForCTC, ForPreTraining,\n"
    "ForSequenceClassification, ForAudioFrameClassification, ForMaskedLM and the two x-vector\n"
    "classes is refused; --backbone-only imports the encoder of any of them.\n"
    "\n"
    "Usage: nnet-import-ssl [options] <checkpoint-file-or-folder> <model-out.h5>\n"
    "e.g.: nnet-import-ssl models/wavlm-base-plus exp/wavlm-base-plus.h5\n"
    "      nnet-import-ssl WavLM-Large.pt exp/wavlm-large.h5\n"
    "      nnet-import-ssl --arch-config=conf/ssl/hubert-base.conf hubert_base.pt exp/hubert.h5\n"
    "      nnet-import-ssl models/wavlm-base-plus-sv exp/wavlm-sv.h5\n"
    "See also: compute-ssl-feats, extract-embeddings, checkpoint-info, nnet-info\n";

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  std::string arch_config;
  po.Register("arch-config", &arch_config,
              "The architecture, overriding the checkpoint's own config: a conf/ssl/*.conf file "
              "(--name=value lines) or a JSON file (a unilm cfg, a Hugging Face config.json or "
              "our own). Needed for state dicts that carry no config. With an x-vector "
              "checkpoint it replaces the encoder's config only (the head's is config.json's)");
  bool backbone_only = false;
  po.Register("backbone-only", &backbone_only,
              "Import the encoder alone whatever config.json's architectures says, skipping "
              "and listing any head (also an x-vector one)");
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  const std::string ckpt_path = po.GetArg(1), model_out = po.GetArg(2);

  const Checkpoint ckpt = ReadCheckpoint(ckpt_path);
  const SslWeightLayout layout = DetectSslWeightLayout(ckpt);
  // A transformers config.json says which head model the weights are.
  SslHfHead head = SslHfHead::kNone;
  if (!backbone_only && ckpt.config.IsObject() && ckpt.config.Find("hidden_size")) {
    try {
      head = SslHfHeadFromConfig(ckpt.config);
      if (head == SslHfHead::kXvector && layout != SslWeightLayout::kHuggingFace)
        VOX_ERR << "an x-vector model with " << SslWeightLayoutName(layout)
                << " tensor names (expected transformers')";
    } catch (const Error &e) {
      VOX_ERR << ckpt_path << ": " << e.reason();
    }
  }
  SslConfig config;
  if (!arch_config.empty()) {
    config = ReadSslConfigFile(arch_config);
    if (!ckpt.config.IsNull())
      VOX_LOG << "using --arch-config=" << arch_config << " instead of the checkpoint's config";
  } else {
    config = SslConfigFromCheckpoint(ckpt, layout);
  }
  VOX_LOG << ckpt_path << ": " << CheckpointFormatName(ckpt.format) << ", "
          << SslWeightLayoutName(layout) << " names, " << ckpt.tensors.size() << " tensors";
  VOX_LOG << "architecture: " << config.ToString();

  if (head == SslHfHead::kXvector) {
    SslXvectorConfig head_config;
    try {
      head_config = SslXvectorConfigFromHf(ckpt.config);
    } catch (const Error &e) {
      VOX_ERR << ckpt_path << ": " << e.reason();
    }
    VOX_LOG << head_config.ToString();
    // transformers' feature extractor normalises with eps 1e-7 (when config.normalize).
    SslXvectorModel model(config, head_config, 1e-7f);
    LoadSslXvectorWeights(ckpt, &model);
    WriteSslXvectorModelFile(model, model_out);
    VOX_LOG << "wrote " << model_out << ": x-vector model, " << model.NumParameters()
            << " parameters (encoder " << model.ssl().NumParameters() << "), "
            << model.EmbedDim() << "-dim embeddings";
    return 0;
  }

  SslModel model(config);
  std::vector<std::string> skipped;
  LoadSslWeights(ckpt, layout, &model, &skipped);
  if (!skipped.empty()) {
    std::string list;
    for (const std::string &s : skipped) list += (list.empty() ? "" : ", ") + s;
    VOX_LOG << "skipped " << skipped.size() << " head tensor(s) (not part of the encoder): "
            << list;
  }
  WriteSslModelFile(model, model_out);
  VOX_LOG << "wrote " << model_out << ": " << model.NumParameters() << " parameters";
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

// src/nnet/embedding-model.h
// What train-nnet and extract-embeddings see of a filterbank embedding network (x-vector
// TDNN, ECAPA-TDNN, ResNet): built from its configuration (the model file's `config`, a
// JSON object whose "type" names the family), run on a batch of feature matrices, giving the
// embedding to extract and the vector the training loss is applied to.
//
//   JsonValue config = ParseJson(text, "conf/models/ecapa-c512.json");
//   RandomGenerator rng(seed);
//   std::unique_ptr<EmbeddingModel> model = MakeEmbeddingModel(config, &rng);
//   EmbeddingOutput out = model->Forward(feats);   // feats (B, T, feat_dim)
//   Var loss = head->Loss(out.train_output, labels);  // losses.h
//
// Parameters and batch-norm statistics are named by module path (Module::NamedParameters,
// NamedBuffers), WeSpeaker's state-dict keys with '/' for '.', so "params/<path>" in a model
// file, optimiser state, and imported WeSpeaker checkpoints all use one key.
#ifndef VOXTOOLS_NNET_EMBEDDING_MODEL_H_
#define VOXTOOLS_NNET_EMBEDDING_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>

#include "io/json.h"
#include "nnet/module.h"
#include "nnet/random.h"

namespace voxtools {

struct EmbeddingOutput {
  Var embedding;     // (B, EmbedDim()): what extract-embeddings writes
  Var train_output;  // (B, EmbedDim()): the loss head's input (the same Var for all but the
                     // Kaldi x-vector, whose embedding is segment6 and whose classifier sits
                     // on segment7)
};

class EmbeddingModel : public Module {
 public:
  // feats (B, T, FeatDim()): B segments of T frames each (pad or cut to one length; the
  // convolutions see every frame, so padding frames would change the result). T must be at
  // least MinFrames(). Train()/Eval() choose batch or running batch-norm statistics.
  virtual EmbeddingOutput Forward(const Var &feats) = 0;
  virtual int64_t FeatDim() const = 0;
  virtual int64_t EmbedDim() const = 0;
  // The shortest input the network accepts.
  virtual int64_t MinFrames() const = 0;
  // The full configuration, "type" included: MakeEmbeddingModel(Config()) rebuilds it.
  virtual JsonValue Config() const = 0;
};

// Builds the network that config["type"] names: "tdnn-xvector" (tdnn-xvector.h),
// "ecapa-tdnn" (ecapa-tdnn.h) or "resnet" (resnet.h). With rng the weights get PyTorch's
// default initialisation; without, they are zero (to be loaded). Throws Error on an unknown
// type, an unknown or ill-typed key, or an out-of-range value.
std::unique_ptr<EmbeddingModel> MakeEmbeddingModel(const JsonValue &config,
                                                   RandomGenerator *rng = nullptr);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_EMBEDDING_MODEL_H_

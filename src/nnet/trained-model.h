// src/nnet/trained-model.h
// What train-nnet trains and writes: an embedding network (embedding-model.h) together with
// its training head (losses.h) and the names of the classes, in one Module whose model
// file (model-file.h) rebuilds all three:
//
//   config = {"type": "embedding-classifier",
//             "model":  {"type": "ecapa-tdnn", ...},     // MakeEmbeddingModel's config
//             "loss":   {"type": "aam-softmax", ...},    // LossConfig
//             "labels": ["spk01", "spk02", ...]}         // class names, index order
//   params/model/<path>, params/head/<path>, buffers/model/<path>
//
// The labels make the head usable as a classifier (language identification) and tell a
// resumed run which class each output is. With speed perturbation the head has more classes
// than labels (train-data.h: class c at the k-th extra speed is c + k * labels).
#ifndef VOXTOOLS_NNET_TRAINED_MODEL_H_
#define VOXTOOLS_NNET_TRAINED_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "io/json.h"
#include "nnet/embedding-model.h"
#include "nnet/losses.h"
#include "nnet/module.h"
#include "nnet/random.h"

namespace voxtools {

class TrainedModel : public Module {
 public:
  // Builds the parts that config describes (rng: initialise; null: zeros, to be loaded).
  // Throws Error naming the bad member; the loss's embed_dim must equal the model's.
  explicit TrainedModel(const JsonValue &config, RandomGenerator *rng = nullptr);
  // The config for a new run: model_config and loss_config (its num_classes and embed_dim
  // are filled in here) with the class names.
  static JsonValue MakeConfig(const JsonValue &model_config, LossConfig loss_config,
                              int64_t num_classes, const std::vector<std::string> &labels);

  std::string TypeName() const override { return "TrainedModel"; }
  EmbeddingModel &model() { return *model_; }
  std::shared_ptr<EmbeddingModel> shared_model() const { return model_; }
  LossHead &head() { return *head_; }
  const std::vector<std::string> &labels() const { return labels_; }
  const JsonValue &Config() const { return config_; }

 private:
  JsonValue config_;
  std::shared_ptr<EmbeddingModel> model_;
  std::shared_ptr<LossHead> head_;
  std::vector<std::string> labels_;
};

// The embedding network of a model file: a TrainedModel's (its head is dropped) or a bare
// embedding model's (config "type" ecapa-tdnn, resnet, ...). Throws Error naming the file
// (also for an "ssl-xvector" model, which takes audio: ssl-xvector.h).
std::shared_ptr<EmbeddingModel> LoadEmbeddingModel(const std::string &path);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_TRAINED_MODEL_H_

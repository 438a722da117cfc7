// src/nnet/trained-model.cc
#include "nnet/trained-model.h"

#include "base/log.h"
#include "nnet/model-file.h"

namespace voxtools {

namespace {

const JsonValue &Member(const JsonValue &config, const std::string &key) {
  const JsonValue *v = config.IsObject() ? config.Find(key) : nullptr;
  if (v == nullptr) VOX_ERR << "embedding-classifier config has no \"" << key << "\"";
  return *v;
}

}  // namespace

JsonValue TrainedModel::MakeConfig(const JsonValue &model_config, LossConfig loss_config,
                                   int64_t num_classes, const std::vector<std::string> &labels) {
  std::unique_ptr<EmbeddingModel> probe = MakeEmbeddingModel(model_config);
  loss_config.embed_dim = probe->EmbedDim();
  loss_config.num_classes = num_classes;
  loss_config.Validate();
  JsonValue config = JsonValue::Object();
  config.Set("type", JsonValue::String("embedding-classifier"));
  config.Set("model", probe->Config());
  config.Set("loss", loss_config.ToJson());
  JsonValue names = JsonValue::Array();
  for (const std::string &l : labels) names.Append(JsonValue::String(l));
  config.Set("labels", names);
  return config;
}

TrainedModel::TrainedModel(const JsonValue &config, RandomGenerator *rng) : config_(config) {
  const JsonValue &type = Member(config, "type");
  if (!type.IsString() || type.AsString() != "embedding-classifier") {
    VOX_ERR << "config type is not \"embedding-classifier\"";
  }
  for (const auto &m : config.Members()) {
    if (m.first != "type" && m.first != "model" && m.first != "loss" && m.first != "labels") {
      VOX_ERR << "embedding-classifier config: unknown key \"" << m.first << "\"";
    }
  }
  model_ = RegisterModule("model", std::shared_ptr<EmbeddingModel>(
                                       MakeEmbeddingModel(Member(config, "model"), rng)));
  LossConfig loss = LossConfig::FromJson(Member(config, "loss"));
  if (loss.type != LossType::kGe2e && loss.embed_dim != model_->EmbedDim()) {
    VOX_ERR << "loss embed_dim " << loss.embed_dim << " differs from the model's "
            << model_->EmbedDim();
  }
  head_ = RegisterModule("head", std::shared_ptr<LossHead>(MakeLossHead(loss, rng)));
  const JsonValue &labels = Member(config, "labels");
  if (!labels.IsArray()) VOX_ERR << "embedding-classifier config: \"labels\" is not an array";
  for (const JsonValue &l : labels.Items()) {
    if (!l.IsString()) VOX_ERR << "embedding-classifier config: a label is not a string";
    labels_.push_back(l.AsString());
  }
}

std::shared_ptr<EmbeddingModel> LoadEmbeddingModel(const std::string &path) {
  JsonValue config = ReadModelConfig(path);
  const JsonValue *type = config.Find("type");
  if (type != nullptr && type->IsString() && type->AsString() == "embedding-classifier") {
    TrainedModel trained(config);
    LoadModel(path, &trained);
    return trained.shared_model();
  }
  if (type != nullptr && type->IsString() && type->AsString() == "ssl-xvector")
    VOX_ERR << path << " is an x-vector model on an SSL encoder, which takes the waveform, "
            << "not features (extract-embeddings --input=wav runs it)";
  std::shared_ptr<EmbeddingModel> model(MakeEmbeddingModel(config));
  LoadModel(path, model.get());
  return model;
}

}  // namespace voxtools

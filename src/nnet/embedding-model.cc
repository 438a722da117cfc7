// src/nnet/embedding-model.cc
#include "nnet/embedding-model.h"

#include "nnet/ecapa-tdnn.h"
#include "nnet/resnet.h"
#include "nnet/tdnn-xvector.h"

namespace voxtools {

std::unique_ptr<EmbeddingModel> MakeEmbeddingModel(const JsonValue &config,
                                                   RandomGenerator *rng) {
  const JsonValue *type = config.IsObject() ? config.Find("type") : nullptr;
  if (type == nullptr || !type->IsString())
    VOX_ERR << "model config needs a \"type\" string (tdnn-xvector, ecapa-tdnn or resnet)";
  const std::string &t = type->AsString();
  if (t == "tdnn-xvector")
    return std::make_unique<TdnnXvector>(TdnnXvectorConfig::FromJson(config), rng);
  if (t == "ecapa-tdnn")
    return std::make_unique<EcapaTdnn>(EcapaTdnnConfig::FromJson(config), rng);
  if (t == "resnet") return std::make_unique<ResNet>(ResNetConfig::FromJson(config), rng);
  VOX_ERR << "unknown model type \"" << t << "\" (expected tdnn-xvector, ecapa-tdnn or resnet)";
  return nullptr;
}

}  // namespace voxtools

// src/nnet/ssl-weights.cc
#include "nnet/ssl-weights.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "base/log.h"
#include "nnet/model-file.h"
#include "nnet/ssl-xvector.h"

namespace voxtools {
namespace {

// One name mapping. '#' stands for a layer index (digits) in both patterns. A `to` containing
// "qkv_proj" receives a tensor stacked as [q; k; v] along dim 0 and names three parameters.
struct NameRule {
  const char *from;
  const char *to;
};

const NameRule kUnilmRules[] = {
    {"feature_extractor.conv_layers.#.0.weight", "feature_extractor/conv_layers/#/conv/weight"},
    {"feature_extractor.conv_layers.#.0.bias", "feature_extractor/conv_layers/#/conv/bias"},
    // GroupNorm (default mode, block 0) and LayerNorm (layer_norm mode, inside a Sequential).
    {"feature_extractor.conv_layers.#.2.weight", "feature_extractor/conv_layers/#/layer_norm/weight"},
    {"feature_extractor.conv_layers.#.2.bias", "feature_extractor/conv_layers/#/layer_norm/bias"},
    {"feature_extractor.conv_layers.#.2.1.weight", "feature_extractor/conv_layers/#/layer_norm/weight"},
    {"feature_extractor.conv_layers.#.2.1.bias", "feature_extractor/conv_layers/#/layer_norm/bias"},
    {"layer_norm.weight", "feature_projection/layer_norm/weight"},
    {"layer_norm.bias", "feature_projection/layer_norm/bias"},
    {"post_extract_proj.weight", "feature_projection/projection/weight"},
    {"post_extract_proj.bias", "feature_projection/projection/bias"},
    {"encoder.pos_conv.0.weight_g", "encoder/pos_conv_embed/conv/weight_g"},
    {"encoder.pos_conv.0.weight_v", "encoder/pos_conv_embed/conv/weight_v"},
    {"encoder.pos_conv.0.bias", "encoder/pos_conv_embed/conv/bias"},
    {"encoder.layer_norm.weight", "encoder/layer_norm/weight"},
    {"encoder.layer_norm.bias", "encoder/layer_norm/bias"},
    {"encoder.layers.#.self_attn.q_proj.weight", "encoder/layers/#/attention/q_proj/weight"},
    {"encoder.layers.#.self_attn.q_proj.bias", "encoder/layers/#/attention/q_proj/bias"},
    {"encoder.layers.#.self_attn.k_proj.weight", "encoder/layers/#/attention/k_proj/weight"},
    {"encoder.layers.#.self_attn.k_proj.bias", "encoder/layers/#/attention/k_proj/bias"},
    {"encoder.layers.#.self_attn.v_proj.weight", "encoder/layers/#/attention/v_proj/weight"},
    {"encoder.layers.#.self_attn.v_proj.bias", "encoder/layers/#/attention/v_proj/bias"},
    {"encoder.layers.#.self_attn.out_proj.weight", "encoder/layers/#/attention/out_proj/weight"},
    {"encoder.layers.#.self_attn.out_proj.bias", "encoder/layers/#/attention/out_proj/bias"},
    {"encoder.layers.#.self_attn.grep_linear.weight", "encoder/layers/#/attention/gru_rel_pos_linear/weight"},
    {"encoder.layers.#.self_attn.grep_linear.bias", "encoder/layers/#/attention/gru_rel_pos_linear/bias"},
    {"encoder.layers.#.self_attn.grep_a", "encoder/layers/#/attention/gru_rel_pos_const"},
    {"encoder.layers.#.self_attn.relative_attention_bias.weight", "encoder/layers/#/attention/rel_attn_embed/weight"},
    {"encoder.layers.#.self_attn_layer_norm.weight", "encoder/layers/#/layer_norm/weight"},
    {"encoder.layers.#.self_attn_layer_norm.bias", "encoder/layers/#/layer_norm/bias"},
    {"encoder.layers.#.fc1.weight", "encoder/layers/#/feed_forward/intermediate_dense/weight"},
    {"encoder.layers.#.fc1.bias", "encoder/layers/#/feed_forward/intermediate_dense/bias"},
    {"encoder.layers.#.fc2.weight", "encoder/layers/#/feed_forward/output_dense/weight"},
    {"encoder.layers.#.fc2.bias", "encoder/layers/#/feed_forward/output_dense/bias"},
    {"encoder.layers.#.final_layer_norm.weight", "encoder/layers/#/final_layer_norm/weight"},
    {"encoder.layers.#.final_layer_norm.bias", "encoder/layers/#/final_layer_norm/bias"},
    {"mask_emb", "mask_emb"},
};

const NameRule kHfRules[] = {
    {"feature_extractor.conv_layers.#.conv.weight", "feature_extractor/conv_layers/#/conv/weight"},
    {"feature_extractor.conv_layers.#.conv.bias", "feature_extractor/conv_layers/#/conv/bias"},
    {"feature_extractor.conv_layers.#.layer_norm.weight", "feature_extractor/conv_layers/#/layer_norm/weight"},
    {"feature_extractor.conv_layers.#.layer_norm.bias", "feature_extractor/conv_layers/#/layer_norm/bias"},
    {"feature_projection.layer_norm.weight", "feature_projection/layer_norm/weight"},
    {"feature_projection.layer_norm.bias", "feature_projection/layer_norm/bias"},
    {"feature_projection.projection.weight", "feature_projection/projection/weight"},
    {"feature_projection.projection.bias", "feature_projection/projection/bias"},
    {"encoder.pos_conv_embed.conv.weight_g", "encoder/pos_conv_embed/conv/weight_g"},
    {"encoder.pos_conv_embed.conv.weight_v", "encoder/pos_conv_embed/conv/weight_v"},
    // torch >= 2.1's parametrized weight norm: original0 = g, original1 = v.
    {"encoder.pos_conv_embed.conv.parametrizations.weight.original0", "encoder/pos_conv_embed/conv/weight_g"},
    {"encoder.pos_conv_embed.conv.parametrizations.weight.original1", "encoder/pos_conv_embed/conv/weight_v"},
    {"encoder.pos_conv_embed.conv.bias", "encoder/pos_conv_embed/conv/bias"},
    {"encoder.layer_norm.weight", "encoder/layer_norm/weight"},
    {"encoder.layer_norm.bias", "encoder/layer_norm/bias"},
    {"encoder.layers.#.attention.q_proj.weight", "encoder/layers/#/attention/q_proj/weight"},
    {"encoder.layers.#.attention.q_proj.bias", "encoder/layers/#/attention/q_proj/bias"},
    {"encoder.layers.#.attention.k_proj.weight", "encoder/layers/#/attention/k_proj/weight"},
    {"encoder.layers.#.attention.k_proj.bias", "encoder/layers/#/attention/k_proj/bias"},
    {"encoder.layers.#.attention.v_proj.weight", "encoder/layers/#/attention/v_proj/weight"},
    {"encoder.layers.#.attention.v_proj.bias", "encoder/layers/#/attention/v_proj/bias"},
    {"encoder.layers.#.attention.out_proj.weight", "encoder/layers/#/attention/out_proj/weight"},
    {"encoder.layers.#.attention.out_proj.bias", "encoder/layers/#/attention/out_proj/bias"},
    {"encoder.layers.#.attention.gru_rel_pos_linear.weight", "encoder/layers/#/attention/gru_rel_pos_linear/weight"},
    {"encoder.layers.#.attention.gru_rel_pos_linear.bias", "encoder/layers/#/attention/gru_rel_pos_linear/bias"},
    {"encoder.layers.#.attention.gru_rel_pos_const", "encoder/layers/#/attention/gru_rel_pos_const"},
    {"encoder.layers.#.attention.rel_attn_embed.weight", "encoder/layers/#/attention/rel_attn_embed/weight"},
    {"encoder.layers.#.layer_norm.weight", "encoder/layers/#/layer_norm/weight"},
    {"encoder.layers.#.layer_norm.bias", "encoder/layers/#/layer_norm/bias"},
    {"encoder.layers.#.feed_forward.intermediate_dense.weight", "encoder/layers/#/feed_forward/intermediate_dense/weight"},
    {"encoder.layers.#.feed_forward.intermediate_dense.bias", "encoder/layers/#/feed_forward/intermediate_dense/bias"},
    {"encoder.layers.#.feed_forward.output_dense.weight", "encoder/layers/#/feed_forward/output_dense/weight"},
    {"encoder.layers.#.feed_forward.output_dense.bias", "encoder/layers/#/feed_forward/output_dense/bias"},
    {"encoder.layers.#.final_layer_norm.weight", "encoder/layers/#/final_layer_norm/weight"},
    {"encoder.layers.#.final_layer_norm.bias", "encoder/layers/#/final_layer_norm/bias"},
    {"masked_spec_embed", "mask_emb"},
};

const NameRule kTorchaudioRules[] = {
    {"feature_extractor.conv_layers.#.conv.weight", "feature_extractor/conv_layers/#/conv/weight"},
    {"feature_extractor.conv_layers.#.conv.bias", "feature_extractor/conv_layers/#/conv/bias"},
    {"feature_extractor.conv_layers.#.layer_norm.weight", "feature_extractor/conv_layers/#/layer_norm/weight"},
    {"feature_extractor.conv_layers.#.layer_norm.bias", "feature_extractor/conv_layers/#/layer_norm/bias"},
    {"encoder.feature_projection.layer_norm.weight", "feature_projection/layer_norm/weight"},
    {"encoder.feature_projection.layer_norm.bias", "feature_projection/layer_norm/bias"},
    {"encoder.feature_projection.projection.weight", "feature_projection/projection/weight"},
    {"encoder.feature_projection.projection.bias", "feature_projection/projection/bias"},
    {"encoder.transformer.pos_conv_embed.conv.weight_g", "encoder/pos_conv_embed/conv/weight_g"},
    {"encoder.transformer.pos_conv_embed.conv.weight_v", "encoder/pos_conv_embed/conv/weight_v"},
    {"encoder.transformer.pos_conv_embed.conv.parametrizations.weight.original0", "encoder/pos_conv_embed/conv/weight_g"},
    {"encoder.transformer.pos_conv_embed.conv.parametrizations.weight.original1", "encoder/pos_conv_embed/conv/weight_v"},
    {"encoder.transformer.pos_conv_embed.conv.bias", "encoder/pos_conv_embed/conv/bias"},
    {"encoder.transformer.layer_norm.weight", "encoder/layer_norm/weight"},
    {"encoder.transformer.layer_norm.bias", "encoder/layer_norm/bias"},
    {"encoder.transformer.layers.#.attention.q_proj.weight", "encoder/layers/#/attention/q_proj/weight"},
    {"encoder.transformer.layers.#.attention.q_proj.bias", "encoder/layers/#/attention/q_proj/bias"},
    {"encoder.transformer.layers.#.attention.k_proj.weight", "encoder/layers/#/attention/k_proj/weight"},
    {"encoder.transformer.layers.#.attention.k_proj.bias", "encoder/layers/#/attention/k_proj/bias"},
    {"encoder.transformer.layers.#.attention.v_proj.weight", "encoder/layers/#/attention/v_proj/weight"},
    {"encoder.transformer.layers.#.attention.v_proj.bias", "encoder/layers/#/attention/v_proj/bias"},
    {"encoder.transformer.layers.#.attention.out_proj.weight", "encoder/layers/#/attention/out_proj/weight"},
    {"encoder.transformer.layers.#.attention.out_proj.bias", "encoder/layers/#/attention/out_proj/bias"},
    // torchaudio >= 2.0 WavLM: an nn.MultiheadAttention inside the attention module.
    {"encoder.transformer.layers.#.attention.attention.in_proj_weight", "encoder/layers/#/attention/qkv_proj/weight"},
    {"encoder.transformer.layers.#.attention.attention.in_proj_bias", "encoder/layers/#/attention/qkv_proj/bias"},
    {"encoder.transformer.layers.#.attention.attention.out_proj.weight", "encoder/layers/#/attention/out_proj/weight"},
    {"encoder.transformer.layers.#.attention.attention.out_proj.bias", "encoder/layers/#/attention/out_proj/bias"},
    {"encoder.transformer.layers.#.attention.gru_rel_pos_linear.weight", "encoder/layers/#/attention/gru_rel_pos_linear/weight"},
    {"encoder.transformer.layers.#.attention.gru_rel_pos_linear.bias", "encoder/layers/#/attention/gru_rel_pos_linear/bias"},
    {"encoder.transformer.layers.#.attention.gru_rel_pos_const", "encoder/layers/#/attention/gru_rel_pos_const"},
    {"encoder.transformer.layers.#.attention.rel_attn_embed.weight", "encoder/layers/#/attention/rel_attn_embed/weight"},
    {"encoder.transformer.layers.#.layer_norm.weight", "encoder/layers/#/layer_norm/weight"},
    {"encoder.transformer.layers.#.layer_norm.bias", "encoder/layers/#/layer_norm/bias"},
    {"encoder.transformer.layers.#.feed_forward.intermediate_dense.weight", "encoder/layers/#/feed_forward/intermediate_dense/weight"},
    {"encoder.transformer.layers.#.feed_forward.intermediate_dense.bias", "encoder/layers/#/feed_forward/intermediate_dense/bias"},
    {"encoder.transformer.layers.#.feed_forward.output_dense.weight", "encoder/layers/#/feed_forward/output_dense/weight"},
    {"encoder.transformer.layers.#.feed_forward.output_dense.bias", "encoder/layers/#/feed_forward/output_dense/bias"},
    {"encoder.transformer.layers.#.final_layer_norm.weight", "encoder/layers/#/final_layer_norm/weight"},
    {"encoder.transformer.layers.#.final_layer_norm.bias", "encoder/layers/#/final_layer_norm/bias"},
};

// Top-level names of pre-training and task heads, in any layout: not part of the encoder.
const char *kHeadPrefixes[] = {"quantizer.", "project_q.", "project_hid.", "final_proj.",
                               "label_embs_concat", "target_glu.", "lm_head.", "projector.",
                               "classifier.", "tdnn.", "feature_extractor_xvector.", "objective.",
                               "aux.", "dropout_features", "layer_weights", "mask_generator."};
// Prefixes a Hugging Face head model puts on the encoder's names.
const char *kHfPrefixes[] = {"wavlm.", "hubert.", "wav2vec2."};

// transformers' <F>ForXVector head: its names under head/ (ssl-xvector.h).
const NameRule kHfXvectorHeadRules[] = {
    {"layer_weights", "head/layer_weights"},
    {"projector.weight", "head/projector/weight"},
    {"projector.bias", "head/projector/bias"},
    {"tdnn.#.kernel.weight", "head/tdnn/#/kernel/weight"},
    {"tdnn.#.kernel.bias", "head/tdnn/#/kernel/bias"},
    {"feature_extractor.weight", "head/feature_extractor/weight"},
    {"feature_extractor.bias", "head/feature_extractor/bias"},
    {"classifier.weight", "head/classifier/weight"},
    {"classifier.bias", "head/classifier/bias"},
    {"objective.weight", "head/objective/weight"},
};

bool StartsWith(const std::string &s, const char *p) { return s.compare(0, strlen(p), p) == 0; }

// Matches name against pattern (one '#' = digits); on success *index is the digits.
bool Match(const std::string &name, const char *pattern, std::string *index) {
  const char *hash = strchr(pattern, '#');
  if (!hash) {
    index->clear();
    return name == pattern;
  }
  const size_t pre = hash - pattern, post = strlen(hash + 1);
  if (name.size() <= pre + post || name.compare(0, pre, pattern, pre) != 0 ||
      name.compare(name.size() - post, post, hash + 1) != 0)
    return false;
  *index = name.substr(pre, name.size() - pre - post);
  for (char c : *index)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return index->size() < 6;
}

std::string Fill(const char *pattern, const std::string &index) {
  std::string s = pattern;
  const size_t h = s.find('#');
  if (h != std::string::npos) s.replace(h, 1, index);
  return s;
}

template <size_t N>
std::vector<std::string> Apply(const NameRule (&rules)[N], const std::string &name) {
  std::string index;
  for (const NameRule &r : rules) {
    if (!Match(name, r.from, &index)) continue;
    std::string to = Fill(r.to, index);
    const size_t qkv = to.find("qkv_proj");
    if (qkv == std::string::npos) return {to};
    std::vector<std::string> out;
    for (const char *p : {"q", "k", "v"}) out.push_back(std::string(to).replace(qkv, 3, p));
    return out;
  }
  return {};
}

std::string StripHfPrefix(const std::string &name) {
  for (const char *p : kHfPrefixes)
    if (StartsWith(name, p)) return name.substr(strlen(p));
  return name;
}

bool IsHead(const std::string &name) {
  for (const char *p : kHeadPrefixes)
    if (StartsWith(name, p)) return true;
  return false;
}

bool IsDirectory(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// "a, b, c (and 7 more)".
std::string ListSome(const std::vector<std::string> &v, size_t max_items = 8) {
  std::ostringstream os;
  for (size_t i = 0; i < v.size() && i < max_items; i++) os << (i ? ", " : "") << v[i];
  if (v.size() > max_items) os << " (and " << v.size() - max_items << " more)";
  return os.str();
}

std::string ShapeString(const std::vector<int64_t> &s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); i++) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

// One source tensor for a parameter: data with a shape (a row range of a stacked tensor).
struct Source {
  std::string name;
  std::vector<int64_t> shape;
  const float *data;
};

// Assigns sources to model parameters; throws one Error listing every problem.
// `optional` may be absent (the training-only mask embedding; left at zero). `describe`
// names a missing parameter (default: its path).
void Assign(const std::map<std::string, Source> &sources, const std::vector<std::string> &unknown,
            const std::string &what, Module *model, const std::string &optional = "mask_emb",
            std::string (*describe)(const std::string &) = nullptr) {
  std::vector<std::string> problems;
  if (!unknown.empty())
    problems.push_back("unknown tensors (not in this model's name table or not parameters "
                       "of this architecture): " + ListSome(unknown));
  std::vector<std::string> missing, mismatched;
  const auto params = model->NamedParameters();
  std::map<std::string, Var> by_path(params.begin(), params.end());
  for (const auto &s : sources) {
    if (!by_path.count(s.first)) continue;  // reported as unknown by the caller
    const Tensor &t = by_path[s.first].value();
    if (t.shape().ToVector() != s.second.shape)
      mismatched.push_back(s.second.name + " is " + ShapeString(s.second.shape) + ", " +
                           s.first + " needs " + ShapeString(t.shape().ToVector()));
  }
  for (const auto &p : params)
    if (!sources.count(p.first) && p.first != optional)
      missing.push_back(describe ? describe(p.first) : p.first);
  if (!mismatched.empty())
    problems.push_back("shape mismatches (config and weights disagree): " + ListSome(mismatched, 4));
  if (!missing.empty()) problems.push_back("missing tensors for: " + ListSome(missing));
  if (!problems.empty()) {
    std::string msg;
    for (const std::string &p : problems) msg += (msg.empty() ? "" : "; ") + p;
    VOX_ERR << what << ": " << msg;
  }
  for (const auto &p : params) {
    auto it = sources.find(p.first);
    if (it == sources.end()) continue;  // the optional one: left at zero
    Tensor &t = const_cast<Var &>(p.second).MutableValue();
    std::copy(it->second.data, it->second.data + t.NumElements(), t.Data());
    for (int64_t i = 0; i < t.NumElements(); i++)
      if (!std::isfinite(t.Data()[i])) VOX_ERR << what << ": " << it->second.name << " holds NaN/Inf";
  }
}

}  // namespace

const char *SslWeightLayoutName(SslWeightLayout layout) {
  switch (layout) {
    case SslWeightLayout::kUnilm: return "unilm";
    case SslWeightLayout::kHuggingFace: return "huggingface";
    case SslWeightLayout::kTorchaudio: return "torchaudio";
  }
  return "?";
}

SslWeightLayout DetectSslWeightLayout(const Checkpoint &ckpt) {
  for (const CheckpointTensor &t : ckpt.tensors) {
    const std::string n = StripHfPrefix(t.name);
    if (StartsWith(n, "encoder.transformer.")) return SslWeightLayout::kTorchaudio;
    if (StartsWith(n, "post_extract_proj.") || StartsWith(n, "encoder.pos_conv.0."))
      return SslWeightLayout::kUnilm;
    if (StartsWith(n, "feature_projection.") || StartsWith(n, "encoder.pos_conv_embed."))
      return SslWeightLayout::kHuggingFace;
  }
  VOX_ERR << ckpt.path << ": no wav2vec2/HuBERT/WavLM encoder tensors in any known layout "
          << "(unilm/fairseq, Hugging Face, torchaudio)";
  return SslWeightLayout::kUnilm;
}

std::vector<std::string> SslParamPaths(const std::string &name, SslWeightLayout layout) {
  switch (layout) {
    case SslWeightLayout::kUnilm: return Apply(kUnilmRules, name);
    case SslWeightLayout::kHuggingFace: return Apply(kHfRules, name);
    case SslWeightLayout::kTorchaudio: return Apply(kTorchaudioRules, name);
  }
  return {};
}

SslConfig SslConfigFromCheckpoint(const Checkpoint &ckpt, SslWeightLayout layout) {
  if (ckpt.config.IsNull())
    VOX_ERR << ckpt.path << " holds weights without a model configuration; give the "
            << "architecture (e.g. --arch-config=conf/ssl/hubert-base.conf)";
  if (layout == SslWeightLayout::kHuggingFace || ckpt.config.Find("hidden_size")) {
    JsonValue pre;
    const std::string pre_path = ckpt.path + "/preprocessor_config.json";
    if (IsDirectory(ckpt.path) && access(pre_path.c_str(), R_OK) == 0) {
      std::ifstream is(pre_path);
      std::stringstream ss;
      ss << is.rdbuf();
      pre = ParseJson(ss.str(), pre_path);
    } else {
      VOX_WARN << ckpt.path << ": no preprocessor_config.json; assuming do_normalize=false";
    }
    try {
      return SslConfigFromHf(ckpt.config, pre);
    } catch (const Error &e) {
      VOX_ERR << ckpt.path << "/config.json: " << e.reason();
    }
  }
  // unilm / fairseq cfg: the model type from fairseq's "_name", else WavLM if the weights
  // carry its relative bias, else wav2vec 2.0.
  SslModelType type = SslModelType::kWav2Vec2;
  const JsonValue *model = ckpt.config.Find("model");
  const JsonValue *name = model && model->IsObject() ? model->Find("_name") : nullptr;
  bool has_rel = false;
  for (const CheckpointTensor &t : ckpt.tensors)
    has_rel = has_rel || t.name.find("relative_attention_bias") != std::string::npos ||
              t.name.find("grep_a") != std::string::npos;
  if (name && name->IsString() && name->AsString().find("hubert") != std::string::npos)
    type = SslModelType::kHubert;
  else if (has_rel || !name)
    type = has_rel || ckpt.config.Find("relative_position_embedding") ? SslModelType::kWavLM
                                                                     : SslModelType::kWav2Vec2;
  return SslConfigFromAnyJson(ckpt.config, ckpt.path + " cfg", type);
}

void LoadSslWeights(const Checkpoint &ckpt, SslWeightLayout layout, SslModel *model,
                    std::vector<std::string> *skipped) {
  std::map<std::string, Source> sources;
  std::vector<std::string> unknown;
  const auto params = model->NamedParameters();
  std::map<std::string, Var> by_path(params.begin(), params.end());
  // A transformers head model keeps its encoder under the prefix and every head tensor at
  // the top (WavLMForXVector's feature_extractor.weight would otherwise pass for an encoder
  // name): there, the unprefixed tensors are the head.
  bool prefixed = false;
  if (layout == SslWeightLayout::kHuggingFace)
    for (const CheckpointTensor &t : ckpt.tensors) prefixed = prefixed || StripHfPrefix(t.name) != t.name;
  for (const CheckpointTensor &t : ckpt.tensors) {
    const std::string name = layout == SslWeightLayout::kHuggingFace ? StripHfPrefix(t.name) : t.name;
    if (IsHead(name) || (prefixed && name == t.name)) {
      if (skipped) skipped->push_back(t.name);
      continue;
    }
    const std::vector<std::string> paths = SslParamPaths(name, layout);
    if (paths.empty()) {
      unknown.push_back(t.name);
      continue;
    }
    if (paths.size() == 3 && (t.shape.empty() || t.shape[0] % 3 != 0)) {
      unknown.push_back(t.name + " (stacked q/k/v of shape " + t.ShapeString() + ")");
      continue;
    }
    for (size_t i = 0; i < paths.size(); i++) {
      if (!by_path.count(paths[i])) {
        unknown.push_back(t.name + " (-> " + paths[i] + ")");
        continue;
      }
      Source s{t.name, t.shape, t.data.data()};
      if (paths.size() == 3) {
        s.shape[0] /= 3;
        int64_t row = 1;
        for (size_t d = 1; d < t.shape.size(); d++) row *= t.shape[d];
        s.data += i * s.shape[0] * row;
      }
      if (!sources.emplace(paths[i], s).second)
        VOX_ERR << ckpt.path << ": " << t.name << " and " << sources[paths[i]].name
                << " both give " << paths[i];
    }
  }
  Assign(sources, unknown, ckpt.path, model);
}

namespace {

// "head/tdnn/1/kernel/bias (tdnn.1.kernel.bias)": the checkpoint name beside our path.
std::string DescribeXvectorPath(const std::string &path) {
  if (path.compare(0, 5, "head/") != 0) return path;
  std::string name = path.substr(5);
  std::replace(name.begin(), name.end(), '/', '.');
  return path + " (" + name + ")";
}

}  // namespace

void LoadSslXvectorWeights(const Checkpoint &ckpt, SslXvectorModel *model) {
  const SslModelType type = model->ssl_config().model_type;
  if (type != SslModelType::kWavLM && type != SslModelType::kWav2Vec2)
    VOX_ERR << ckpt.path << ": transformers has no x-vector head for "
            << SslModelTypeName(type) << " models";
  const std::string prefix = std::string(SslModelTypeName(type)) + ".";
  std::map<std::string, Source> sources;
  std::vector<std::string> unknown;
  const auto params = model->NamedParameters();
  std::map<std::string, Var> by_path(params.begin(), params.end());
  for (const CheckpointTensor &t : ckpt.tensors) {
    std::vector<std::string> paths;
    if (StartsWith(t.name, prefix.c_str())) {
      for (const std::string &p : Apply(kHfRules, t.name.substr(prefix.size())))
        paths.push_back("ssl/" + p);
    } else {
      paths = Apply(kHfXvectorHeadRules, t.name);
    }
    if (paths.size() != 1 || !by_path.count(paths[0])) {
      unknown.push_back(t.name + (paths.size() == 1 ? " (-> " + paths[0] + ")" : ""));
      continue;
    }
    if (!sources.emplace(paths[0], Source{t.name, t.shape, t.data.data()}).second)
      VOX_ERR << ckpt.path << ": " << t.name << " and " << sources[paths[0]].name
              << " both give " << paths[0];
  }
  Assign(sources, unknown, ckpt.path, model, "ssl/mask_emb", DescribeXvectorPath);
}

void WriteSslModelFile(const SslModel &model, const std::string &path) {
  SaveModel(path, model, SslConfigToJson(model.config()));
}

std::unique_ptr<SslModel> ReadSslModelFile(const std::string &path) {
  const JsonValue json = ReadModelConfig(path);
  if (IsSslXvectorConfig(json)) {
    // A speaker model (ssl-xvector.h): its encoder, whose parameters sit under ssl/.
    const std::unique_ptr<SslXvectorModel> full = ReadSslXvectorModelFile(path);
    auto model = std::make_unique<SslModel>(full->ssl_config());
    for (const auto &p : full->ssl().NamedParameters())
      model->Find(p.first).MutableValue() = p.second.value().Clone();
    model->Eval();
    return model;
  }
  SslConfig config;
  try {
    const JsonValue *family = json.Find("family");
    if (!family || !family->IsString() || family->AsString() != "ssl")
      VOX_ERR << "not a wav2vec2/HuBERT/WavLM model (config family is "
              << (family ? family->ToString() : "absent") << ")";
    config = SslConfigFromJson(json);
  } catch (const Error &e) {
    VOX_ERR << path << ": " << e.reason();
  }
  auto model = std::make_unique<SslModel>(config);
  LoadModel(path, model.get());
  model->Eval();
  return model;
}

}  // namespace voxtools

// src/nnet/ssl-config.cc
#include "nnet/ssl-config.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "base/text-utils.h"
#include "nnet/config-reader.h"

namespace voxtools {

std::vector<SslConvLayer> SslConfig::DefaultConvLayers() {
  std::vector<SslConvLayer> layers = {{512, 10, 5}};
  for (int i = 0; i < 4; i++) layers.push_back({512, 3, 2});
  for (int i = 0; i < 2; i++) layers.push_back({512, 2, 2});
  return layers;
}

int64_t SslConfig::NumFrames(int64_t num_samples) const {
  int64_t n = num_samples;
  for (const SslConvLayer &l : conv_layers) {
    if (n < l.kernel) return 0;
    n = (n - l.kernel) / l.stride + 1;
  }
  return n;
}

int64_t SslConfig::TotalStride() const {
  int64_t s = 1;
  for (const SslConvLayer &l : conv_layers) s *= l.stride;
  return s;
}

int64_t SslConfig::ReceptiveField() const {
  int64_t rf = 1, jump = 1;
  for (const SslConvLayer &l : conv_layers) {
    rf += (l.kernel - 1) * jump;
    jump *= l.stride;
  }
  return rf;
}

const char *SslModelTypeName(SslModelType t) {
  switch (t) {
    case SslModelType::kWavLM: return "wavlm";
    case SslModelType::kHubert: return "hubert";
    case SslModelType::kWav2Vec2: return "wav2vec2";
  }
  return "?";
}

const char *SslExtractorModeName(SslExtractorMode m) {
  return m == SslExtractorMode::kGroupNorm ? "group_norm" : "layer_norm";
}

namespace {

SslModelType ParseModelType(const std::string &s) {
  if (s == "wavlm") return SslModelType::kWavLM;
  if (s == "hubert") return SslModelType::kHubert;
  if (s == "wav2vec2") return SslModelType::kWav2Vec2;
  VOX_ERR << "model_type '" << s << "': expected wavlm, hubert or wav2vec2";
  return SslModelType::kWavLM;
}

// fairseq's "default" is the GroupNorm mode; HF says "group"/"layer".
SslExtractorMode ParseExtractorMode(const std::string &s) {
  if (s == "group_norm" || s == "default" || s == "group") return SslExtractorMode::kGroupNorm;
  if (s == "layer_norm" || s == "layer") return SslExtractorMode::kLayerNorm;
  VOX_ERR << "extractor_mode '" << s << "': expected group_norm (fairseq 'default', HF "
          << "'group') or layer_norm (HF 'layer')";
  return SslExtractorMode::kGroupNorm;
}

// A recursive-descent reader of the fairseq conv-layer expression.
class ConvLayersParser {
 public:
  explicit ConvLayersParser(const std::string &text) : s_(text) {}
  std::vector<SslConvLayer> Parse() {
    std::vector<SslConvLayer> out;
    do {
      std::vector<SslConvLayer> list = List();
      int64_t times = 1;
      if (Accept('*')) times = Int();
      if (times < 1 || times > 1000) Fail("repeat count out of range");
      for (int64_t t = 0; t < times; t++) out.insert(out.end(), list.begin(), list.end());
    } while (Accept('+'));
    Skip();
    if (pos_ != s_.size()) Fail("unexpected text");
    if (out.empty()) Fail("no layers");
    return out;
  }

 private:
  std::vector<SslConvLayer> List() {
    Expect('[');
    std::vector<SslConvLayer> list;
    do {
      Expect('(');
      SslConvLayer l;
      l.dim = Int();
      Expect(',');
      l.kernel = Int();
      Expect(',');
      l.stride = Int();
      Expect(')');
      list.push_back(l);
    } while (Accept(','));
    Expect(']');
    return list;
  }
  void Skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) pos_++;
  }
  bool Accept(char c) {
    Skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      pos_++;
      return true;
    }
    return false;
  }
  void Expect(char c) {
    if (!Accept(c)) Fail(std::string("expected '") + c + "'");
  }
  int64_t Int() {
    Skip();
    size_t start = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) pos_++;
    int64_t v = 0;
    if (pos_ == start || pos_ - start > 9 || !ConvertToInt64(s_.substr(start, pos_ - start), &v))
      Fail("expected a number");
    return v;
  }
  void Fail(const std::string &what) {
    VOX_ERR << "conv_feature_layers \"" << s_ << "\": " << what << " at position " << pos_;
  }
  const std::string &s_;
  size_t pos_ = 0;
};

// Typed readers of JSON members that name the member on a type error.
const JsonValue *Member(const JsonValue &obj, const std::string &key) { return obj.Find(key); }

template <class T>
void Get(const JsonValue &obj, const std::string &key, T *out);

template <>
void Get(const JsonValue &obj, const std::string &key, int64_t *out) {
  if (const JsonValue *v = Member(obj, key)) {
    if (!v->IsInt()) VOX_ERR << key << ": expected an integer, found " << v->ToString();
    *out = v->AsInt();
  }
}
template <>
void Get(const JsonValue &obj, const std::string &key, int32_t *out) {
  int64_t v = *out;
  Get(obj, key, &v);
  if (v != static_cast<int32_t>(v)) VOX_ERR << key << ": " << v << " is out of range";
  *out = static_cast<int32_t>(v);
}
template <>
void Get(const JsonValue &obj, const std::string &key, float *out) {
  if (const JsonValue *v = Member(obj, key)) {
    if (!v->IsNumber()) VOX_ERR << key << ": expected a number, found " << v->ToString();
    *out = static_cast<float>(v->AsDouble());
  }
}
template <>
void Get(const JsonValue &obj, const std::string &key, bool *out) {
  if (const JsonValue *v = Member(obj, key)) {
    // fairseq configs sometimes store booleans as 0/1.
    if (v->IsInt() && (v->AsInt() == 0 || v->AsInt() == 1)) {
      *out = v->AsInt() == 1;
      return;
    }
    if (!v->IsBool()) VOX_ERR << key << ": expected true/false, found " << v->ToString();
    *out = v->AsBool();
  }
}
template <>
void Get(const JsonValue &obj, const std::string &key, std::string *out) {
  if (const JsonValue *v = Member(obj, key)) {
    if (!v->IsString()) VOX_ERR << key << ": expected a string, found " << v->ToString();
    *out = v->AsString();
  }
}

std::vector<int64_t> IntList(const JsonValue &obj, const std::string &key) {
  std::vector<int64_t> out;
  const JsonValue *v = Member(obj, key);
  if (!v) return out;
  if (!v->IsArray()) VOX_ERR << key << ": expected a list of integers";
  for (const JsonValue &x : v->Items()) {
    if (!x.IsInt()) VOX_ERR << key << ": expected a list of integers, found " << x.ToString();
    out.push_back(x.AsInt());
  }
  return out;
}

std::string ReadTextFile(const std::string &path) {
  std::ifstream is(path, std::ios::binary);
  if (!is) VOX_ERR << "cannot open " << path;
  std::ostringstream ss;
  ss << is.rdbuf();
  if (is.bad()) VOX_ERR << "error reading " << path;
  return ss.str();
}

}  // namespace

std::vector<SslConvLayer> ParseConvFeatureLayers(const std::string &text) {
  return ConvLayersParser(text).Parse();
}

std::string FormatConvFeatureLayers(const std::vector<SslConvLayer> &layers) {
  // Runs of equal layers become "[(d,k,s)] * n", as fairseq writes them.
  std::ostringstream os;
  for (size_t i = 0; i < layers.size();) {
    size_t j = i;
    while (j < layers.size() && layers[j].dim == layers[i].dim &&
           layers[j].kernel == layers[i].kernel && layers[j].stride == layers[i].stride)
      j++;
    if (i > 0) os << " + ";
    os << "[(" << layers[i].dim << "," << layers[i].kernel << "," << layers[i].stride << ")]";
    if (j - i > 1) os << " * " << (j - i);
    i = j;
  }
  return os.str();
}

void SslConfig::Validate() const {
  auto positive = [](const char *name, int64_t v) {
    if (v <= 0) VOX_ERR << "SSL config: " << name << "=" << v << " must be positive";
  };
  if (conv_layers.empty()) VOX_ERR << "SSL config: no conv layers";
  for (const SslConvLayer &l : conv_layers) {
    positive("conv layer dim", l.dim);
    positive("conv layer kernel", l.kernel);
    positive("conv layer stride", l.stride);
  }
  positive("embed_dim", embed_dim);
  positive("ffn_dim", ffn_dim);
  positive("num_heads", num_heads);
  positive("num_layers", num_layers);
  positive("conv_pos", conv_pos);
  positive("conv_pos_groups", conv_pos_groups);
  positive("sample_rate", sample_rate);
  if (embed_dim % num_heads != 0)
    VOX_ERR << "SSL config: embed_dim=" << embed_dim << " is not a multiple of num_heads="
            << num_heads;
  if (embed_dim % conv_pos_groups != 0)
    VOX_ERR << "SSL config: embed_dim=" << embed_dim << " is not a multiple of conv_pos_groups="
            << conv_pos_groups;
  if (relative_position_embedding) {
    // The bucket formula needs max_exact = num_buckets / 4 >= 1 and max_distance > max_exact.
    if (num_buckets < 4)
      VOX_ERR << "SSL config: num_buckets=" << num_buckets << " must be at least 4";
    if (max_distance <= num_buckets / 4)
      VOX_ERR << "SSL config: max_distance=" << max_distance << " must exceed num_buckets/4="
              << num_buckets / 4;
  }
  if (!(layer_norm_eps > 0)) VOX_ERR << "SSL config: layer_norm_eps must be positive";
  const float probs[] = {dropout, attention_dropout, activation_dropout, dropout_input,
                         dropout_features, layerdrop};
  for (float p : probs)
    if (!(p >= 0 && p < 1)) VOX_ERR << "SSL config: a dropout probability is " << p;
  if (!(feature_grad_mult >= 0)) VOX_ERR << "SSL config: feature_grad_mult < 0";
}

std::string SslConfig::ToString() const {
  std::ostringstream os;
  os << SslModelTypeName(model_type) << ": conv " << FormatConvFeatureLayers(conv_layers) << " ("
     << SslExtractorModeName(extractor_mode) << (conv_bias ? ", bias" : "") << "), " << num_layers
     << " layers " << embed_dim << "/" << ffn_dim << " x " << num_heads << " heads, "
     << (layer_norm_first ? "pre-norm" : "post-norm") << ", pos conv " << conv_pos << "/"
     << conv_pos_groups;
  if (relative_position_embedding)
    os << ", rel pos " << num_buckets << " buckets to " << max_distance
       << (gru_rel_pos ? " gated" : "");
  os << (normalize ? ", normalize" : "") << ", " << sample_rate << " Hz";
  return os.str();
}

JsonValue SslConfigToJson(const SslConfig &c) {
  JsonValue j = JsonValue::Object();
  j.Set("family", JsonValue::String("ssl"));
  j.Set("model_type", JsonValue::String(SslModelTypeName(c.model_type)));
  j.Set("conv_feature_layers", JsonValue::String(FormatConvFeatureLayers(c.conv_layers)));
  j.Set("extractor_mode", JsonValue::String(SslExtractorModeName(c.extractor_mode)));
  j.Set("conv_bias", JsonValue::Bool(c.conv_bias));
  j.Set("embed_dim", JsonValue::Int(c.embed_dim));
  j.Set("ffn_dim", JsonValue::Int(c.ffn_dim));
  j.Set("num_heads", JsonValue::Int(c.num_heads));
  j.Set("num_layers", JsonValue::Int(c.num_layers));
  j.Set("layer_norm_first", JsonValue::Bool(c.layer_norm_first));
  j.Set("conv_pos", JsonValue::Int(c.conv_pos));
  j.Set("conv_pos_groups", JsonValue::Int(c.conv_pos_groups));
  j.Set("relative_position_embedding", JsonValue::Bool(c.relative_position_embedding));
  j.Set("gru_rel_pos", JsonValue::Bool(c.gru_rel_pos));
  j.Set("num_buckets", JsonValue::Int(c.num_buckets));
  j.Set("max_distance", JsonValue::Int(c.max_distance));
  j.Set("normalize", JsonValue::Bool(c.normalize));
  j.Set("layer_norm_eps", JsonValue::Float(c.layer_norm_eps));
  j.Set("sample_rate", JsonValue::Int(c.sample_rate));
  j.Set("dropout", JsonValue::Float(c.dropout));
  j.Set("attention_dropout", JsonValue::Float(c.attention_dropout));
  j.Set("activation_dropout", JsonValue::Float(c.activation_dropout));
  j.Set("dropout_input", JsonValue::Float(c.dropout_input));
  j.Set("dropout_features", JsonValue::Float(c.dropout_features));
  j.Set("layerdrop", JsonValue::Float(c.layerdrop));
  j.Set("feature_grad_mult", JsonValue::Float(c.feature_grad_mult));
  return j;
}

SslConfig SslConfigFromJson(const JsonValue &j) {
  if (!j.IsObject()) VOX_ERR << "SSL config: expected a JSON object";
  static const char *kKnown[] = {
      "family", "model_type", "conv_feature_layers", "extractor_mode", "conv_bias", "embed_dim",
      "ffn_dim", "num_heads", "num_layers", "layer_norm_first", "conv_pos", "conv_pos_groups",
      "relative_position_embedding", "gru_rel_pos", "num_buckets", "max_distance", "normalize",
      "layer_norm_eps", "sample_rate", "dropout", "attention_dropout", "activation_dropout",
      "dropout_input", "dropout_features", "layerdrop", "feature_grad_mult"};
  for (const auto &m : j.Members()) {
    bool known = false;
    for (const char *k : kKnown) known = known || m.first == k;
    if (!known) VOX_ERR << "SSL config: unknown field '" << m.first << "'";
  }
  SslConfig c;
  std::string s;
  if (Member(j, "family")) {
    Get(j, "family", &s);
    if (s != "ssl") VOX_ERR << "SSL config: family '" << s << "' is not ssl";
  }
  s = SslModelTypeName(c.model_type);
  Get(j, "model_type", &s);
  c.model_type = ParseModelType(s);
  if (Member(j, "conv_feature_layers")) {
    Get(j, "conv_feature_layers", &s);
    c.conv_layers = ParseConvFeatureLayers(s);
  }
  s = SslExtractorModeName(c.extractor_mode);
  Get(j, "extractor_mode", &s);
  c.extractor_mode = ParseExtractorMode(s);
  Get(j, "conv_bias", &c.conv_bias);
  Get(j, "embed_dim", &c.embed_dim);
  Get(j, "ffn_dim", &c.ffn_dim);
  Get(j, "num_heads", &c.num_heads);
  Get(j, "num_layers", &c.num_layers);
  Get(j, "layer_norm_first", &c.layer_norm_first);
  Get(j, "conv_pos", &c.conv_pos);
  Get(j, "conv_pos_groups", &c.conv_pos_groups);
  Get(j, "relative_position_embedding", &c.relative_position_embedding);
  Get(j, "gru_rel_pos", &c.gru_rel_pos);
  Get(j, "num_buckets", &c.num_buckets);
  Get(j, "max_distance", &c.max_distance);
  Get(j, "normalize", &c.normalize);
  Get(j, "layer_norm_eps", &c.layer_norm_eps);
  Get(j, "sample_rate", &c.sample_rate);
  Get(j, "dropout", &c.dropout);
  Get(j, "attention_dropout", &c.attention_dropout);
  Get(j, "activation_dropout", &c.activation_dropout);
  Get(j, "dropout_input", &c.dropout_input);
  Get(j, "dropout_features", &c.dropout_features);
  Get(j, "layerdrop", &c.layerdrop);
  Get(j, "feature_grad_mult", &c.feature_grad_mult);
  c.Validate();
  return c;
}

SslConfig SslConfigFromUnilm(const JsonValue &cfg_in, SslModelType type) {
  if (!cfg_in.IsObject()) VOX_ERR << "unilm/fairseq cfg: expected a dict";
  // fairseq's hydra checkpoints nest the model's settings under "model".
  const JsonValue *model = cfg_in.Find("model");
  const JsonValue &cfg = (model && model->IsObject()) ? *model : cfg_in;
  SslConfig c;
  c.model_type = type;
  // WavLMConfig's defaults for what a cfg may leave out (not our WavLM Base defaults).
  c.relative_position_embedding = false;
  c.gru_rel_pos = false;
  c.max_distance = 1280;
  std::string s;
  if (Member(cfg, "conv_feature_layers")) {
    Get(cfg, "conv_feature_layers", &s);
    c.conv_layers = ParseConvFeatureLayers(s);
  }
  s = "default";
  Get(cfg, "extractor_mode", &s);
  c.extractor_mode = ParseExtractorMode(s);
  Get(cfg, "conv_bias", &c.conv_bias);
  Get(cfg, "encoder_embed_dim", &c.embed_dim);
  Get(cfg, "encoder_ffn_embed_dim", &c.ffn_dim);
  Get(cfg, "encoder_attention_heads", &c.num_heads);
  Get(cfg, "encoder_layers", &c.num_layers);
  Get(cfg, "layer_norm_first", &c.layer_norm_first);
  Get(cfg, "conv_pos", &c.conv_pos);
  Get(cfg, "conv_pos_groups", &c.conv_pos_groups);
  Get(cfg, "relative_position_embedding", &c.relative_position_embedding);
  Get(cfg, "gru_rel_pos", &c.gru_rel_pos);
  Get(cfg, "num_buckets", &c.num_buckets);
  Get(cfg, "max_distance", &c.max_distance);
  Get(cfg, "normalize", &c.normalize);
  Get(cfg, "dropout", &c.dropout);
  Get(cfg, "attention_dropout", &c.attention_dropout);
  Get(cfg, "activation_dropout", &c.activation_dropout);
  Get(cfg, "dropout_input", &c.dropout_input);
  Get(cfg, "dropout_features", &c.dropout_features);
  Get(cfg, "encoder_layerdrop", &c.layerdrop);
  Get(cfg, "feature_grad_mult", &c.feature_grad_mult);
  if (type != SslModelType::kWavLM && c.relative_position_embedding)
    VOX_ERR << "cfg: relative_position_embedding is set but the model is "
            << SslModelTypeName(type);
  c.Validate();
  return c;
}

SslConfig SslConfigFromHf(const JsonValue &j, const JsonValue &pre) {
  if (!j.IsObject()) VOX_ERR << "config.json: expected an object";
  SslConfig c;
  std::string s;
  Get(j, "model_type", &s);
  if (s == "wavlm") {
    c.model_type = SslModelType::kWavLM;
  } else if (s == "hubert") {
    c.model_type = SslModelType::kHubert;
  } else if (s == "wav2vec2") {
    c.model_type = SslModelType::kWav2Vec2;
  } else {
    VOX_ERR << "config.json: model_type '" << s << "' is not wavlm, hubert or wav2vec2";
  }
  // HF's WavLM always has the gated relative bias; HuBERT and wav2vec 2.0 never do.
  c.relative_position_embedding = c.gru_rel_pos = c.model_type == SslModelType::kWavLM;
  const std::vector<int64_t> dims = IntList(j, "conv_dim"), kernels = IntList(j, "conv_kernel"),
                             strides = IntList(j, "conv_stride");
  if (!dims.empty() || !kernels.empty() || !strides.empty()) {
    if (dims.size() != kernels.size() || dims.size() != strides.size())
      VOX_ERR << "config.json: conv_dim, conv_kernel and conv_stride differ in length";
    c.conv_layers.clear();
    for (size_t i = 0; i < dims.size(); i++) c.conv_layers.push_back({dims[i], kernels[i], strides[i]});
  }
  s = "group";
  Get(j, "feat_extract_norm", &s);
  c.extractor_mode = ParseExtractorMode(s);
  Get(j, "conv_bias", &c.conv_bias);
  Get(j, "hidden_size", &c.embed_dim);
  Get(j, "intermediate_size", &c.ffn_dim);
  Get(j, "num_attention_heads", &c.num_heads);
  Get(j, "num_hidden_layers", &c.num_layers);
  Get(j, "do_stable_layer_norm", &c.layer_norm_first);
  Get(j, "num_conv_pos_embeddings", &c.conv_pos);
  Get(j, "num_conv_pos_embedding_groups", &c.conv_pos_groups);
  Get(j, "num_buckets", &c.num_buckets);
  Get(j, "max_bucket_distance", &c.max_distance);
  Get(j, "layer_norm_eps", &c.layer_norm_eps);
  Get(j, "hidden_dropout", &c.dropout);
  Get(j, "attention_dropout", &c.attention_dropout);
  Get(j, "activation_dropout", &c.activation_dropout);
  Get(j, "feat_proj_dropout", &c.dropout_input);
  Get(j, "layerdrop", &c.layerdrop);
  Get(j, "hidden_act", &s);
  if (Member(j, "hidden_act") && s != "gelu")
    VOX_ERR << "config.json: hidden_act '" << s << "' is not supported (only gelu)";
  bool feat_proj_layer_norm = true;
  Get(j, "feat_proj_layer_norm", &feat_proj_layer_norm);
  if (!feat_proj_layer_norm)
    VOX_ERR << "config.json: feat_proj_layer_norm=false is not supported";
  if (pre.IsObject()) {
    Get(pre, "do_normalize", &c.normalize);
    float rate = static_cast<float>(c.sample_rate);
    Get(pre, "sampling_rate", &rate);
    c.sample_rate = static_cast<int32_t>(rate);
  }
  c.Validate();
  return c;
}

SslConfig SslConfigFromAnyJson(const JsonValue &json, const std::string &what,
                               SslModelType unilm_type) {
  try {
    if (!json.IsObject()) VOX_ERR << "expected a JSON object";
    if (json.Find("family")) return SslConfigFromJson(json);
    if (json.Find("hidden_size")) return SslConfigFromHf(json, JsonValue());
    const JsonValue *model = json.Find("model");
    if (json.Find("encoder_embed_dim") || json.Find("conv_feature_layers") ||
        json.Find("encoder_layers") || (model && model->IsObject()))
      return SslConfigFromUnilm(json, unilm_type);
    VOX_ERR << "neither a voxtools SSL config, a unilm/fairseq cfg nor a Hugging Face "
            << "config.json";
  } catch (const Error &e) {
    VOX_ERR << what << ": " << e.reason();
  }
  return SslConfig();
}

SslConfig ReadSslConfigFile(const std::string &path) {
  const std::string text = ReadTextFile(path);
  const std::string trimmed = Trim(text);
  if (!trimmed.empty() && trimmed[0] == '{')
    return SslConfigFromAnyJson(ParseJson(text, path), path);
  // Kaldi-style options: each --name=value becomes the JSON member name_with_underscores,
  // typed by what the value looks like, so both readers share SslConfigFromJson's checks.
  JsonValue j = JsonValue::Object();
  j.Set("family", JsonValue::String("ssl"));
  std::istringstream is(text);
  std::string line;
  int line_no = 0;
  try {
    while (std::getline(is, line)) {
      line_no++;
      const size_t hash = line.find('#');
      if (hash != std::string::npos) line.resize(hash);
      line = Trim(line);
      if (line.empty()) continue;
      const size_t eq = line.find('=');
      if (line.compare(0, 2, "--") != 0 || eq == std::string::npos)
        VOX_ERR << "line " << line_no << ": expected --name=value, found '" << line << "'";
      std::string name = line.substr(2, eq - 2), value = Trim(line.substr(eq + 1));
      for (char &ch : name)
        if (ch == '-') ch = '_';
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      int64_t i;
      double d;
      if (value == "true" || value == "false") {
        j.Set(name, JsonValue::Bool(value == "true"));
      } else if (ConvertToInt64(value, &i)) {
        j.Set(name, JsonValue::Int(i));
      } else if (ConvertToDouble(value, &d)) {
        j.Set(name, JsonValue::Float(d));
      } else {
        j.Set(name, JsonValue::String(value));
      }
    }
    return SslConfigFromJson(j);
  } catch (const Error &e) {
    VOX_ERR << path << ": " << e.reason();
  }
  return SslConfig();
}

int64_t SslXvectorConfig::FramesLost() const {
  int64_t lost = 0;
  for (size_t i = 0; i < tdnn_kernel.size() && i < tdnn_dilation.size(); i++)
    lost += tdnn_dilation[i] * (tdnn_kernel[i] - 1);
  return lost;
}

void SslXvectorConfig::Validate() const {
  auto list = [](const char *name, const std::vector<int64_t> &v) {
    std::ostringstream os;
    os << name << "=[";
    for (size_t i = 0; i < v.size(); i++) os << (i ? "," : "") << v[i];
    os << "]";
    return os.str();
  };
  if (tdnn_dim.empty()) VOX_ERR << "x-vector config: tdnn_dim is empty";
  if (tdnn_kernel.size() != tdnn_dim.size() || tdnn_dilation.size() != tdnn_dim.size())
    VOX_ERR << "x-vector config: " << list("tdnn_dim", tdnn_dim) << ", "
            << list("tdnn_kernel", tdnn_kernel) << " and " << list("tdnn_dilation", tdnn_dilation)
            << " differ in length";
  for (size_t i = 0; i < tdnn_dim.size(); i++) {
    if (tdnn_dim[i] <= 0 || tdnn_kernel[i] <= 0 || tdnn_dilation[i] <= 0)
      VOX_ERR << "x-vector config: TDNN layer " << i << " has dim " << tdnn_dim[i] << ", kernel "
              << tdnn_kernel[i] << ", dilation " << tdnn_dilation[i] << " (all must be positive)";
  }
  if (xvector_output_dim <= 0)
    VOX_ERR << "x-vector config: xvector_output_dim=" << xvector_output_dim << " must be positive";
  if (num_labels <= 0)
    VOX_ERR << "x-vector config: num_labels=" << num_labels << " must be positive";
}

std::string SslXvectorConfig::ToString() const {
  std::ostringstream os;
  os << "x-vector head: " << (use_weighted_layer_sum ? "weighted sum of all layers" : "last layer")
     << ", TDNN";
  for (size_t i = 0; i < tdnn_dim.size(); i++)
    os << (i ? "," : " ") << tdnn_dim[i] << "/" << tdnn_kernel[i] << "/" << tdnn_dilation[i];
  os << " (dim/kernel/dilation), embedding " << xvector_output_dim << ", " << num_labels
     << " training labels";
  return os.str();
}

JsonValue SslXvectorConfigToJson(const SslXvectorConfig &c) {
  auto ints = [](const std::vector<int64_t> &v) {
    JsonValue a = JsonValue::Array();
    for (int64_t x : v) a.Append(JsonValue::Int(x));
    return a;
  };
  JsonValue j = JsonValue::Object();
  j.Set("use_weighted_layer_sum", JsonValue::Bool(c.use_weighted_layer_sum));
  j.Set("tdnn_dim", ints(c.tdnn_dim));
  j.Set("tdnn_kernel", ints(c.tdnn_kernel));
  j.Set("tdnn_dilation", ints(c.tdnn_dilation));
  j.Set("xvector_output_dim", JsonValue::Int(c.xvector_output_dim));
  j.Set("num_labels", JsonValue::Int(c.num_labels));
  return j;
}

SslXvectorConfig SslXvectorConfigFromJson(const JsonValue &json) {
  SslXvectorConfig c;
  ConfigReader r(json, "x-vector head config");
  r.Get("use_weighted_layer_sum", &c.use_weighted_layer_sum);
  r.Get("tdnn_dim", &c.tdnn_dim);
  r.Get("tdnn_kernel", &c.tdnn_kernel);
  r.Get("tdnn_dilation", &c.tdnn_dilation);
  r.Get("xvector_output_dim", &c.xvector_output_dim);
  r.Get("num_labels", &c.num_labels);
  r.Finish();
  c.Validate();
  return c;
}

SslXvectorConfig SslXvectorConfigFromHf(const JsonValue &j) {
  if (!j.IsObject()) VOX_ERR << "config.json: expected an object";
  SslXvectorConfig c;
  Get(j, "use_weighted_layer_sum", &c.use_weighted_layer_sum);
  if (Member(j, "tdnn_dim")) c.tdnn_dim = IntList(j, "tdnn_dim");
  if (Member(j, "tdnn_kernel")) c.tdnn_kernel = IntList(j, "tdnn_kernel");
  if (Member(j, "tdnn_dilation")) c.tdnn_dilation = IntList(j, "tdnn_dilation");
  Get(j, "xvector_output_dim", &c.xvector_output_dim);
  // transformers derives num_labels from id2label; config.json stores that, not num_labels.
  if (const JsonValue *labels = Member(j, "id2label")) {
    if (!labels->IsObject()) VOX_ERR << "config.json: id2label: expected an object";
    c.num_labels = static_cast<int64_t>(labels->Members().size());
  } else {
    Get(j, "num_labels", &c.num_labels);
  }
  try {
    c.Validate();
  } catch (const Error &e) {
    VOX_ERR << "config.json: " << e.reason();
  }
  return c;
}

SslHfHead SslHfHeadFromConfig(const JsonValue &j) {
  const JsonValue *archs = j.IsObject() ? Member(j, "architectures") : nullptr;
  if (!archs || archs->IsNull()) return SslHfHead::kNone;
  if (!archs->IsArray()) VOX_ERR << "config.json: architectures: expected a list of names";
  std::string model_type;
  Get(j, "model_type", &model_type);
  static const char *kFamilies[][2] = {{"WavLM", "wavlm"}, {"Hubert", "hubert"},
                                       {"Wav2Vec2", "wav2vec2"}};
  static const char *kSkipped[] = {"Model", "ForCTC", "ForPreTraining", "ForSequenceClassification",
                                   "ForAudioFrameClassification", "ForMaskedLM"};
  SslHfHead head = SslHfHead::kNone;
  for (const JsonValue &a : archs->Items()) {
    if (!a.IsString()) VOX_ERR << "config.json: architectures: " << a.ToString() << " is not a name";
    const std::string &name = a.AsString();
    bool known = false;
    for (const auto &f : kFamilies) {
      const std::string family = f[0];
      if (name.compare(0, family.size(), family) != 0) continue;
      const std::string rest = name.substr(family.size());
      bool skipped = false;
      for (const char *s : kSkipped) skipped = skipped || rest == s;
      const bool xvector = rest == "ForXVector" && family != "Hubert";
      if (!skipped && !xvector) continue;
      if (model_type != f[1])
        VOX_ERR << "config.json: architecture " << name << " with model_type '" << model_type
                << "' (expected '" << f[1] << "')";
      known = true;
      if (xvector) head = SslHfHead::kXvector;
    }
    if (!known)
      VOX_ERR << "config.json: architecture '" << name << "' is not supported: x-vector heads "
              << "are imported for WavLMForXVector and Wav2Vec2ForXVector; the encoder alone "
              << "for <F>Model, <F>ForCTC, <F>ForPreTraining, <F>ForSequenceClassification, "
              << "<F>ForAudioFrameClassification and <F>ForMaskedLM (<F> = WavLM, Hubert, "
              << "Wav2Vec2; --backbone-only imports the encoder of anything else)";
  }
  return head;
}

double SslForwardFlopsPerSecond(const SslConfig &config, double utterance_s) {
  double flops = 0.0;
  // Conv encoder: each layer's output frames per second follow from the strides (frames at
  // the edges are a rounding error at one second and above).
  double frames = config.sample_rate, in_dim = 1;
  for (const SslConvLayer &layer : config.conv_layers) {
    frames /= layer.stride;
    flops += 2.0 * in_dim * layer.dim * layer.kernel * frames;
    in_dim = layer.dim;
  }
  const double d = config.embed_dim;
  flops += 2.0 * in_dim * d * frames;                                            // projection
  flops += 2.0 * d * (d / config.conv_pos_groups) * config.conv_pos * frames;    // pos conv
  const double per_layer = 2.0 * (4.0 * d * d + 2.0 * d * config.ffn_dim)       // linears
                           + 2.0 * 2.0 * (frames * utterance_s) * d;             // QK^T, AV
  flops += config.num_layers * per_layer * frames;
  return flops;
}

}  // namespace voxtools

// src/nnet/ssl-xvector.cc
#include "nnet/ssl-xvector.h"

#include <sstream>

#include "base/log.h"
#include "nnet/config-reader.h"
#include "nnet/model-file.h"
#include "nnet/ops/conv.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/misc.h"
#include "nnet/ops/reduce.h"
#include "nnet/ops/shape.h"

namespace voxtools {

SslTdnnLayer::SslTdnnLayer(int64_t in_dim, int64_t out_dim, int64_t kernel, int64_t dilation,
                           RandomGenerator *rng)
    : in_dim_(in_dim), out_dim_(out_dim), kernel_(kernel), dilation_(dilation) {
  kernel_linear_ =
      RegisterModule("kernel", std::make_shared<Linear>(in_dim * kernel, out_dim, true, rng));
}

std::string SslTdnnLayer::Describe() const {
  std::ostringstream os;
  os << "in=" << in_dim_ << ", out=" << out_dim_ << ", kernel=" << kernel_
     << ", dilation=" << dilation_;
  return os.str();
}

Var SslTdnnLayer::Forward(const Var &x) const {
  // The Linear's columns are (frame j, channel c) at j * in + c: as a conv weight
  // (out, in, kernel) that is a view (out, kernel, in) with the last two axes swapped.
  const Var w = Transpose(Reshape(kernel_linear_->weight(), {out_dim_, kernel_, in_dim_}), 1, 2);
  Conv1dOptions opts;
  opts.dilation = dilation_;
  return Relu(Conv1d(x, w, kernel_linear_->bias(), opts));
}

SslAmSoftmaxWeight::SslAmSoftmaxWeight(int64_t embed_dim, int64_t num_labels,
                                       RandomGenerator *rng) {
  Tensor w({embed_dim, num_labels});
  if (rng) rng->FillNormal(0.0f, 1.0f, &w);  // torch.randn, as AMSoftmaxLoss
  weight_ = RegisterParameter("weight", w);
}

SslXvectorHead::SslXvectorHead(const SslXvectorConfig &config, int64_t hidden_size,
                               int64_t num_hidden_states, RandomGenerator *rng)
    : config_(config), num_hidden_states_(num_hidden_states) {
  config.Validate();
  if (config.use_weighted_layer_sum) {
    const float w = rng ? 1.0f / static_cast<float>(num_hidden_states) : 0.0f;
    layer_weights_ = RegisterParameter("layer_weights", Tensor::Full({num_hidden_states}, w));
  }
  projector_ = RegisterModule(
      "projector", std::make_shared<Linear>(hidden_size, config.tdnn_dim[0], true, rng));
  auto tdnn = RegisterModule("tdnn", std::make_shared<ModuleList>());
  for (size_t i = 0; i < config.tdnn_dim.size(); i++) {
    const int64_t in = i == 0 ? config.tdnn_dim[0] : config.tdnn_dim[i - 1];
    tdnn_.push_back(tdnn->Append(std::make_shared<SslTdnnLayer>(
        in, config.tdnn_dim[i], config.tdnn_kernel[i], config.tdnn_dilation[i], rng)));
  }
  feature_extractor_ = RegisterModule(
      "feature_extractor",
      std::make_shared<Linear>(2 * config.tdnn_dim.back(), config.xvector_output_dim, true, rng));
  classifier_ = RegisterModule(
      "classifier", std::make_shared<Linear>(config.xvector_output_dim,
                                             config.xvector_output_dim, true, rng));
  objective_ = RegisterModule("objective", std::make_shared<SslAmSoftmaxWeight>(
                                               config.xvector_output_dim, config.num_labels, rng));
}

Var SslXvectorHead::Forward(const std::vector<Var> &hidden_states) const {
  const size_t expected = config_.use_weighted_layer_sum ? num_hidden_states_ : 1;
  if (hidden_states.size() != expected)
    VOX_ERR << "x-vector head: " << hidden_states.size() << " hidden states given, "
            << expected << " expected";
  Var x = hidden_states[0];
  if (config_.use_weighted_layer_sum) {
    const Var w = Softmax(layer_weights_, 0);
    x = Mul(hidden_states[0], Narrow(w, 0, 0, 1));
    for (size_t n = 1; n < hidden_states.size(); n++)
      x = Add(x, Mul(hidden_states[n], Narrow(w, 0, static_cast<int64_t>(n), 1)));
  }
  const int64_t frames = x.Dim(1);
  if (frames - config_.FramesLost() < 2)
    VOX_ERR << "x-vector head: " << frames << " frames; the TDNN needs at least "
            << config_.FramesLost() + 2 << " (two left for the standard deviation)";
  // The TDNN stack and the pooling work on (B, C, T).
  Var h = Transpose(projector_->Forward(x), 1, 2);
  for (const auto &layer : tdnn_) h = layer->Forward(h);
  const Var stats = StatisticsPooling(h, {}, /*unbiased=*/true, /*eps=*/0.0f);  // torch.std
  return feature_extractor_->Forward(stats);
}

SslXvectorModel::SslXvectorModel(const SslConfig &ssl_config, const SslXvectorConfig &head_config,
                                 float normalize_eps, RandomGenerator *rng)
    : normalize_eps_(normalize_eps) {
  if (!(normalize_eps > 0)) VOX_ERR << "ssl-xvector: normalize_eps=" << normalize_eps << " must be positive";
  ssl_ = RegisterModule("ssl", std::make_shared<SslModel>(ssl_config, rng));
  head_ = RegisterModule("head", std::make_shared<SslXvectorHead>(
                                     head_config, ssl_config.embed_dim,
                                     ssl_config.num_layers + 1, rng));
}

std::string SslXvectorModel::Describe() const {
  return ssl_config().ToString() + "; " + head_config().ToString();
}

int64_t SslXvectorModel::MinSamples() const {
  const SslConfig &c = ssl_config();
  const int64_t frames = head_config().FramesLost() + 2;
  // Without padding the conv stack's output length is monotone in the input length; start
  // from the receptive-field estimate and settle on the exact shortest input.
  int64_t n = c.ReceptiveField() + (frames - 1) * c.TotalStride();
  while (c.NumFrames(n) < frames) n++;
  while (n > 1 && c.NumFrames(n - 1) >= frames) n--;
  return n;
}

JsonValue SslXvectorModel::Config() const {
  JsonValue j = JsonValue::Object();
  j.Set("type", JsonValue::String("ssl-xvector"));
  j.Set("ssl", SslConfigToJson(ssl_config()));
  j.Set("head", SslXvectorConfigToJson(head_config()));
  j.Set("normalize_eps", JsonValue::Float(normalize_eps_));
  return j;
}

Var SslXvectorModel::Forward(const Var &wave, const SslForwardOptions &opts) const {
  if (wave.Rank() != 2) VOX_ERR << "ssl-xvector: wave " << wave.shape().ToString() << " is not (B, N)";
  const int64_t n = wave.Dim(1);
  if (n < MinSamples())
    VOX_ERR << n << " samples (" << static_cast<double>(n) / ssl_config().sample_rate
            << " s) are fewer than the " << MinSamples() << " the x-vector model needs";
  SslOutputRequest request;
  request.final = true;
  if (head_config().use_weighted_layer_sum) {
    // transformers' hidden_states: layers 0..L-1, then the last hidden state (= "final").
    for (int64_t l = 0; l < ssl_config().num_layers; l++) request.layers.push_back(l);
  }
  SslOutputs out = ssl_->Forward(wave, Tensor(), request, opts);
  std::vector<Var> hidden = out.layers;
  hidden.push_back(out.final);
  return head_->Forward(hidden);
}

bool IsSslXvectorConfig(const JsonValue &config) {
  const JsonValue *type = config.IsObject() ? config.Find("type") : nullptr;
  return type && type->IsString() && type->AsString() == "ssl-xvector";
}

namespace {

struct ParsedConfig {
  SslConfig ssl;
  SslXvectorConfig head;
  float normalize_eps = 1e-7f;
};

ParsedConfig ParseConfig(const JsonValue &config) {
  ConfigReader r(config, "ssl-xvector config");
  std::string type;
  r.Get("type", &type);
  if (type != "ssl-xvector") VOX_ERR << "ssl-xvector config: type '" << type << "'";
  const JsonValue *ssl = r.Sub("ssl"), *head = r.Sub("head");
  if (!ssl || !head) VOX_ERR << "ssl-xvector config: needs \"ssl\" and \"head\"";
  ParsedConfig p;
  r.Get("normalize_eps", &p.normalize_eps);
  r.Finish();
  p.ssl = SslConfigFromJson(*ssl);
  p.head = SslXvectorConfigFromJson(*head);
  return p;
}

}  // namespace

std::unique_ptr<SslXvectorModel> MakeSslXvectorModel(const JsonValue &config) {
  const ParsedConfig p = ParseConfig(config);
  return std::make_unique<SslXvectorModel>(p.ssl, p.head, p.normalize_eps);
}

void WriteSslXvectorModelFile(const SslXvectorModel &model, const std::string &path) {
  SaveModel(path, model, model.Config());
}

std::unique_ptr<SslXvectorModel> ReadSslXvectorModelFile(const std::string &path) {
  const JsonValue config = ReadModelConfig(path);
  std::unique_ptr<SslXvectorModel> model;
  try {
    if (!IsSslXvectorConfig(config)) VOX_ERR << "not an ssl-xvector model file";
    model = MakeSslXvectorModel(config);
  } catch (const Error &e) {
    VOX_ERR << path << ": " << e.reason();
  }
  LoadModel(path, model.get());
  model->Eval();
  return model;
}

double SslXvectorFlopsPerSecond(const JsonValue &config) {
  const ParsedConfig p = ParseConfig(config);
  const SslConfig &c = p.ssl;
  const SslXvectorConfig &h = p.head;
  double flops = SslForwardFlopsPerSecond(c);
  const double frames = static_cast<double>(c.sample_rate) / c.TotalStride();
  if (h.use_weighted_layer_sum) flops += 2.0 * (c.num_layers + 1) * c.embed_dim * frames;
  flops += 2.0 * c.embed_dim * h.tdnn_dim[0] * frames;  // projector
  double in = h.tdnn_dim[0];
  for (size_t i = 0; i < h.tdnn_dim.size(); i++) {
    flops += 2.0 * in * h.tdnn_kernel[i] * h.tdnn_dim[i] * frames;
    in = h.tdnn_dim[i];
  }
  return flops;
}

}  // namespace voxtools

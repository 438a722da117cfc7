// src/nnet/ssl-transformer.cc
#include "nnet/ssl-transformer.h"

#include <algorithm>
#include <cmath>

#include "matrix/thread-pool.h"
#include "nnet/ops/attention.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/fused.h"
#include "nnet/ops/misc.h"
#include "nnet/ops/reduce.h"
#include "nnet/ops/shape.h"

namespace voxtools {

int64_t RelativePositionBucket(int64_t r, int64_t num_buckets, int64_t max_distance) {
  const int64_t half = num_buckets / 2, max_exact = half / 2;
  const int64_t base = r > 0 ? half : 0, n = r < 0 ? -r : r;
  if (n < max_exact) return base + n;
  // float32 throughout, operation by operation, as torch evaluates the official expression;
  // only the constant log(max_distance / max_exact) is a double (a Python float) rounded to
  // float when it meets the tensor.
  const float ratio = static_cast<float>(n) / static_cast<float>(max_exact);
  const float denom = static_cast<float>(
      std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)));
  float v = std::log(ratio);
  v = v / denom;
  v = v * static_cast<float>(half - max_exact);
  v = static_cast<float>(max_exact) + v;
  const int64_t large = static_cast<int64_t>(v);
  return base + std::min(large, half - 1);
}

SslRelativeBias::SslRelativeBias(const Var &table, int64_t num_frames, int64_t num_buckets,
                                 int64_t max_distance)
    : table_(table), num_frames_(num_frames) {
  if (table.Rank() != 2 || table.Dim(0) != num_buckets)
    VOX_ERR << "relative bias table " << table.shape().ToString() << " is not ("
            << num_buckets << ", heads)";
  buckets_.resize(std::max<int64_t>(2 * num_frames - 1, 0));
  for (int64_t r = -(num_frames - 1); r <= num_frames - 1; r++)
    buckets_[r + num_frames - 1] = RelativePositionBucket(r, num_buckets, max_distance);
}

Var SslRelativeBias::Rows(int64_t begin, int64_t n) const {
  const int64_t t = num_frames_, h = table_.Dim(1);
  VOX_ASSERT(begin >= 0 && n >= 0 && begin + n <= t);
  if (!ShouldRecord({&table_})) {
    // Inference: gather straight into (1, H, n, T) from the transposed table.
    const int64_t nb = table_.Dim(0);
    std::vector<float> by_head(h * nb);
    const float *tab = table_.value().Data();
    for (int64_t b = 0; b < nb; b++)
      for (int64_t k = 0; k < h; k++) by_head[k * nb + b] = tab[b * h + k];
    Tensor p = Tensor::Empty({1, h, n, t});
    float *out = p.Data();
    // Rows of all heads in parallel (every layer gathers this H n T block).
    ParallelFor(h * n, std::max<int64_t>(1, 32768 / std::max<int64_t>(t, 1)),
                [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) {
        const int64_t k = r / n, i = r % n;
        const float *row_tab = by_head.data() + k * nb;
        // Key j has r = j - (begin + i), i.e. buckets_[j + t - 1 - begin - i].
        const int64_t *bk = buckets_.data() + (t - 1 - begin - i);
        float *o = out + (k * n + i) * t;
        for (int64_t j = 0; j < t; j++) o[j] = row_tab[bk[j]];
      }
    });
    return Var(p);
  }
  std::vector<int64_t> index(n * t);
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < t; j++) index[i * t + j] = buckets_[j + t - 1 - begin - i];
  Var p = Reshape(IndexSelect(table_, 0, index), {n, t, h});
  return Reshape(Permute(p, {2, 0, 1}), {1, h, n, t});
}

SslPositionalConv::SslPositionalConv(const SslConfig &config, RandomGenerator *rng)
    : kernel_(config.conv_pos) {
  Conv1dOptions opts;
  opts.padding = config.conv_pos / 2;
  opts.groups = config.conv_pos_groups;
  // Weight norm over dim 2: one norm per kernel tap, over all output and input channels.
  conv_ = RegisterModule("conv", std::make_shared<Conv1dLayer>(config.embed_dim, config.embed_dim,
                                                               config.conv_pos, opts, true, 2,
                                                               rng));
}

Var SslPositionalConv::Forward(const Var &x) const {
  const int64_t t = x.Dim(1);
  Var y = conv_->Forward(Transpose(x, 1, 2));  // (B, E, T + 1 - K % 2)
  if (kernel_ % 2 == 0) y = Narrow(y, 2, 0, t);
  return Gelu(Transpose(y, 1, 2));
}

namespace {
// Holds the bucket table as "rel_attn_embed/weight" (HF's nn.Embedding path).
class EmbeddingTable : public Module {
 public:
  explicit EmbeddingTable(const Tensor &table) { weight = RegisterParameter("weight", table); }
  std::string TypeName() const override { return "Embedding"; }
  Var weight;
};
}  // namespace

SslSelfAttention::SslSelfAttention(const SslConfig &config, bool has_bias_table,
                                   RandomGenerator *rng)
    : num_heads_(config.num_heads), head_dim_(config.HeadDim()),
      gated_(config.relative_position_embedding && config.gru_rel_pos) {
  const int64_t e = config.embed_dim;
  // Registration order follows the checkpoints (k, v, q, out) only for readability of
  // nnet-info; loading is by name.
  k_proj_ = RegisterModule("k_proj", std::make_shared<Linear>(e, e, true, rng));
  v_proj_ = RegisterModule("v_proj", std::make_shared<Linear>(e, e, true, rng));
  q_proj_ = RegisterModule("q_proj", std::make_shared<Linear>(e, e, true, rng));
  out_proj_ = RegisterModule("out_proj", std::make_shared<Linear>(e, e, true, rng));
  if (gated_) {
    gru_rel_pos_linear_ =
        RegisterModule("gru_rel_pos_linear", std::make_shared<Linear>(head_dim_, 8, true, rng));
    gru_rel_pos_const_ =
        RegisterParameter("gru_rel_pos_const", Tensor::Full({1, num_heads_, 1, 1}, 1.0f));
  }
  if (has_bias_table) {
    Tensor table({config.num_buckets, num_heads_});
    if (rng) rng->FillNormal(0.0f, 1.0f, &table);  // nn.Embedding's default
    rel_attn_embed_ = RegisterModule("rel_attn_embed", std::make_shared<EmbeddingTable>(table))->weight;
  }
}

Var SslSelfAttention::Gate(const Var &x) const {
  const int64_t b = x.Dim(0), t = x.Dim(1), h = num_heads_;
  Var g = gru_rel_pos_linear_->Forward(Reshape(x, {b * t, h, head_dim_}));  // (BT, H, 8)
  g = Sigmoid(Sum(Reshape(g, {b * t, h, 2, 4}), 3));                         // (BT, H, 2)
  Var ga = Narrow(g, 2, 0, 1), gb = Narrow(g, 2, 1, 1);
  Var c = Reshape(gru_rel_pos_const_, {1, h, 1});
  Var gate = AddScalar(Mul(ga, AddScalar(Mul(gb, c), -1.0f)), 2.0f);  // (BT, H, 1)
  return Reshape(Permute(Reshape(gate, {b, t, h}), {0, 2, 1}), {b, h, t, 1});
}

Var SslSelfAttention::Forward(const Var &x, const Tensor &key_padding_mask,
                              const SslRelativeBias *bias, const SslForwardOptions &opts) const {
  const int64_t b = x.Dim(0), t = x.Dim(1), h = num_heads_, d = head_dim_;
  auto heads = [&](const Var &y) { return Permute(Reshape(y, {b, t, h, d}), {0, 2, 1, 3}); };
  Var q = heads(q_proj_->Forward(x)), k = heads(k_proj_->Forward(x)),
      v = heads(v_proj_->Forward(x));
  Var out;
  if (bias == nullptr) {
    out = Attention(q, k, v, Var(), key_padding_mask);
  } else {
    Var gate = gated_ ? Gate(x) : Var();
    int64_t block = opts.attention_block;
    if (block <= 0) block = std::max<int64_t>(64, (int64_t{1} << 24) / std::max<int64_t>(1, b * h * t));
    std::vector<Var> outs;
    for (int64_t begin = 0; begin < t; begin += block) {
      const int64_t n = std::min(block, t - begin);
      Var p = bias->Rows(begin, n);
      if (gated_) p = Mul(n == t ? gate : Narrow(gate, 2, begin, n), p);
      Var qb = n == t ? q : Narrow(q, 2, begin, n);
      outs.push_back(Attention(qb, k, v, p, key_padding_mask));
    }
    out = outs.size() == 1 ? outs[0] : Concat(outs, 2);
  }
  return out_proj_->Forward(Reshape(Permute(out, {0, 2, 1, 3}), {b, t, h * d}));
}

SslFeedForward::SslFeedForward(const SslConfig &config, RandomGenerator *rng)
    : activation_dropout_(config.activation_dropout) {
  intermediate_dense_ = RegisterModule(
      "intermediate_dense", std::make_shared<Linear>(config.embed_dim, config.ffn_dim, true, rng));
  output_dense_ = RegisterModule(
      "output_dense", std::make_shared<Linear>(config.ffn_dim, config.embed_dim, true, rng));
}

Var SslFeedForward::Forward(const Var &x, RandomGenerator *rng) const {
  Var y = AffineGelu(x, intermediate_dense_->weight(), intermediate_dense_->bias());
  y = Dropout(y, activation_dropout_, Training(), rng);
  return output_dense_->Forward(y);
}

SslEncoderLayer::SslEncoderLayer(const SslConfig &config, bool has_bias_table,
                                 RandomGenerator *rng)
    : layer_norm_first_(config.layer_norm_first), dropout_(config.dropout) {
  attention_ = RegisterModule("attention",
                              std::make_shared<SslSelfAttention>(config, has_bias_table, rng));
  layer_norm_ = RegisterModule(
      "layer_norm", std::make_shared<LayerNormLayer>(config.embed_dim, config.layer_norm_eps));
  feed_forward_ = RegisterModule("feed_forward", std::make_shared<SslFeedForward>(config, rng));
  final_layer_norm_ = RegisterModule(
      "final_layer_norm",
      std::make_shared<LayerNormLayer>(config.embed_dim, config.layer_norm_eps));
}

Var SslEncoderLayer::Forward(const Var &x, const Tensor &key_padding_mask,
                             const SslRelativeBias *bias, const SslForwardOptions &opts) const {
  auto drop = [&](const Var &y) { return Dropout(y, dropout_, Training(), opts.rng); };
  if (layer_norm_first_) {
    Var y = Add(x, drop(attention_->Forward(layer_norm_->Forward(x), key_padding_mask, bias, opts)));
    return Add(y, drop(feed_forward_->Forward(final_layer_norm_->Forward(y), opts.rng)));
  }
  Var y = layer_norm_->Forward(Add(x, drop(attention_->Forward(x, key_padding_mask, bias, opts))));
  return final_layer_norm_->Forward(Add(y, drop(feed_forward_->Forward(y, opts.rng))));
}

SslTransformer::SslTransformer(const SslConfig &config, RandomGenerator *rng) : config_(config) {
  pos_conv_ = RegisterModule("pos_conv_embed", std::make_shared<SslPositionalConv>(config, rng));
  layer_norm_ = RegisterModule(
      "layer_norm", std::make_shared<LayerNormLayer>(config.embed_dim, config.layer_norm_eps));
  layers_ = RegisterModule("layers", std::make_shared<ModuleList>());
  for (int64_t i = 0; i < config.num_layers; i++)
    layers_->Append(std::make_shared<SslEncoderLayer>(
        config, config.relative_position_embedding && i == 0, rng));
}

Var SslTransformer::Forward(const Var &x_in, const Tensor &frame_mask, int64_t last_layer,
                            const std::function<void(int64_t, const Var &)> &on_layer,
                            const SslForwardOptions &opts) const {
  if (last_layer < 0 || last_layer > NumLayers())
    VOX_ERR << "SSL encoder: layer " << last_layer << " requested of " << NumLayers();
  const int64_t b = x_in.Dim(0), t = x_in.Dim(1);
  Var x = x_in;
  // Padded frames are zeroed before the positional conv, so they do not leak into it.
  if (frame_mask.Defined()) x = MaskedFill(x, frame_mask.Reshape({b, t, 1}), 0.0f);
  x = Add(x, pos_conv_->Forward(x));
  if (!config_.layer_norm_first) x = layer_norm_->Forward(x);
  x = Dropout(x, config_.dropout, Training(), opts.rng);
  if (on_layer) on_layer(0, x);
  std::unique_ptr<SslRelativeBias> bias;
  if (config_.relative_position_embedding)
    bias = std::make_unique<SslRelativeBias>(
        layers_->At<SslEncoderLayer>(0).attention().BiasTable(), t, config_.num_buckets,
        config_.max_distance);
  for (int64_t n = 1; n <= last_layer; n++) {
    // LayerDrop (Fan et al. 2019): in training, skip a whole layer with probability layerdrop.
    const bool skip = Training() && config_.layerdrop > 0 && opts.rng != nullptr &&
                      opts.rng->Uniform() < config_.layerdrop;
    if (!skip) x = layers_->At<SslEncoderLayer>(n - 1).Forward(x, frame_mask, bias.get(), opts);
    if (on_layer) on_layer(n, x);
  }
  return x;
}

Var SslTransformer::FinalNorm(const Var &x) const {
  return config_.layer_norm_first ? layer_norm_->Forward(x) : x;
}

}  // namespace voxtools

// src/nnet/ssl-transformer.h
// The transformer encoder of wav2vec 2.0 / HuBERT / WavLM: a convolutional positional
// embedding (Baevski et al. 2020, section 2: a grouped Conv1d with weight normalisation over
// the kernel axis, GELU, added to its input), then encoder layers in post-norm (Base) or
// pre-norm (Large) layout. WavLM (Chen et al. 2022, section 3.2) adds a relative position
// bias in T5's bucketed form, computed once from the first layer's table and shared by every
// layer, scaled in each layer by a GRU-style gate computed per head from the query frame:
//   gate[b,h,i] = a (b' c_h - 1) + 2,  a, b' = sigmoid of the sums of outputs 0..3 and 4..7
//   of gru_rel_pos_linear (D -> 8) on head h's slice of the attention block's input.
// Attention over long inputs is computed in blocks of query frames, so the (B, H, Tq, T) bias
// is never held for all T queries at once.
//
// Parameter paths (Hugging Face's WavLM names, with '/'):
//   encoder/pos_conv_embed/conv/{weight_g,weight_v,bias}      encoder/layer_norm/*
//   encoder/layers/<n>/attention/{q,k,v,out}_proj/{weight,bias}
//   encoder/layers/<n>/attention/gru_rel_pos_linear/{weight,bias}, .../gru_rel_pos_const
//   encoder/layers/0/attention/rel_attn_embed/weight            (num_buckets, H)
//   encoder/layers/<n>/{layer_norm,final_layer_norm}/*
//   encoder/layers/<n>/feed_forward/{intermediate_dense,output_dense}/*
#ifndef VOXTOOLS_NNET_SSL_TRANSFORMER_H_
#define VOXTOOLS_NNET_SSL_TRANSFORMER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nnet/layers.h"
#include "nnet/linear.h"
#include "nnet/module.h"
#include "nnet/ssl-config.h"

namespace voxtools {

// WavLM's bucket for relative position r = key frame - query frame (bidirectional T5
// buckets): half = num_buckets / 2 buckets per sign, the first half / 2 exact, the rest
// logarithmic up to max_distance. Evaluated in float32 exactly as the official code does (the
// log, the divisions, the product and the final addition), because a tie such as
// log(2.5) / log(6.25) * 16 == 8 must resolve as it does there.
int64_t RelativePositionBucket(int64_t r, int64_t num_buckets, int64_t max_distance);

// The un-gated bias P[h, i, j] = table[bucket(j - i), h] for T frames, produced a block of
// query rows at a time.
class SslRelativeBias {
 public:
  SslRelativeBias(const Var &table, int64_t num_frames, int64_t num_buckets,
                  int64_t max_distance);
  // Rows [begin, begin + n): (1, H, n, T). Differentiable in the table when it requires grad.
  Var Rows(int64_t begin, int64_t n) const;

 private:
  Var table_;  // (num_buckets, H)
  int64_t num_frames_;
  std::vector<int64_t> buckets_;  // bucket of r = -(T - 1) .. T - 1, at r + T - 1
};

// Run-time settings of a forward pass (none changes the result in eval mode).
struct SslForwardOptions {
  // Query frames per attention block when a relative bias is used; 0 picks a size that keeps
  // the bias block near 16M floats (one block for inputs up to several minutes).
  int64_t attention_block = 0;
  // Output frames per piece of the conv feature encoder in inference (ssl-feature-encoder.h:
  // memory then stays bounded on long recordings); 0: automatic (250, 5 s); < 0: never.
  int64_t conv_chunk_frames = 0;
  // Draws dropout masks and layer-drop in training mode; unused (may be null) in eval mode.
  RandomGenerator *rng = nullptr;
};

// "pos_conv_embed": GELU(conv(x)) with zero padding K/2 each side and, for even K, the last
// output frame dropped so that T frames come out. The caller adds it to x.
class SslPositionalConv : public Module {
 public:
  SslPositionalConv(const SslConfig &config, RandomGenerator *rng);
  std::string TypeName() const override { return "SslPositionalConv"; }
  // x (B, T, E) -> (B, T, E).
  Var Forward(const Var &x) const;

 private:
  int64_t kernel_;
  std::shared_ptr<Conv1dLayer> conv_;
};

class SslSelfAttention : public Module {
 public:
  SslSelfAttention(const SslConfig &config, bool has_bias_table, RandomGenerator *rng);
  std::string TypeName() const override { return "SslSelfAttention"; }
  // x (B, T, E) -> (B, T, E). key_padding_mask (B, T) nonzero on padded frames, or
  // undefined. bias: the shared relative bias, or null (HuBERT, wav2vec 2.0).
  Var Forward(const Var &x, const Tensor &key_padding_mask, const SslRelativeBias *bias,
              const SslForwardOptions &opts) const;
  // The bucket table (layer 0 of WavLM only; undefined elsewhere).
  const Var &BiasTable() const { return rel_attn_embed_; }

 private:
  // (B, H, T, 1): the gate of every head and query frame.
  Var Gate(const Var &x) const;

  int64_t num_heads_, head_dim_;
  bool gated_;
  std::shared_ptr<Linear> q_proj_, k_proj_, v_proj_, out_proj_, gru_rel_pos_linear_;
  Var gru_rel_pos_const_;  // (1, H, 1, 1)
  Var rel_attn_embed_;     // (num_buckets, H)
};

class SslFeedForward : public Module {
 public:
  SslFeedForward(const SslConfig &config, RandomGenerator *rng);
  std::string TypeName() const override { return "SslFeedForward"; }
  // x (..., E) -> output_dense(dropout(GELU(intermediate_dense(x)))).
  Var Forward(const Var &x, RandomGenerator *rng) const;

 private:
  float activation_dropout_;
  std::shared_ptr<Linear> intermediate_dense_, output_dense_;
};

class SslEncoderLayer : public Module {
 public:
  SslEncoderLayer(const SslConfig &config, bool has_bias_table, RandomGenerator *rng);
  std::string TypeName() const override { return "SslEncoderLayer"; }
  // post-norm: x = LN_a(x + Attn(x)); x = LN_f(x + FFN(x))
  // pre-norm:  x = x + Attn(LN_a(x)); x = x + FFN(LN_f(x))
  Var Forward(const Var &x, const Tensor &key_padding_mask, const SslRelativeBias *bias,
              const SslForwardOptions &opts) const;
  const SslSelfAttention &attention() const { return *attention_; }

 private:
  bool layer_norm_first_;
  float dropout_;
  std::shared_ptr<SslSelfAttention> attention_;
  std::shared_ptr<LayerNormLayer> layer_norm_, final_layer_norm_;
  std::shared_ptr<SslFeedForward> feed_forward_;
};

// "encoder": positional conv, the layers, and the encoder LayerNorm (at the input for
// post-norm, at the output of a full pass for pre-norm).
class SslTransformer : public Module {
 public:
  SslTransformer(const SslConfig &config, RandomGenerator *rng = nullptr);
  std::string TypeName() const override { return "SslTransformer"; }

  // x (B, T, E): the projected features. frame_mask (B, T) nonzero on padded frames, or
  // undefined. Runs layers 1..last_layer (0 <= last_layer <= L) and calls
  // on_layer(n, x_n) for n = 0..last_layer, where x_0 is the encoder input after the
  // positional conv (and, post-norm, the encoder LayerNorm) and x_n is layer n's output.
  // Returns x_last_layer. Never applies the final pre-norm LayerNorm (see FinalNorm).
  Var Forward(const Var &x, const Tensor &frame_mask, int64_t last_layer,
              const std::function<void(int64_t, const Var &)> &on_layer,
              const SslForwardOptions &opts) const;
  // What a full pass returns after the last layer: encoder.layer_norm(x) for pre-norm models,
  // x itself for post-norm ones.
  Var FinalNorm(const Var &x) const;
  int64_t NumLayers() const { return static_cast<int64_t>(layers_->size()); }

 private:
  SslConfig config_;
  std::shared_ptr<SslPositionalConv> pos_conv_;
  std::shared_ptr<LayerNormLayer> layer_norm_;
  std::shared_ptr<ModuleList> layers_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_SSL_TRANSFORMER_H_

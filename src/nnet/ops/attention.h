// src/nnet/ops/attention.h
// Fused scaled-dot-product attention (Vaswani et al. 2017) with an additive bias and a
// key-padding mask, computed in blocks of queries so that no (Tq, Tk) matrix per head is ever
// held: memory is O(block * Tk) per call in inference and in training (backward recomputes
// the probabilities block by block, as FlashAttention does), so long recordings fit.
#ifndef VOXTOOLS_NNET_OPS_ATTENTION_H_
#define VOXTOOLS_NNET_OPS_ATTENTION_H_

#include "nnet/autograd.h"

namespace voxtools {

// out = softmax(scale q k^T + bias, masked) v, per batch entry and head.
//   q (B, H, Tq, D), k (B, H, Tk, D), v (B, H, Tk, Dv) -> out (B, H, Tq, Dv).
//   bias: undefined, or (Bb, Hb, Tq, Tk) with Bb in {1, B} and Hb in {1, H} (WavLM's gated
//         relative position bias); differentiable.
//   key_padding_mask: undefined, or (B, Tk), nonzero where the key is padding (excluded).
//   scale: <= 0 means 1 / sqrt(D).
// A query row whose keys are all masked gets output 0 (PyTorch gives NaN there).
Var Attention(const Var &q, const Var &k, const Var &v, const Var &bias,
              const Tensor &key_padding_mask, float scale = 0.0f);

// The same with heads packed in the channel dimension, the layout linear projections produce
// and consume, so no transposes are needed: q (B, Tq, H D), k (B, Tk, H D), v (B, Tk, H Dv)
// -> out (B, Tq, H Dv), head h owning channels [h D, (h + 1) D). bias and mask as above.
Var AttentionTimeFirst(const Var &q, const Var &k, const Var &v, int64_t num_heads,
                       const Var &bias, const Tensor &key_padding_mask, float scale = 0.0f);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_OPS_ATTENTION_H_

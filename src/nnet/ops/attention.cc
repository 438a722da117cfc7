// src/nnet/ops/attention.cc
// For each (batch, head) and block of queries Qb (nb x D):
//   S = scale Qb K^T + bias_b   (nb x Tk), masked keys -> -inf
//   P = softmax(S) by rows;  Ob = P V.
// Backward, per block, with P recomputed from the saved q, k, bias:
//   dP = dOb V^T;  dS = P o (dP - rowsum(dOb o Ob));
//   dQb = scale dS K;  dK += scale dS^T Qb;  dV += P^T dOb;  dbias_b += dS.
#include "nnet/ops/attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "matrix/cpu-math.h"
#include "matrix/gemm.h"
#include "nnet/ops/kernels.h"

namespace voxtools {
namespace {

// Queries per block: a 64 x Tk score block per step (300 frames: 77 KB, in L2).
constexpr int64_t kBlock = 64;

// Where (batch, head, time) of q, k, v, out (and their gradients) start: element offsets.
// (B, H, T, D) layout: batch = H T D, head = T D, row = D. (B, T, H D): batch = T H D,
// head = D, row = H D. The row stride is the GEMMs' leading dimension.
struct Strides {
  int64_t batch = 0, head = 0, row = 0;
  int64_t At(int64_t bi, int64_t hi, int64_t t) const { return bi * batch + hi * head + t * row; }
};

struct AttnGeom {
  int64_t b = 0, h = 0, tq = 0, tk = 0, d = 0, dv = 0;
  Strides sq, sk, sv, so;  // q, k, v, out
  int64_t bias_b = 0, bias_h = 0;  // bias strides per batch / head (0 = broadcast)
  bool has_bias = false, has_mask = false;
  float scale = 1.0f;
};

// Fills s (nb x tk) with softmax probabilities for query rows [q0, q0 + nb) of head (bi, hi).
void BlockProbs(const AttnGeom &g, int64_t bi, int64_t hi, int64_t q0, int64_t nb,
                const float *q, const float *k, const float *bias, const float *mask, float *s) {
  const float *qb = q + g.sq.At(bi, hi, q0);
  const float *kh = k + g.sk.At(bi, hi, 0);
  Sgemm(Trans::kNo, Trans::kYes, nb, g.tk, g.d, g.scale, qb, g.sq.row, kh, g.sk.row, 0.0f, s,
        g.tk);
  const float *bb = g.has_bias ? bias + bi * g.bias_b + hi * g.bias_h + q0 * g.tk : nullptr;
  const float *mb = g.has_mask ? mask + bi * g.tk : nullptr;
  for (int64_t r = 0; r < nb; r++) {
    float *row = s + r * g.tk;
    if (bb) {
      const float *br = bb + r * g.tk;
      for (int64_t j = 0; j < g.tk; j++) row[j] += br[j];
    }
    if (mb)
      for (int64_t j = 0; j < g.tk; j++)
        if (mb[j] != 0.0f) row[j] = -std::numeric_limits<float>::infinity();
    const float m = RowMax(row, g.tk);
    if (std::isinf(m)) {  // every key masked
      for (int64_t j = 0; j < g.tk; j++) row[j] = 0.0f;
      continue;
    }
    for (int64_t j = 0; j < g.tk; j++) row[j] = FastExp(row[j] - m);
    const float sum = RowSum(row, g.tk);
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < g.tk; j++) row[j] *= inv;
  }
}

class AttentionNode : public Node {
 public:
  AttentionNode(const AttnGeom &g, const Var &q, const Var &k, const Var &v, const Var &bias,
                Tensor mask, Tensor out)
      : Node({q, k, v, bias}), g_(g), mask_(mask), out_(out) {}
  const char *Name() const override { return "Attention"; }
  void Backward(const Tensor &gout) override {
    const AttnGeom &g = g_;
    const float *q = inputs_[0].value().Data(), *k = inputs_[1].value().Data(),
                *v = inputs_[2].value().Data();
    const float *bias = g.has_bias ? inputs_[3].value().Data() : nullptr;
    const float *mask = g.has_mask ? mask_.Data() : nullptr;
    Tensor gq(inputs_[0].shape()), gk(inputs_[1].shape()), gv(inputs_[2].shape());
    Tensor gbias;
    const bool want_bias = g.has_bias && NeedsGrad(3);
    if (want_bias) gbias = Tensor(inputs_[3].shape());
    // Heads in parallel: each (batch, head) accumulates into its own columns of dK and dV.
    // A bias broadcast over batch or heads gathers gradient from several of them, so it
    // runs serially.
    const bool shared_bias =
        want_bias && ((g.bias_b == 0 && g.b > 1) || (g.bias_h == 0 && g.h > 1));
    auto heads = [&](int64_t i0, int64_t i1) {
      std::vector<float> p(kBlock * g.tk), dp(kBlock * g.tk);
      for (int64_t item = i0; item < i1; item++) {
        const int64_t bi = item / g.h, hi = item % g.h;
        const float *kh = k + g.sk.At(bi, hi, 0), *vh = v + g.sv.At(bi, hi, 0);
        for (int64_t q0 = 0; q0 < g.tq; q0 += kBlock) {
          const int64_t nb = std::min(kBlock, g.tq - q0);
          BlockProbs(g, bi, hi, q0, nb, q, k, bias, mask, p.data());
          const float *go = gout.Data() + g.so.At(bi, hi, q0);
          const float *ob = out_.Data() + g.so.At(bi, hi, q0);
          const float *qb = q + g.sq.At(bi, hi, q0);
          // dV += P^T dO
          Sgemm(Trans::kYes, Trans::kNo, g.tk, g.dv, nb, 1.0f, p.data(), g.tk, go, g.so.row, 1.0f,
                gv.Data() + g.sv.At(bi, hi, 0), g.sv.row);
          // dP = dO V^T, then dS in place.
          Sgemm(Trans::kNo, Trans::kYes, nb, g.tk, g.dv, 1.0f, go, g.so.row, vh, g.sv.row, 0.0f,
                dp.data(), g.tk);
          for (int64_t r = 0; r < nb; r++) {
            double s = 0;
            for (int64_t c = 0; c < g.dv; c++)
              s += double(go[r * g.so.row + c]) * ob[r * g.so.row + c];
            const float rd = static_cast<float>(s);
            float *dr = dp.data() + r * g.tk;
            const float *pr = p.data() + r * g.tk;
            for (int64_t j = 0; j < g.tk; j++) dr[j] = pr[j] * (dr[j] - rd);
          }
          if (want_bias) {
            float *gb = gbias.Data() + bi * g.bias_b + hi * g.bias_h + q0 * g.tk;
            for (int64_t i = 0; i < nb * g.tk; i++) gb[i] += dp[i];
          }
          // dQ = scale dS K;  dK += scale dS^T Q.
          Sgemm(Trans::kNo, Trans::kNo, nb, g.d, g.tk, g.scale, dp.data(), g.tk, kh, g.sk.row,
                0.0f, gq.Data() + g.sq.At(bi, hi, q0), g.sq.row);
          Sgemm(Trans::kYes, Trans::kNo, g.tk, g.d, nb, g.scale, dp.data(), g.tk, qb, g.sq.row,
                1.0f, gk.Data() + g.sk.At(bi, hi, 0), g.sk.row);
        }
      }
    };
    if (shared_bias)
      heads(0, g.b * g.h);
    else
      ParallelForSerialBlas(g.b * g.h, 1, heads);
    if (NeedsGrad(0)) inputs_[0].AccumulateGrad(gq);
    if (NeedsGrad(1)) inputs_[1].AccumulateGrad(gk);
    if (NeedsGrad(2)) inputs_[2].AccumulateGrad(gv);
    if (want_bias) inputs_[3].AccumulateGrad(gbias);
  }
  void Release() override {
    Node::Release();
    mask_ = Tensor();
    out_ = Tensor();
  }

 private:
  AttnGeom g_;
  Tensor mask_, out_;
};

// Checks bias and mask against g, runs the blocks, records the node.
Var AttentionImpl(AttnGeom g, const Var &q, const Var &k, const Var &v, const Var &bias,
                  const Tensor &key_padding_mask, float scale, const Shape &out_shape) {
  g.scale = scale > 0 ? scale : 1.0f / std::sqrt(static_cast<float>(g.d));
  if (bias.Defined()) {
    const Shape &s = bias.shape();
    if (s.Rank() != 4 || (s.Dim(0) != 1 && s.Dim(0) != g.b) || (s.Dim(1) != 1 && s.Dim(1) != g.h) ||
        s.Dim(2) != g.tq || s.Dim(3) != g.tk)
      VOX_ERR << "Attention: bias " << s.ToString() << " for scores (" << g.b << ", " << g.h
              << ", " << g.tq << ", " << g.tk << ")";
    g.has_bias = true;
    g.bias_h = s.Dim(1) == 1 ? 0 : g.tq * g.tk;
    g.bias_b = s.Dim(0) == 1 ? 0 : s.Dim(1) * g.tq * g.tk;
  }
  if (key_padding_mask.Defined()) {
    if (key_padding_mask.Rank() != 2 || key_padding_mask.Dim(0) != g.b ||
        key_padding_mask.Dim(1) != g.tk)
      VOX_ERR << "Attention: key padding mask " << key_padding_mask.shape().ToString()
              << ", expected (" << g.b << ", " << g.tk << ")";
    g.has_mask = true;
  }
  Tensor out = Tensor::Empty(out_shape);
  const float *pq = q.value().Data(), *pk = k.value().Data(), *pv = v.value().Data();
  const float *pb = g.has_bias ? bias.value().Data() : nullptr;
  const float *pm = g.has_mask ? key_padding_mask.Data() : nullptr;
  // Items (batch, head, block of queries) are independent: split across our threads, each
  // running its two small GEMMs on one BLAS thread with its own score buffer.
  const int64_t blocks = (g.tq + kBlock - 1) / kBlock;
  ParallelForSerialBlas(g.b * g.h * blocks, 1, [&](int64_t i0, int64_t i1) {
    std::vector<float> s(kBlock * g.tk);
      for (int64_t item = i0; item < i1; item++) {
      const int64_t bi = item / (g.h * blocks), hi = item / blocks % g.h;
      const int64_t q0 = item % blocks * kBlock, nb = std::min(kBlock, g.tq - q0);
      BlockProbs(g, bi, hi, q0, nb, pq, pk, pb, pm, s.data());
      Sgemm(Trans::kNo, Trans::kNo, nb, g.dv, g.tk, 1.0f, s.data(), g.tk,
            pv + g.sv.At(bi, hi, 0), g.sv.row, 0.0f, out.Data() + g.so.At(bi, hi, q0),
            g.so.row);
    }
  });
  if (!ShouldRecord({&q, &k, &v, &bias})) return Var(out);
  return Record(out, std::make_shared<AttentionNode>(g, q, k, v, bias, key_padding_mask, out));
}

Strides HeadsFirst(int64_t h, int64_t t, int64_t d) { return {h * t * d, t * d, d}; }
Strides TimeFirst(int64_t h, int64_t t, int64_t d) { return {t * h * d, d, h * d}; }

}  // namespace

Var Attention(const Var &q, const Var &k, const Var &v, const Var &bias,
              const Tensor &key_padding_mask, float scale) {
  if (q.Rank() != 4 || k.Rank() != 4 || v.Rank() != 4 || k.Dim(0) != q.Dim(0) ||
      k.Dim(1) != q.Dim(1) || k.Dim(3) != q.Dim(3) || v.Dim(0) != q.Dim(0) ||
      v.Dim(1) != q.Dim(1) || v.Dim(2) != k.Dim(2))
    VOX_ERR << "Attention: q " << q.shape().ToString() << ", k " << k.shape().ToString()
            << ", v " << v.shape().ToString() << " (expected (B, H, T, D) with matching B, H, Tk)";
  AttnGeom g;
  g.b = q.Dim(0), g.h = q.Dim(1), g.tq = q.Dim(2), g.tk = k.Dim(2), g.d = q.Dim(3), g.dv = v.Dim(3);
  g.sq = HeadsFirst(g.h, g.tq, g.d), g.sk = HeadsFirst(g.h, g.tk, g.d);
  g.sv = HeadsFirst(g.h, g.tk, g.dv), g.so = HeadsFirst(g.h, g.tq, g.dv);
  return AttentionImpl(g, q, k, v, bias, key_padding_mask, scale, Shape{g.b, g.h, g.tq, g.dv});
}

Var AttentionTimeFirst(const Var &q, const Var &k, const Var &v, int64_t num_heads,
                       const Var &bias, const Tensor &key_padding_mask, float scale) {
  if (q.Rank() != 3 || k.Rank() != 3 || v.Rank() != 3 || num_heads <= 0 ||
      k.Dim(0) != q.Dim(0) || v.Dim(0) != q.Dim(0) || k.Dim(2) != q.Dim(2) ||
      v.Dim(1) != k.Dim(1) || q.Dim(2) % num_heads != 0 || v.Dim(2) % num_heads != 0)
    VOX_ERR << "AttentionTimeFirst: q " << q.shape().ToString() << ", k " << k.shape().ToString()
            << ", v " << v.shape().ToString() << ", " << num_heads
            << " heads (expected (B, T, H D) with matching B, Tk and dims divisible by H)";
  AttnGeom g;
  g.b = q.Dim(0), g.h = num_heads, g.tq = q.Dim(1), g.tk = k.Dim(1);
  g.d = q.Dim(2) / num_heads, g.dv = v.Dim(2) / num_heads;
  g.sq = TimeFirst(g.h, g.tq, g.d), g.sk = TimeFirst(g.h, g.tk, g.d);
  g.sv = TimeFirst(g.h, g.tk, g.dv), g.so = TimeFirst(g.h, g.tq, g.dv);
  return AttentionImpl(g, q, k, v, bias, key_padding_mask, scale, Shape{g.b, g.tq, v.Dim(2)});
}

}  // namespace voxtools

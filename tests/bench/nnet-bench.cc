// tests/bench/nnet-bench.cc
// Engine throughput, printed one result per line for tests/bench/nnet.sh, which runs the same
// cases in PyTorch (tests/bench/nnet-torch.py) and prints both side by side.
//   gemm M N K            GFLOP/s of our Sgemm and of cblas_sgemm called directly
//   block infer|train     a pre-LN transformer block: d=768, 12 heads, FFN 3072, T=300, B=4
//   convstack infer|train wav2vec2's convolutional feature encoder on 4 x 1 s of audio
// Usage: nnet-bench <num-threads> <repeats> [all|gemm|block|block-infer|convstack|convstack-infer]
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "matrix/gemm.h"
#include "matrix/thread-pool.h"
#include "nnet/linear.h"
#include "nnet/ops/attention.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/fused.h"
#include "nnet/ops/matmul.h"
#include "nnet/ops/norm.h"
#include "nnet/ops/reduce.h"
#include "nnet/ops/shape.h"
#include "nnet/random.h"
#include "nnet/ssl-feature-encoder.h"

using namespace voxtools;

namespace {

// Best wall time in seconds of `repeats` runs after warm-up runs for at least 0.2 s (new
// threads take some calls to be spread over the cores; nnet-torch.py warms up alike).
double BestTime(int repeats, const std::function<void()> &f) {
  const auto warm = std::chrono::steady_clock::now();
  do f();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - warm).count() < 0.2);
  double best = 1e30;
  for (int i = 0; i < repeats; i++) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
  }
  return best;
}

Var Param(RandomGenerator *rng, const Shape &s, float scale) {
  Tensor t = Tensor::Empty(s);
  rng->FillUniform(-scale, scale, &t);
  return Var(t, true);
}

struct Block {
  static constexpr int64_t kDim = 768, kHeads = 12, kFfn = 3072;
  Var ln1_w, ln1_b, wq, bq, wk, bk, wv, bv, wo, bo, ln2_w, ln2_b, w1, b1, w2, b2;
  explicit Block(RandomGenerator *rng) {
    const float s = 0.036f;  // ~1/sqrt(768)
    ln1_w = Var(Tensor::Full({kDim}, 1.0f), true), ln1_b = Param(rng, {kDim}, 0.1f);
    ln2_w = Var(Tensor::Full({kDim}, 1.0f), true), ln2_b = Param(rng, {kDim}, 0.1f);
    wq = Param(rng, {kDim, kDim}, s), bq = Param(rng, {kDim}, s);
    wk = Param(rng, {kDim, kDim}, s), bk = Param(rng, {kDim}, s);
    wv = Param(rng, {kDim, kDim}, s), bv = Param(rng, {kDim}, s);
    wo = Param(rng, {kDim, kDim}, s), bo = Param(rng, {kDim}, s);
    w1 = Param(rng, {kFfn, kDim}, s), b1 = Param(rng, {kFfn}, s);
    w2 = Param(rng, {kDim, kFfn}, 0.018f), b2 = Param(rng, {kDim}, s);
  }
  // x (B, T, D) -> (B, T, D)
  Var Forward(const Var &x) const {
    Var h = LayerNorm(x, ln1_w, ln1_b);
    // Heads stay packed in the channels (B, T, H D): no transposes around the attention.
    Var a = AttentionTimeFirst(Affine(h, wq, bq), Affine(h, wk, bk), Affine(h, wv, bv), kHeads,
                               Var(), Tensor());
    Var x1 = Add(x, Affine(a, wo, bo));
    Var f = Affine(AffineGelu(LayerNorm(x1, ln2_w, ln2_b), w1, b1), w2, b2);
    return Add(x1, f);
  }
};

// wav2vec2 / WavLM Base's convolutional feature encoder as compute-ssl-feats runs it
// (SslFeatureEncoder, default config): (512, 10, 5), 4 x (512, 3, 2), 2 x (512, 2, 2), no
// bias; GroupNorm(512) after the first conv; GELU after each. Blocks after the first run
// time-first (Conv1dTimeFirst); the output is (B, T, C), where PyTorch's stack gives (B, C, T)
// and torchaudio then takes a transposed view.
struct ConvStack {
  SslFeatureEncoder encoder;
  explicit ConvStack(RandomGenerator *rng) : encoder(SslConfig(), rng) {}
  Var Forward(const Var &wav) const { return encoder.Forward(wav); }  // (B, samples)
};

void Train(const Var &y) { SumAll(y).Backward(); }

}  // namespace

int main(int argc, char **argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::string only = argc > 3 ? argv[3] : "all";
  auto want = [&](const char *c) { return only == "all" || only == c; };
  SetNumThreads(threads);
  std::printf("openblas %s, threads %d\n", openblas_get_corename(), threads);
  RandomGenerator rng(1);

  for (auto mnk : std::vector<std::array<int64_t, 3>>{
           {1200, 768, 768}, {1200, 3072, 768}, {1200, 768, 3072}, {2048, 2048, 2048}}) {
    if (!want("gemm")) break;
    const int64_t m = mnk[0], n = mnk[1], k = mnk[2];
    Tensor a = Tensor::Empty({m, k}), b = Tensor::Empty({k, n}), c = Tensor::Empty({m, n});
    rng.FillUniform(-1, 1, &a);
    rng.FillUniform(-1, 1, &b);
    const double flops = 2.0 * m * n * k;
    double ours = BestTime(repeats, [&] {
      Sgemm(Trans::kNo, Trans::kNo, m, n, k, 1.0f, a.Data(), k, b.Data(), n, 0.0f, c.Data(), n);
    });
    double blas = BestTime(repeats, [&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.Data(), k,
                  b.Data(), n, 0.0f, c.Data(), n);
    });
    std::printf("gemm %ldx%ldx%ld ours %.1f GFLOP/s, cblas %.1f GFLOP/s\n", long(m), long(n),
                long(k), flops / ours * 1e-9, flops / blas * 1e-9);
  }

  if (want("block") || only == "block-infer") {
  Block block(&rng);
  Tensor xt = Tensor::Empty({4, 300, Block::kDim});
  rng.FillNormal(0, 1, &xt);
  Var x(xt);
  double infer = BestTime(repeats, [&] {
    NoGradGuard no_grad;
    block.Forward(x);
  });
  double train = only == "block-infer" ? 0.0 : BestTime(repeats, [&] { Train(block.Forward(x)); });
  std::printf("block infer %.2f ms\nblock train %.2f ms\n", infer * 1e3, train * 1e3);
  }
  if (!want("convstack") && only != "convstack-infer") return 0;

  ConvStack conv(&rng);
  Tensor wt = Tensor::Empty({4, 16000});
  rng.FillNormal(0, 1, &wt);
  Var wav(wt);
  double infer = BestTime(repeats, [&] {
    NoGradGuard no_grad;
    conv.Forward(wav);
  });
  double train =
      only == "convstack-infer" ? 0.0 : BestTime(repeats, [&] { Train(conv.Forward(wav)); });
  std::printf("convstack infer %.2f ms\nconvstack train %.2f ms\n", infer * 1e3, train * 1e3);
  return 0;
}

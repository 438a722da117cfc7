// tests/unit/nnet/block-test.cc
// Operations composed into a pre-LN transformer block (layer norm, projections, blockwise
// attention with a key-padding mask, GELU feed-forward, residuals), forward and the gradients
// of the input and all 16 parameters against the same block written in PyTorch.
#include <gtest/gtest.h>

#include "nnet/ops/attention.h"
#include "nnet/ops/elementwise.h"
#include "nnet/ops/fused.h"
#include "nnet/ops/matmul.h"
#include "nnet/ops/norm.h"
#include "nnet/ops/shape.h"
#include "nnet-test-util.h"

namespace voxtools {
namespace {

using test::RandomTensor;

constexpr int64_t kB = 2, kT = 70, kD = 16, kHeads = 2, kFfn = 40;

// x[0] input (B, T, D); x[1] mask (B, T); x[2..17] the parameters in the script's order.
Var BlockForward(const std::vector<Var> &x) {
  const int64_t hd = kD / kHeads;
  Var h = LayerNorm(x[0], x[2], x[3]);
  auto heads = [&](const Var &w, const Var &b) {
    return Permute(Reshape(Affine(h, w, b), {kB, kT, kHeads, hd}), {0, 2, 1, 3});
  };
  Var a = Attention(heads(x[4], x[5]), heads(x[6], x[7]), heads(x[8], x[9]), Var(), x[1].value());
  a = Reshape(Permute(a, {0, 2, 1, 3}), {kB, kT, kD});
  Var x1 = Add(x[0], Affine(a, x[10], x[11]));
  Var f = Affine(AffineGelu(LayerNorm(x1, x[12], x[13]), x[14], x[15]), x[16], x[17]);
  return Add(x1, f);
}

TEST(BlockTest, TransformerBlockMatchesTorch) {
  std::vector<Var> in;
  in.push_back(Var(RandomTensor({kB, kT, kD}, 1), true));
  Tensor mask({kB, kT});
  for (int64_t t = kT - 9; t < kT; t++) mask.At({1, t}) = 1.0f;  // sample 1 is padded
  in.push_back(Var(mask));
  const std::vector<Shape> shapes = {{kD},       {kD},   {kD, kD}, {kD},   {kD, kD}, {kD},
                                     {kD, kD},   {kD},   {kD, kD}, {kD},   {kD},     {kD},
                                     {kFfn, kD}, {kFfn}, {kD, kFfn}, {kD}};
  for (size_t i = 0; i < shapes.size(); i++)
    in.push_back(Var(RandomTensor(shapes[i], 10 + i, -0.5f, 0.5f), true));
  // About 10 float operations deep with sums over up to 70 terms: 5e-5 relative, 2e-5
  // absolute.
  VOX_CHECK_TORCH({"block", "{\"heads\": 2}", in}, BlockForward, 5e-5f, 2e-5f);
}

}  // namespace
}  // namespace voxtools

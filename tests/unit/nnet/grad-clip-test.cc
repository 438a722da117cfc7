// tests/unit/nnet/grad-clip-test.cc
// ClipGradNorm against torch.nn.utils.clip_grad_norm_ (2-norm and inf-norm, clipping and not)
// and against a hand-computed case.
#include "nnet/grad-clip.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "nnet-test-util.h"
#include "optim-reference.h"

namespace voxtools {
namespace {

std::vector<Var> WithGrads(const test::NamedTensors &grads) {
  std::vector<Var> params;
  for (const auto &g : grads) {
    Var v(Tensor(g.second.shape()), true);
    v.AccumulateGrad(g.second.Clone());
    params.push_back(v);
  }
  return params;
}

TEST(GradClipTest, HandComputed) {
  Var a(Tensor({2}), true), b(Tensor({1}), true), frozen(Tensor({3}), true);
  a.AccumulateGrad(Tensor::FromVector({2}, {3, 0}));
  b.AccumulateGrad(Tensor::FromVector({1}, {-4}));
  // frozen has no gradient: ignored, and left without one.
  double norm = ClipGradNorm({a, b, frozen}, 1.0);
  EXPECT_DOUBLE_EQ(norm, 5.0);
  const float c = static_cast<float>(1.0 / (5.0 + 1e-6));
  EXPECT_FLOAT_EQ(a.grad().At({0}), 3 * c);
  EXPECT_FLOAT_EQ(b.grad().At({0}), -4 * c);
  EXPECT_FALSE(frozen.grad().Defined());
  // Below the bound: unchanged.
  EXPECT_NEAR(ClipGradNorm({a, b}, 10.0), 1.0, 1e-6);
  EXPECT_FLOAT_EQ(a.grad().At({0}), 3 * c);
  EXPECT_NEAR(GradNorm({a, b}, INFINITY), 4 * c, 1e-7);
  EXPECT_THROW(ClipGradNorm({a}, 0.0), Error);
  EXPECT_THROW(GradNorm({a}, 1.0), Error);
}

TEST(GradClipTest, MatchesTorch) {
  test::NamedTensors grads = {{"g0", test::RandomNormal({7, 5}, 1)},
                              {"g1", test::RandomNormal({13}, 2)},
                              {"g2", test::RandomNormal({2, 3, 4}, 3)}};
  // Total 2-norm is about sqrt(72) ~ 8.5 and inf-norm about 2-3: 1.0 clips both, 100 neither.
  for (const char *norm_type : {"2", "inf"}) {
    for (double max_norm : {1.0, 100.0}) {
      SCOPED_TRACE(std::string("norm ") + norm_type + ", max " + std::to_string(max_norm));
      std::vector<Var> params = WithGrads(grads);
      double total = ClipGradNorm(params, max_norm,
                                  std::string(norm_type) == "inf" ? INFINITY : 2.0);
      test::OptimAnswer ref;
      VOX_OPTIM_REFERENCE("clip",
                          "{\"max_norm\": " + std::to_string(max_norm) +
                              ", \"norm_type\": \"" + norm_type + "\"}",
                          grads, &ref);
      // torch sums in float32, we in double: 1e-6 relative on the norm.
      EXPECT_NEAR(total, ref.numbers["total_norm"], 1e-6 * total);
      for (size_t i = 0; i < grads.size(); i++)
        test::ExpectTensorNear(params[i].grad(), ref.tensors[grads[i].first], 1e-6f, 1e-7f,
                               "clipped " + grads[i].first);
    }
  }
}

}  // namespace
}  // namespace voxtools

// tests/unit/nnet/conv-test.cc
// Conv1d, Conv1dTimeFirst and Conv2d (stride, padding, dilation, groups) and pooling against
// PyTorch and finite differences.
#include "nnet/ops/conv.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "matrix/thread-pool.h"

#include "nnet-test-util.h"

namespace voxtools {
namespace {

using test::RandomTensor;

Var In(const Shape &s, uint64_t seed) { return Var(RandomTensor(s, seed), true); }

// Each output sums Cin/g * K products (up to 192 here) in another order than oneDNN:
// 1e-5 relative, 1e-5 absolute.
constexpr float kRtol = 1e-5f, kAtol = 1e-5f;

struct Conv1dCase {
  int64_t n, cin, l, cout, k, stride, padding, dilation, groups;
};

// Each case against PyTorch, with and without bias, inputs from seeds seed..seed+3; against
// finite differences too where `gradients` (seconds for the larger cases). The weight and
// bias gradients sum N x Lout products, whose float32 rounding grows with the square root of
// their count: the absolute tolerance is kAtol per 64 of them, so scaled.
void CheckConv1dCases(const std::vector<Conv1dCase> &cases, uint64_t seed, bool gradients) {
  for (const Conv1dCase &c : cases) {
    const int64_t lout = (c.l + 2 * c.padding - c.dilation * (c.k - 1) - 1) / c.stride + 1;
    const float atol = kAtol * std::max(1.0f, std::sqrt(c.n * lout / 64.0f));
    Conv1dOptions o;
    o.stride = c.stride, o.padding = c.padding, o.dilation = c.dilation, o.groups = c.groups;
    Var x = In({c.n, c.cin, c.l}, seed), w = In({c.cout, c.cin / c.groups, c.k}, seed + 1),
        b = In({c.cout}, seed + 2);
    auto f = [&](const std::vector<Var> &v) { return Conv1d(v[0], v[1], v[2], o); };
    std::string p = "{\"stride\": " + std::to_string(c.stride) + ", \"padding\": " +
                    std::to_string(c.padding) + ", \"dilation\": " + std::to_string(c.dilation) +
                    ", \"groups\": " + std::to_string(c.groups) + "}";
    VOX_CHECK_TORCH({"conv1d", p, {x, w, b}}, f, kRtol, atol);
    if (gradients) test::CheckGradients(f, {x, w, b}, 1e-2f, 1e-2f, 3e-3f, "conv1d " + p);
    auto nob = [&](const std::vector<Var> &v) { return Conv1d(v[0], v[1], Var(), o); };
    VOX_CHECK_TORCH({"conv1d", p, {x, w}}, nob, kRtol, atol);
    // The time-first op on (N, L, Cin): against PyTorch's conv1d between transposes.
    Var xt = In({c.n, c.l, c.cin}, seed + 3);
    auto tf = [&](const std::vector<Var> &v) { return Conv1dTimeFirst(v[0], v[1], v[2], o); };
    VOX_CHECK_TORCH({"conv1d_time_first", p, {xt, w, b}}, tf, kRtol, atol);
    if (gradients) test::CheckGradients(tf, {xt, w, b}, 1e-2f, 1e-2f, 3e-3f, "time-first " + p);
    auto tf_nob = [&](const std::vector<Var> &v) { return Conv1dTimeFirst(v[0], v[1], Var(), o); };
    VOX_CHECK_TORCH({"conv1d_time_first", p, {xt, w}}, tf_nob, kRtol, atol);
  }
}

TEST(ConvTest, Conv1dMatchesTorch) {
  const std::vector<Conv1dCase> cases = {
      {1, 1, 20, 4, 10, 5, 0, 1, 1},  // wav2vec2's first layer, shrunk
      {2, 3, 11, 5, 3, 1, 1, 1, 1},   {2, 4, 13, 6, 3, 2, 2, 2, 2},
      {1, 8, 9, 8, 4, 1, 2, 1, 4},    // a grouped "positional" conv with even kernel
      {3, 6, 7, 6, 1, 1, 0, 1, 1},    // pointwise
      {2, 6, 15, 12, 5, 1, 4, 2, 3},
      // >= 16 input channels per group: Conv1dTimeFirst's GEMM-per-tap path
      {2, 16, 13, 6, 3, 2, 2, 2, 1},  {1, 32, 10, 4, 2, 2, 0, 1, 2},
      // kernel 3, stride 2, no padding, too short for frame pairs (even and odd counts)
      {2, 16, 14, 6, 3, 2, 0, 1, 1},  {1, 20, 16, 5, 3, 2, 0, 1, 1}};
  CheckConv1dCases(cases, 1, true);
  EXPECT_THROW(Conv1d(In({1, 2, 3}, 1), In({4, 2, 5}, 2), Var()), Error);  // too short
  EXPECT_THROW(Conv1d(In({1, 3, 9}, 1), In({4, 2, 3}, 2), Var()), Error);  // channels
  EXPECT_THROW(Conv1dTimeFirst(In({1, 3, 2}, 1), In({4, 2, 5}, 2), Var()), Error);  // short
  EXPECT_THROW(Conv1dTimeFirst(In({1, 9, 3}, 1), In({4, 2, 3}, 2), Var()), Error);  // channels
}

// Larger shapes than above, as the models use them: patches of 72 to 144 rows, several
// samples side by side in one GEMM, strides 1, 2 and 3, zero padding, dilation, groups, and
// 2-D grids with padding and dilation.
TEST(ConvTest, LargerShapesMatchTorch) {
  const std::vector<Conv1dCase> cases = {
      {2, 24, 101, 37, 3, 2, 1, 1, 1},  // 72 patch rows, 51 outputs
      {1, 40, 130, 20, 5, 3, 4, 2, 2},  // groups of 20 x 5 = 100 rows, stride 3
      {3, 64, 230, 64, 3, 1, 2, 2, 1},  // ECAPA-like: stride 1, dilation 2, "same" padding
      {1, 32, 400, 7, 2, 2, 0, 1, 1},   // wav2vec2's last layers, shrunk
      {1, 16, 1031, 4, 3, 2, 0, 1, 1}};  // layers 1-4: 515 frames, in pairs and one alone
  CheckConv1dCases(cases, 11, false);
  // Conv1dTimeFirst splits each sample's frames over the threads (per tap, in pairs, and
  // gathered): the same results with 3 threads.
  SetNumThreads(3);
  CheckConv1dCases({{1, 16, 3100, 4, 3, 2, 0, 1, 1},   // 1549 frames, 3 items in pairs
                    {1, 32, 301, 16, 3, 2, 0, 1, 1},   // 150 frames, 2 items per tap
                    {2, 24, 260, 8, 3, 1, 1, 2, 1},    // per tap, padding, dilation
                    {1, 2, 900, 8, 10, 5, 0, 1, 1}},   // gathered (2 channels)
                   21, false);
  SetNumThreads(1);
  Conv2dOptions strided;
  strided.stride[0] = strided.stride[1] = 2, strided.padding[0] = strided.padding[1] = 1;
  strided.groups = 2;
  Conv2dOptions same;
  same.padding[0] = 1, same.padding[1] = 2, same.dilation[1] = 2;
  for (auto [xs, ws, o] : {std::tuple<Shape, Shape, Conv2dOptions>{{2, 16, 9, 31}, {20, 16, 3, 3}, same},
                           std::tuple<Shape, Shape, Conv2dOptions>{{1, 16, 10, 27}, {34, 8, 3, 3}, strided}}) {
    Var x = In(xs, 14), w = In(ws, 15), b = In({ws.Dim(0)}, 16);
    auto f = [&, o = o](const std::vector<Var> &v) { return Conv2d(v[0], v[1], v[2], o); };
    auto pair = [](const int64_t *v) {
      return "[" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + "]";
    };
    std::string p = "{\"stride\": " + pair(o.stride) + ", \"padding\": " + pair(o.padding) +
                    ", \"dilation\": " + pair(o.dilation) + ", \"groups\": " +
                    std::to_string(o.groups) + "}";
    VOX_CHECK_TORCH({"conv2d", p, {x, w, b}}, f, kRtol, kAtol);
  }
}

TEST(ConvTest, Conv2dMatchesTorch) {
  struct Case {
    Shape x, w;
    Conv2dOptions o;
  };
  Conv2dOptions plain, strided, grouped;
  strided.stride[0] = 2, strided.stride[1] = 1, strided.padding[0] = 1, strided.padding[1] = 1;
  grouped.groups = 2, grouped.dilation[1] = 2, grouped.padding[0] = 1;
  for (const Case &c : {Case{{2, 3, 7, 6}, {4, 3, 3, 3}, plain},
                        Case{{1, 2, 8, 5}, {3, 2, 3, 3}, strided},
                        Case{{2, 4, 5, 7}, {6, 2, 3, 2}, grouped},
                        Case{{1, 3, 4, 4}, {5, 3, 1, 1}, plain}}) {
    Var x = In(c.x, 4), w = In(c.w, 5), b = In({c.w.Dim(0)}, 6);
    auto f = [&](const std::vector<Var> &v) { return Conv2d(v[0], v[1], v[2], c.o); };
    auto pair = [](const int64_t *v) {
      return "[" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + "]";
    };
    std::string p = "{\"stride\": " + pair(c.o.stride) + ", \"padding\": " + pair(c.o.padding) +
                    ", \"dilation\": " + pair(c.o.dilation) +
                    ", \"groups\": " + std::to_string(c.o.groups) + "}";
    VOX_CHECK_TORCH({"conv2d", p, {x, w, b}}, f, kRtol, kAtol);
    test::CheckGradients(f, {x, w, b}, 1e-2f, 1e-2f, 3e-3f, "conv2d " + p);
  }
}

TEST(ConvTest, PoolingMatchesTorch) {
  Var x1 = In({2, 3, 11}, 7), x2 = In({2, 2, 7, 6}, 8);
  for (auto kp : std::vector<std::array<int64_t, 3>>{{3, 2, 1}, {2, 2, 0}, {3, 1, 0}}) {
    std::string p = "{\"kernel\": " + std::to_string(kp[0]) + ", \"stride\": " +
                    std::to_string(kp[1]) + ", \"padding\": " + std::to_string(kp[2]) + "}";
    auto mx1 = [&](const std::vector<Var> &v) { return MaxPool1d(v[0], kp[0], kp[1], kp[2]); };
    auto av1 = [&](const std::vector<Var> &v) { return AvgPool1d(v[0], kp[0], kp[1], kp[2]); };
    auto mx2 = [&](const std::vector<Var> &v) { return MaxPool2d(v[0], kp[0], kp[1], kp[2]); };
    auto av2 = [&](const std::vector<Var> &v) { return AvgPool2d(v[0], kp[0], kp[1], kp[2]); };
    VOX_CHECK_TORCH({"max_pool1d", p, {x1}}, mx1, kRtol, kAtol);
    VOX_CHECK_TORCH({"avg_pool1d", p, {x1}}, av1, kRtol, kAtol);
    VOX_CHECK_TORCH({"max_pool2d", p, {x2}}, mx2, kRtol, kAtol);
    VOX_CHECK_TORCH({"avg_pool2d", p, {x2}}, av2, kRtol, kAtol);
    test::CheckGradients(mx1, {x1}, 1e-3f);
    test::CheckGradients(av2, {x2}, 1e-2f);
  }
}

}  // namespace
}  // namespace voxtools

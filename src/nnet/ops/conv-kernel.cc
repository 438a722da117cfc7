// src/nnet/ops/conv-kernel.cc
// The forward kernel vectorises over output channels: a tile is kPanel output channels (two
// SIMD registers) x kTileOut consecutive outputs, held in registers for the whole sum over
// patch rows r = (input channel, kernel row, kernel column). Per r it loads the panel's
// weights (packed [r][channel], contiguous) and broadcasts kTileOut input samples read
// straight from the input at the convolution's stride: no patch matrix is built.
// Work items are (sample, group, output row, run of kItemOut outputs) split over threads;
// within an item the weight panel (kPanel x rows floats, e.g. 192 KB) is reused from L2 by
// all its tiles, and the input region (rows x ~2 kItemOut floats) stays in L2.
#include "nnet/ops/conv-kernel.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "matrix/tensor.h"
#include "matrix/thread-pool.h"

namespace voxtools {
namespace kernels {
namespace {

// One SIMD register of floats and the three operations the kernel needs. A tile holds
// kTileOut x 2 accumulators, 2 weight vectors and a broadcast input (27 of the 32 registers
// of AVX-512; 15 of the 16 of AVX2 or SSE).
#if defined(__AVX512F__)
using Vec = __m512;
constexpr int kLanes = 16, kTileOut = 12;
inline Vec Load(const float *p) { return _mm512_loadu_ps(p); }
inline void Store(float *p, Vec v) { _mm512_storeu_ps(p, v); }
inline Vec Splat(float a) { return _mm512_set1_ps(a); }
inline Vec MulAdd(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
#elif defined(__AVX2__) && defined(__FMA__)
using Vec = __m256;
constexpr int kLanes = 8, kTileOut = 6;
inline Vec Load(const float *p) { return _mm256_loadu_ps(p); }
inline void Store(float *p, Vec v) { _mm256_storeu_ps(p, v); }
inline Vec Splat(float a) { return _mm256_set1_ps(a); }
inline Vec MulAdd(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
#else
using Vec = __m128;
constexpr int kLanes = 4, kTileOut = 6;
inline Vec Load(const float *p) { return _mm_loadu_ps(p); }
inline void Store(float *p, Vec v) { _mm_storeu_ps(p, v); }
inline Vec Splat(float a) { return _mm_set1_ps(a); }
inline Vec MulAdd(Vec a, Vec b, Vec c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
#endif
constexpr int kPanel = 2 * kLanes;  // output channels per tile
// Outputs per work item: enough tiles to reuse a weight panel from L2 many times.
constexpr int64_t kItemOut = 8 * kTileOut;

// out[t][0 .. kPanel) = bias + sum_r w[r][0 .. kPanel) x[xoff[r] + t stride], t < NT: one tile,
// channel-major per output (the caller transposes it into y). STRIDE > 0 is the stride as a
// constant (the common 1 and 2), 0 reads it from `stride`.
template <int NT, int STRIDE>
void TileKernel(int64_t rows, const float *w, const float *x, const int64_t *xoff,
                int64_t stride, const float *bias, float *out) {
  const int64_t st = STRIDE > 0 ? STRIDE : stride;
  Vec acc[NT][2];
  const Vec b0 = Load(bias), b1 = Load(bias + kLanes);
  for (int t = 0; t < NT; t++) acc[t][0] = b0, acc[t][1] = b1;
  for (int64_t r = 0; r < rows; r++, w += kPanel) {
    const Vec w0 = Load(w), w1 = Load(w + kLanes);
    const float *xr = x + xoff[r];
    for (int t = 0; t < NT; t++) {
      const Vec a = Splat(xr[t * st]);
      acc[t][0] = MulAdd(a, w0, acc[t][0]);
      acc[t][1] = MulAdd(a, w1, acc[t][1]);
    }
  }
  for (int t = 0; t < NT; t++) {
    Store(out + t * kPanel, acc[t][0]);
    Store(out + t * kPanel + kLanes, acc[t][1]);
  }
}

using TileKernelFn = void (*)(int64_t, const float *, const float *, const int64_t *, int64_t,
                              const float *, float *);
template <int STRIDE, int... NT>
constexpr std::array<TileKernelFn, sizeof...(NT)> MakeTable(std::integer_sequence<int, NT...>) {
  return {TileKernel<NT + 1, STRIDE>...};
}
// kTileKernel[stride index][nt - 1]: stride index 0 for stride 1, 1 for 2, 2 for any other.
const std::array<TileKernelFn, kTileOut> kTileKernel[3] = {
    MakeTable<1>(std::make_integer_sequence<int, kTileOut>{}),
    MakeTable<2>(std::make_integer_sequence<int, kTileOut>{}),
    MakeTable<0>(std::make_integer_sequence<int, kTileOut>{})};

}  // namespace

void Im2ColRange(const ConvGeom &g, const float *x, int64_t c0, int64_t c1, int64_t q0,
                 int64_t q1, float *col, int64_t ld) {
  const int64_t st = g.stride[1];
  for (int64_t c = c0; c < c1; c++)
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++) {
        float *row = col + (((c - c0) * g.kh + i) * g.kw + j) * ld;
        const int64_t off = j * g.dil[1] - g.pad[1];
        // Outputs [lo, hi) of an output row read inside the input row; the rest is zero
        // padding. Splitting the range keeps the copy loops free of branches (they vectorise).
        const int64_t lo = std::min(g.wout, off >= 0 ? 0 : (-off + st - 1) / st);
        const int64_t hi = std::max(lo, std::min(g.wout, g.w - off > 0 ? (g.w - off + st - 1) / st : 0));
        for (int64_t q = q0; q < q1;) {
          // Columns [q, q + n) are outputs [ow0, ow0 + n) of output row oh.
          const int64_t oh = q / g.wout, ow0 = q % g.wout, n = std::min(g.wout - ow0, q1 - q);
          float *d = row + (q - q0);
          q += n;
          const int64_t ih = oh * g.stride[0] - g.pad[0] + i * g.dil[0];
          if (ih < 0 || ih >= g.h) {
            std::fill_n(d, n, 0.0f);
            continue;
          }
          const float *src = x + (c * g.h + ih) * g.w;
          const int64_t at = ow0 * st + off;  // input position of output ow0
          const int64_t a = std::clamp(lo - ow0, int64_t{0}, n), b = std::clamp(hi - ow0, a, n);
          std::fill_n(d, a, 0.0f);
          if (st == 1) {
            for (int64_t k = a; k < b; k++) d[k] = src[at + k];
          } else {
            for (int64_t k = a; k < b; k++) d[k] = src[at + k * st];
          }
          std::fill(d + b, d + n, 0.0f);
        }
      }
}

void ConvForward(const ConvGeom &g, const float *x, const float *weight, const float *bias,
                 float *y) {
  const int64_t rows = g.ColRows(), cols = g.ColCols(), coutg = g.CoutG(), cing = g.CinG();
  const int64_t panels = (coutg + kPanel - 1) / kPanel;

  // The input with its zero padding made explicit, so that the kernel never tests bounds.
  const int64_t hp = g.h + 2 * g.pad[0], wp = g.w + 2 * g.pad[1];
  Tensor padded_t;
  const float *xp = x;
  if (g.pad[0] > 0 || g.pad[1] > 0) {
    padded_t = Tensor::Empty({g.n * g.cin * hp * wp});
    float *dst = padded_t.Data();
    ParallelFor(g.n * g.cin * hp, std::max<int64_t>(1, 4096 / wp), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) {
        float *d = dst + r * wp;
        const int64_t ih = r % hp - g.pad[0];
        if (ih < 0 || ih >= g.h) {
          std::fill_n(d, wp, 0.0f);
          continue;
        }
        std::fill_n(d, g.pad[1], 0.0f);
        std::copy_n(x + (r / hp * g.h + ih) * g.w, g.w, d + g.pad[1]);
        std::fill_n(d + g.pad[1] + g.w, g.pad[1], 0.0f);
      }
    });
    xp = dst;
  }

  // Patch row r = (c, i, j) reads the padded input at xoff[r] from the tile's origin.
  std::vector<int64_t> xoff(rows);
  for (int64_t c = 0, r = 0; c < cing; c++)
    for (int64_t i = 0; i < g.kh; i++)
      for (int64_t j = 0; j < g.kw; j++) xoff[r++] = (c * hp + i * g.dil[0]) * wp + j * g.dil[1];

  // Weights of group gr, channel panel p as [r][kPanel] (zero past the group's channels), at
  // packed + (gr panels + p) rows kPanel; the bias likewise, kPanel per panel.
  Tensor packed_t = Tensor::Empty({g.groups * panels * rows * kPanel});
  Tensor bias_t = Tensor::Empty({g.groups * panels * kPanel});
  float *packed = packed_t.Data(), *packed_bias = bias_t.Data();
  ParallelFor(g.groups * panels, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const int64_t gr = p / panels, o0 = p % panels * kPanel;
      const int64_t valid = std::min<int64_t>(kPanel, coutg - o0);
      float *dst = packed + p * rows * kPanel;
      for (int64_t r = 0; r < rows; r++)
        for (int64_t o = 0; o < kPanel; o++)
          dst[r * kPanel + o] = o < valid ? weight[(gr * coutg + o0 + o) * rows + r] : 0.0f;
      for (int64_t o = 0; o < kPanel; o++)
        packed_bias[p * kPanel + o] = bias && o < valid ? bias[gr * coutg + o0 + o] : 0.0f;
    }
  });

  const int stride_index = g.stride[1] == 1 ? 0 : g.stride[1] == 2 ? 1 : 2;
  const int64_t runs = (g.wout + kItemOut - 1) / kItemOut;  // item runs per output row
  const int64_t items = g.n * g.groups * g.hout * runs;
  ParallelFor(items, 1, [&](int64_t i0, int64_t i1) {
    float tile[kTileOut * kPanel];
    for (int64_t item = i0; item < i1; item++) {
      const int64_t run = item % runs, oh = item / runs % g.hout;
      const int64_t gr = item / (runs * g.hout) % g.groups, s = item / (runs * g.hout * g.groups);
      const int64_t ow0 = run * kItemOut, ow1 = std::min(g.wout, ow0 + kItemOut);
      const float *xs = xp + ((s * g.cin + gr * cing) * hp + oh * g.stride[0]) * wp;
      for (int64_t p = 0; p < panels; p++) {
        const int64_t o0 = p * kPanel, valid = std::min<int64_t>(kPanel, coutg - o0);
        const float *wpanel = packed + (gr * panels + p) * rows * kPanel;
        float *ys = y + (s * g.cout + gr * coutg + o0) * cols + oh * g.wout;
        for (int64_t ow = ow0; ow < ow1; ow += kTileOut) {
          const int64_t nt = std::min<int64_t>(kTileOut, ow1 - ow);
          kTileKernel[stride_index][nt - 1](rows, wpanel, xs + ow * g.stride[1], xoff.data(),
                                            g.stride[1], packed_bias + (gr * panels + p) * kPanel,
                                            tile);
          for (int64_t o = 0; o < valid; o++)
            for (int64_t t = 0; t < nt; t++) ys[o * cols + ow + t] = tile[t * kPanel + o];
        }
      }
    }
  });
}

}  // namespace kernels
}  // namespace voxtools

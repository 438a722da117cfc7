// src/feat/cmvn.h
// Cepstral mean and variance normalisation, Kaldi's semantics:
//
// - Statistics (compute-cmvn-stats): a 2 x (dim + 1) double matrix; row 0 holds sum_t x_t and
//   then the frame count, row 1 holds sum_t x_t^2 and then 0. Stats of several utterances
//   (a speaker) are their sum.
// - ApplyCmvn (apply-cmvn): x - mean, and with norm_vars (x - mean) / sqrt(var), var floored
//   at 1e-20.
// - Sliding-window CMN (apply-cmvn-sliding): each frame minus the mean over a window around
//   it (centred, or ending at the frame), with variance normalisation optional.
#ifndef VOXTOOLS_FEAT_CMVN_H_
#define VOXTOOLS_FEAT_CMVN_H_

#include <cstdint>
#include <string>

#include "base/options-itf.h"
#include "matrix/matrix.h"

namespace voxtools {

// Makes *stats 2 x (dim + 1), all zero.
void InitCmvnStats(int64_t dim, Matrix<double> *stats);

// Adds the frames of feats (T x dim) to *stats (2 x (dim + 1), from InitCmvnStats). If
// weights is not null (T values) each frame counts with its weight. Throws Error on a
// dimension mismatch or a NaN/Inf in feats.
void AccCmvnStats(const Matrix<float> &feats, const Vector<float> *weights,
                  Matrix<double> *stats);

// Normalises *feats in place with stats: subtracts the mean (if norm_means) and divides by
// the standard deviation (if norm_vars). Throws Error if the count is below 1, the stats are
// not 2 x (dim + 1), or a mean/variance is NaN or infinite. Returns the number of dimensions
// whose variance was floored (at 1e-20).
int32_t ApplyCmvn(const Matrix<double> &stats, bool norm_means, bool norm_vars,
                  Matrix<float> *feats);

struct SlidingCmnOptions {
  int32_t cmn_window = 600;
  int32_t min_window = 100;
  int32_t max_warnings = 5;
  bool normalize_variance = false;
  bool center = false;

  void Register(OptionsItf *opts);
  void Validate() const;
  std::string ToString() const;
};

// out (T x dim) = in with sliding-window CMN (and CVN). Frame t's window has cmn_window
// frames: [t - cmn_window/2, +cmn_window) with center, else the cmn_window frames before t
// and t itself, but at least min_window frames at the start (looking ahead); near the ends
// the window is shifted inside the file, and a file shorter than the window uses all of it.
// Returns the number of frames whose variance was floored at 1e-10.
int64_t ApplySlidingCmn(const SlidingCmnOptions &opts, const Matrix<float> &in,
                        Matrix<float> *out);

}  // namespace voxtools

#endif  // VOXTOOLS_FEAT_CMVN_H_

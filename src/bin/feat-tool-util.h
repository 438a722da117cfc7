// src/bin/feat-tool-util.h
// Small helpers the feature tools share (a header, not a library: they are a few lines).
#ifndef VOXTOOLS_BIN_FEAT_TOOL_UTIL_H_
#define VOXTOOLS_BIN_FEAT_TOOL_UTIL_H_

#include <string>

#include "base/log.h"
#include "matrix/matrix.h"

namespace voxtools {

// Kaldi's --subtract-mean: each column minus its mean over the utterance.
inline void SubtractColumnMeans(Matrix<float> *feats) {
  for (int64_t c = 0; c < feats->NumCols(); c++) {
    double sum = 0.0;
    for (int64_t t = 0; t < feats->NumRows(); t++) sum += (*feats)(t, c);
    const float mean = static_cast<float>(sum / feats->NumRows());
    for (int64_t t = 0; t < feats->NumRows(); t++) (*feats)(t, c) -= mean;
  }
}

}  // namespace voxtools

#endif  // VOXTOOLS_BIN_FEAT_TOOL_UTIL_H_

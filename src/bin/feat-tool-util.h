// src/bin/feat-tool-util.h
// Small helpers the feature tools share (a header, not a library: they are a few lines).
#ifndef VOXTOOLS_BIN_FEAT_TOOL_UTIL_H_
#define VOXTOOLS_BIN_FEAT_TOOL_UTIL_H_

#include <string>

#include "base/log.h"
#include "matrix/matrix.h"

namespace voxtools {

// The message of an Error without its "ERROR (where) " prefix, for a WARNING line.
inline std::string ErrorReason(const Error &e) {
  std::string what = e.what();
  if (what.compare(0, 7, "ERROR (") == 0) {
    size_t close = what.find(") ");
    if (close != std::string::npos) return what.substr(close + 2);
  }
  return what;
}

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

// src/feat/vad.h
// Kaldi's energy-based voice activity detection (compute-vad): frame t is voiced when, among
// the frames t - context .. t + context that exist, at least proportion_threshold of them
// have log energy (feature column 0, as MFCC with --use-energy writes it) above
// threshold + mean_scale * (mean log energy of the utterance).
#ifndef VOXTOOLS_FEAT_VAD_H_
#define VOXTOOLS_FEAT_VAD_H_

#include <cstdint>
#include <string>

#include "base/options-itf.h"
#include "matrix/matrix.h"

namespace voxtools {

struct VadEnergyOptions {
  float vad_energy_threshold = 5.0f;
  float vad_energy_mean_scale = 0.5f;
  int32_t vad_frames_context = 0;
  float vad_proportion_threshold = 0.6f;

  void Register(OptionsItf *opts);
  void Validate() const;
  std::string ToString() const;
};

// voiced (T values of 0 or 1) from feats (T x dim, dim >= 1). T = 0 gives an empty vector.
void ComputeVadEnergy(const VadEnergyOptions &opts, const Matrix<float> &feats,
                      Vector<float> *voiced);

// The rows of feats where voiced(t) != 0, in order. Throws Error if the lengths differ.
void SelectVoicedFrames(const Matrix<float> &feats, const Vector<float> &voiced,
                        Matrix<float> *out);

}  // namespace voxtools

#endif  // VOXTOOLS_FEAT_VAD_H_

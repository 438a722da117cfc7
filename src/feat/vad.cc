// src/feat/vad.cc
#include "feat/vad.h"

#include <algorithm>
#include <sstream>

#include "base/log.h"

namespace voxtools {

void VadEnergyOptions::Register(OptionsItf *opts) {
  opts->Register("vad-energy-threshold", &vad_energy_threshold,
                 "Constant term in energy threshold for VAD (also see --vad-energy-mean-scale)");
  opts->Register("vad-energy-mean-scale", &vad_energy_mean_scale,
                 "If this is set to s, to get the actual threshold we let m be the mean "
                 "log-energy of the file, and use s*m + vad-energy-threshold");
  opts->Register("vad-frames-context", &vad_frames_context,
                 "Number of frames of context on each side of central frame, in window for "
                 "which energy is monitored");
  opts->Register("vad-proportion-threshold", &vad_proportion_threshold,
                 "Parameter controlling the proportion of frames within the window that need "
                 "to have more energy than the threshold");
}

void VadEnergyOptions::Validate() const {
  if (vad_frames_context < 0)
    VOX_ERR << "--vad-frames-context=" << vad_frames_context << " must be >= 0";
  if (!(vad_proportion_threshold > 0.0f && vad_proportion_threshold < 1.0f))
    VOX_ERR << "--vad-proportion-threshold=" << vad_proportion_threshold
            << " must be in (0, 1)";
}

std::string VadEnergyOptions::ToString() const {
  std::ostringstream os;
  os << "VadEnergyOptions: vad-energy-threshold=" << vad_energy_threshold
     << " vad-energy-mean-scale=" << vad_energy_mean_scale
     << " vad-frames-context=" << vad_frames_context
     << " vad-proportion-threshold=" << vad_proportion_threshold;
  return os.str();
}

void ComputeVadEnergy(const VadEnergyOptions &opts, const Matrix<float> &feats,
                      Vector<float> *voiced) {
  opts.Validate();
  const int64_t num_frames = feats.NumRows();
  voiced->Resize(num_frames);
  if (num_frames == 0) return;
  double sum = 0.0;
  for (int64_t t = 0; t < num_frames; t++) sum += feats(t, 0);
  // Float, like Kaldi's threshold, so frames near it are decided the same way.
  float threshold = opts.vad_energy_threshold;
  if (opts.vad_energy_mean_scale != 0.0f)
    threshold += opts.vad_energy_mean_scale * static_cast<float>(sum / num_frames);
  const int64_t context = opts.vad_frames_context;
  for (int64_t t = 0; t < num_frames; t++) {
    int64_t lo = std::max<int64_t>(0, t - context);
    int64_t hi = std::min<int64_t>(num_frames - 1, t + context);
    int64_t num = 0, den = hi - lo + 1;
    for (int64_t s = lo; s <= hi; s++)
      if (feats(s, 0) > threshold) num++;
    (*voiced)(t) = num >= den * opts.vad_proportion_threshold ? 1.0f : 0.0f;
  }
}

void SelectVoicedFrames(const Matrix<float> &feats, const Vector<float> &voiced,
                        Matrix<float> *out) {
  if (feats.NumRows() != voiced.Dim())
    VOX_ERR << "features have " << feats.NumRows() << " frames but the VAD has "
            << voiced.Dim();
  int64_t n = 0;
  for (int64_t t = 0; t < voiced.Dim(); t++) n += voiced(t) != 0.0f;
  out->Resize(n, feats.NumCols());
  if (n == 0) return;
  int64_t r = 0;
  for (int64_t t = 0; t < voiced.Dim(); t++) {
    if (voiced(t) == 0.0f) continue;
    std::copy(feats.Row(t), feats.Row(t) + feats.NumCols(), out->Row(r++));
  }
}

}  // namespace voxtools

// src/feat/feature-common.cc
#include "feat/feature-common.h"

#include <random>
#include <vector>

#include "base/log.h"
#include "feat/resample.h"

namespace voxtools {

uint64_t DitherSeed(int32_t seed, const std::string &key) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h ^ (static_cast<uint64_t>(static_cast<uint32_t>(seed)) * 0x9E3779B97F4A7C15ULL);
}

void ComputeFeatures(FrameComputer *computer, const float *wave, int64_t num_samples,
                     float samp_freq, float vtln_warp, uint64_t dither_seed,
                     Matrix<float> *out) {
  const FrameOptions &opts = computer->GetFrameOptions();
  std::vector<float> resampled;
  if (samp_freq != opts.samp_freq) {
    bool down = samp_freq > opts.samp_freq;
    if ((down && !opts.allow_downsample) || (!down && !opts.allow_upsample))
      VOX_ERR << "the audio is sampled at " << samp_freq << " Hz but --sample-frequency="
              << opts.samp_freq << "; resample it with --sample-rate=" << opts.samp_freq
              << " (libsoxr) or --allow-" << (down ? "downsample" : "upsample")
              << "=true (Kaldi's resampler), or set --sample-frequency=" << samp_freq;
    resampled = ResampleWaveformKaldi(samp_freq, wave, num_samples, opts.samp_freq);
    wave = resampled.data();
    num_samples = static_cast<int64_t>(resampled.size());
  }
  const int64_t num_frames = num_samples > 0 ? NumFrames(num_samples, opts) : 0;
  if (num_frames == 0) {
    out->Resize(0, 0);
    return;
  }
  out->Resize(num_frames, computer->Dim());
  const FrameExtractor &extractor = computer->Extractor();
  std::mt19937 rng(static_cast<std::mt19937::result_type>(dither_seed ^ (dither_seed >> 32)));
  const bool need_energy = computer->NeedRawLogEnergy();
  float *frame = computer->FrameBuffer();
  for (int64_t t = 0; t < num_frames; t++) {
    float raw_log_energy = 0.0f;
    extractor.Extract(wave, num_samples, t, &rng, frame, need_energy ? &raw_log_energy : nullptr);
    computer->ComputeFrame(raw_log_energy, vtln_warp, out->Row(t));
  }
}

}  // namespace voxtools

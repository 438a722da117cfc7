// src/feat/mel-banks.cc
#include "feat/mel-banks.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "base/log.h"

namespace voxtools {

void MelBanksOptions::Register(OptionsItf *opts) {
  opts->Register("num-mel-bins", &num_bins, "Number of triangular mel-frequency bins");
  opts->Register("low-freq", &low_freq, "Low cutoff frequency for mel bins");
  opts->Register("high-freq", &high_freq,
                 "High cutoff frequency for mel bins (if <= 0, offset from Nyquist)");
  opts->Register("vtln-low", &vtln_low,
                 "Low inflection point in piecewise linear VTLN warping function");
  opts->Register("vtln-high", &vtln_high,
                 "High inflection point in piecewise linear VTLN warping function (if "
                 "negative, offset from high-mel-freq");
}

static float HighFreq(float high_freq, float nyquist) {
  return high_freq > 0.0f ? high_freq : nyquist + high_freq;
}

void MelBanksOptions::Validate(float samp_freq) const {
  if (num_bins < 3) VOX_ERR << "--num-mel-bins=" << num_bins << " must be at least 3";
  float nyquist = 0.5f * samp_freq, high = HighFreq(high_freq, nyquist);
  if (!(low_freq >= 0.0f && low_freq < nyquist))
    VOX_ERR << "--low-freq=" << low_freq << " must be in [0, " << nyquist << ") for "
            << samp_freq << " Hz audio";
  if (!(high > 0.0f && high <= nyquist && high > low_freq))
    VOX_ERR << "--high-freq=" << high_freq << " gives " << high << " Hz; it must be in ("
            << low_freq << ", " << nyquist << "] (the low frequency and the Nyquist frequency)";
}

std::string MelBanksOptions::ToString() const {
  std::ostringstream os;
  os << "MelBanksOptions: num-mel-bins=" << num_bins << " low-freq=" << low_freq
     << " high-freq=" << high_freq << " vtln-low=" << vtln_low << " vtln-high=" << vtln_high;
  return os.str();
}

// Single precision, as Kaldi computes them: the bin edges then match Kaldi's to the last bit
// in the common cases, which keeps FFT bins that fall on an edge on the same side.
float MelScale(float freq) { return 1127.0f * logf(1.0f + freq / 700.0f); }
float InverseMelScale(float mel) { return 700.0f * (expf(mel / 1127.0f) - 1.0f); }

float VtlnWarpFreq(float vtln_low_cutoff, float vtln_high_cutoff, float low_freq,
                   float high_freq, float vtln_warp_factor, float freq) {
  if (freq < low_freq || freq > high_freq) return freq;
  float l = vtln_low_cutoff * std::max(1.0f, vtln_warp_factor);
  float h = vtln_high_cutoff * std::min(1.0f, vtln_warp_factor);
  float scale = 1.0f / vtln_warp_factor;
  float fl = scale * l, fh = scale * h;
  if (freq < l) {
    float scale_left = (fl - low_freq) / (l - low_freq);
    return low_freq + scale_left * (freq - low_freq);
  }
  if (freq < h) return scale * freq;
  float scale_right = (high_freq - fh) / (high_freq - h);
  return high_freq + scale_right * (freq - high_freq);
}

MelBanks::MelBanks(const MelBanksOptions &opts, const FrameOptions &frame_opts,
                   float vtln_warp) {
  const float samp_freq = frame_opts.samp_freq;
  opts.Validate(samp_freq);
  const int32_t num_bins = opts.num_bins;
  const int32_t padded = frame_opts.PaddedWindowSize();
  const int32_t num_fft_bins = padded / 2;
  const float nyquist = 0.5f * samp_freq;
  const float low_freq = opts.low_freq, high_freq = HighFreq(opts.high_freq, nyquist);
  const float fft_bin_width = samp_freq / padded;
  const float mel_low = MelScale(low_freq), mel_high = MelScale(high_freq);
  const float mel_delta = (mel_high - mel_low) / (num_bins + 1);

  float vtln_low = opts.vtln_low, vtln_high = opts.vtln_high;
  if (vtln_high < 0.0f) vtln_high += nyquist;
  if (vtln_warp != 1.0f &&
      !(vtln_low < vtln_high && vtln_low > low_freq && vtln_high < high_freq &&
        vtln_low > 0.0f && vtln_high > 0.0f))
    VOX_ERR << "bad VTLN cut-offs: --vtln-low=" << opts.vtln_low
            << " --vtln-high=" << opts.vtln_high << " must satisfy low-freq (" << low_freq
            << ") < vtln-low < vtln-high < high-freq (" << high_freq << ")";
  auto warp = [&](float mel) {
    if (vtln_warp == 1.0f) return mel;
    return MelScale(VtlnWarpFreq(vtln_low, vtln_high, low_freq, high_freq, vtln_warp,
                                 InverseMelScale(mel)));
  };

  offsets_.resize(num_bins);
  weights_.resize(num_bins);
  center_freqs_.resize(num_bins);
  for (int32_t b = 0; b < num_bins; b++) {
    float left = warp(mel_low + b * mel_delta);
    float center = warp(mel_low + (b + 1) * mel_delta);
    float right = warp(mel_low + (b + 2) * mel_delta);
    center_freqs_[b] = InverseMelScale(center);
    int32_t first = -1, last = -1;
    std::vector<float> full(num_fft_bins, 0.0f);
    for (int32_t k = 0; k < num_fft_bins; k++) {
      float mel = MelScale(fft_bin_width * k);
      if (mel > left && mel < right) {
        full[k] = mel <= center ? (mel - left) / (center - left)
                                : (right - mel) / (right - center);
        if (first == -1) first = k;
        last = k;
      }
    }
    if (first == -1)
      VOX_ERR << "mel bin " << b << " of " << num_bins << " holds no FFT bin (FFT size "
              << padded << "): use fewer --num-mel-bins or a longer --frame-length";
    offsets_[b] = first;
    weights_[b].assign(full.begin() + first, full.begin() + last + 1);
  }
}

void MelBanks::Compute(const float *power, float *out) const {
  const int32_t num_bins = NumBins();
  for (int32_t b = 0; b < num_bins; b++) {
    const float *p = power + offsets_[b];
    const float *w = weights_[b].data();
    const int32_t n = static_cast<int32_t>(weights_[b].size());
    float sum = 0.0f;
    for (int32_t k = 0; k < n; k++) sum += w[k] * p[k];
    out[b] = sum;
  }
}

}  // namespace voxtools

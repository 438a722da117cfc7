// src/feat/window.cc
#include "feat/window.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "base/log.h"

namespace voxtools {

void FrameOptions::Register(OptionsItf *opts) {
  opts->Register("sample-frequency", &samp_freq,
                 "Waveform data sample frequency (must match the waveform file, unless "
                 "--allow-upsample/--allow-downsample resample it)");
  opts->Register("frame-shift", &frame_shift_ms, "Frame shift in milliseconds");
  opts->Register("frame-length", &frame_length_ms, "Frame length in milliseconds");
  opts->Register("dither", &dither,
                 "Dithering constant (0.0 means no dither). Use 0 to compare with other "
                 "toolkits number for number");
  opts->Register("seed", &seed,
                 "Seed of the dither noise; each utterance draws from (seed, key), so results "
                 "do not depend on the order or the split of the data");
  opts->Register("preemphasis-coefficient", &preemph_coeff,
                 "Coefficient for use in signal preemphasis");
  opts->Register("remove-dc-offset", &remove_dc_offset,
                 "Subtract mean from waveform on each frame");
  opts->Register("window-type", &window_type,
                 "Type of window (\"hamming\"|\"hanning\"|\"povey\"|\"rectangular\"|\"sine\"|"
                 "\"blackman\")");
  opts->Register("round-to-power-of-two", &round_to_power_of_two,
                 "If true, round window size to power of two by zero-padding input to FFT.");
  opts->Register("blackman-coeff", &blackman_coeff,
                 "Constant coefficient for generalized Blackman window.");
  opts->Register("snip-edges", &snip_edges,
                 "If true, end effects will be handled by outputting only frames that completely "
                 "fit in the file, and the number of frames depends on the frame-length.  If "
                 "false, the number of frames depends only on the frame-shift, and we reflect "
                 "the data at the ends.");
  opts->Register("allow-downsample", &allow_downsample,
                 "If true, allow the input waveform to have a higher frequency than the "
                 "specified --sample-frequency (and we'll downsample, with Kaldi's resampler).");
  opts->Register("allow-upsample", &allow_upsample,
                 "If true, allow the input waveform to have a lower frequency than the "
                 "specified --sample-frequency (and we'll upsample, with Kaldi's resampler).");
}

WindowType FrameOptions::Type() const {
  if (window_type == "hamming") return WindowType::kHamming;
  if (window_type == "hanning") return WindowType::kHanning;
  if (window_type == "povey") return WindowType::kPovey;
  if (window_type == "rectangular") return WindowType::kRectangular;
  if (window_type == "blackman") return WindowType::kBlackman;
  if (window_type == "sine") return WindowType::kSine;
  VOX_ERR << "--window-type=" << window_type
          << " is not one of hamming, hanning, povey, rectangular, sine, blackman";
  return WindowType::kPovey;  // not reached
}

void FrameOptions::Validate() const {
  if (!(samp_freq > 0.0f))
    VOX_ERR << "--sample-frequency=" << samp_freq << " must be positive";
  if (!(frame_shift_ms > 0.0f))
    VOX_ERR << "--frame-shift=" << frame_shift_ms << " must be positive";
  if (!(frame_length_ms > 0.0f))
    VOX_ERR << "--frame-length=" << frame_length_ms << " must be positive";
  if (WindowShift() < 1)
    VOX_ERR << "--frame-shift=" << frame_shift_ms << " gives " << WindowShift()
            << " samples at " << samp_freq << " Hz; need at least 1";
  // Two samples at least: the window functions divide by (length - 1).
  if (WindowSize() < 2)
    VOX_ERR << "--frame-length=" << frame_length_ms << " gives " << WindowSize()
            << " samples at " << samp_freq << " Hz; need at least 2";
  if (!(dither >= 0.0f)) VOX_ERR << "--dither=" << dither << " must be >= 0";
  if (!(preemph_coeff >= 0.0f && preemph_coeff <= 1.0f))
    VOX_ERR << "--preemphasis-coefficient=" << preemph_coeff << " must be in [0, 1]";
  Type();
}

std::string FrameOptions::ToString() const {
  std::ostringstream os;
  os << "FrameOptions: sample-frequency=" << samp_freq << " frame-shift=" << frame_shift_ms
     << " frame-length=" << frame_length_ms << " dither=" << dither << " seed=" << seed
     << " preemphasis-coefficient=" << preemph_coeff
     << " remove-dc-offset=" << remove_dc_offset << " window-type=" << window_type
     << " round-to-power-of-two=" << round_to_power_of_two
     << " blackman-coeff=" << blackman_coeff << " snip-edges=" << snip_edges
     << " allow-downsample=" << allow_downsample << " allow-upsample=" << allow_upsample;
  return os.str();
}

int32_t FrameOptions::PaddedWindowSize() const {
  int32_t n = WindowSize();
  if (!round_to_power_of_two) return n;
  int32_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

int64_t NumFrames(int64_t num_samples, const FrameOptions &opts) {
  int64_t shift = opts.WindowShift(), size = opts.WindowSize();
  if (opts.snip_edges) {
    if (num_samples < size) return 0;
    return 1 + (num_samples - size) / shift;
  }
  // Frames centred on multiples of the shift: round(num_samples / shift).
  return (num_samples + shift / 2) / shift;
}

int64_t FirstSampleOfFrame(int64_t t, const FrameOptions &opts) {
  int64_t shift = opts.WindowShift(), size = opts.WindowSize();
  if (opts.snip_edges) return t * shift;
  int64_t midpoint = shift * t + shift / 2;
  return midpoint - size / 2;
}

std::vector<float> MakeWindowFunction(const FrameOptions &opts) {
  int32_t n = opts.WindowSize();
  WindowType type = opts.Type();
  std::vector<float> w(n);
  double a = 2.0 * M_PI / (n - 1);
  for (int32_t i = 0; i < n; i++) {
    double x = static_cast<double>(i), v = 1.0;
    switch (type) {
      case WindowType::kHanning: v = 0.5 - 0.5 * std::cos(a * x); break;
      case WindowType::kSine: v = std::sin(0.5 * a * x); break;
      case WindowType::kHamming: v = 0.54 - 0.46 * std::cos(a * x); break;
      // Povey's window: a Hann window to the power 0.85, nonzero-ish at the ends like Hamming.
      case WindowType::kPovey: v = std::pow(0.5 - 0.5 * std::cos(a * x), 0.85); break;
      case WindowType::kRectangular: v = 1.0; break;
      case WindowType::kBlackman:
        v = opts.blackman_coeff - 0.5 * std::cos(a * x) +
            (0.5 - opts.blackman_coeff) * std::cos(2.0 * a * x);
        break;
    }
    w[i] = static_cast<float>(v);
  }
  return w;
}

FrameExtractor::FrameExtractor(const FrameOptions &opts)
    : opts_(opts), window_(MakeWindowFunction(opts)),
      frame_length_(opts.WindowSize()), padded_length_(opts.PaddedWindowSize()) {}

void FrameExtractor::Extract(const float *wave, int64_t num_samples, int64_t t,
                             std::mt19937 *rng, float *out, float *raw_log_energy) const {
  VOX_ASSERT(num_samples > 0);
  const int32_t n = frame_length_;
  int64_t start = FirstSampleOfFrame(t, opts_);
  if (start >= 0 && start + n <= num_samples) {
    std::copy(wave + start, wave + start + n, out);
  } else {
    // Reflect at the edges (only without snip_edges); the loop handles waves shorter than a
    // frame, which may need more than one reflection.
    for (int32_t i = 0; i < n; i++) {
      int64_t s = start + i;
      while (s < 0 || s >= num_samples) s = s < 0 ? -s - 1 : 2 * num_samples - 1 - s;
      out[i] = wave[s];
    }
  }
  std::fill(out + n, out + padded_length_, 0.0f);

  if (opts_.dither != 0.0f) {
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    for (int32_t i = 0; i < n; i++) out[i] += opts_.dither * gauss(*rng);
  }
  if (opts_.remove_dc_offset) {
    double sum = 0.0;
    for (int32_t i = 0; i < n; i++) sum += out[i];
    float mean = static_cast<float>(sum / n);
    for (int32_t i = 0; i < n; i++) out[i] -= mean;
  }
  if (raw_log_energy != nullptr) {
    double energy = 0.0;
    for (int32_t i = 0; i < n; i++) energy += static_cast<double>(out[i]) * out[i];
    *raw_log_energy = std::log(std::max(static_cast<float>(energy),
                                        std::numeric_limits<float>::epsilon()));
  }
  if (opts_.preemph_coeff != 0.0f) {
    const float c = opts_.preemph_coeff;
    for (int32_t i = n - 1; i > 0; i--) out[i] -= c * out[i - 1];
    out[0] -= c * out[0];
  }
  for (int32_t i = 0; i < n; i++) out[i] *= window_[i];
}

}  // namespace voxtools

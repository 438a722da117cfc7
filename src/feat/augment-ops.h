// src/feat/augment-ops.h
// The signal operations of data augmentation for speaker/language embeddings, each a plain
// function of its inputs (the random choices are made by the caller, feat/augment.h):
//
// - additive noise at a given SNR, the noise tiled or cropped to the utterance's length
//   (Snyder et al., "X-vectors: robust DNN embeddings for speaker recognition", ICASSP 2018,
//   with MUSAN noise/music/babble; WeSpeaker's add_reverb_noise);
// - reverberation: convolution with a room impulse response normalised to unit energy (as
//   WeSpeaker does), computed by FFT, and aligned on the RIR's direct path so that the output
//   keeps the input's timing (labels, VAD, segments stay valid) and length;
// - speed perturbation as sox's `speed` effect (Ko et al., "Audio augmentation for speech
//   recognition", Interspeech 2015): tempo and pitch both change by the factor;
// - gain in dB.
//
// Signals are float samples on any scale (the tools use the int16 scale); power is the mean
// square over the whole signal, accumulated in double.
#ifndef VOXTOOLS_FEAT_AUGMENT_OPS_H_
#define VOXTOOLS_FEAT_AUGMENT_OPS_H_

#include <cstdint>
#include <vector>

#include "matrix/matrix.h"

namespace voxtools {

// (1/n) sum_i x_i^2; 0 for n = 0.
double MeanPower(const float *x, int64_t n);

// The noise made `length` samples long: noise of length >= `length` is cropped to
// noise[offset, offset + length) (0 <= offset <= num_noise - length; the caller draws it);
// shorter noise is repeated from its start until `length` samples are filled (numpy.resize,
// as WeSpeaker). Throws Error if num_noise is 0 or offset is out of range.
std::vector<float> FitNoiseLength(const float *noise, int64_t num_noise, int64_t length,
                                  int64_t offset);

// The factor a such that 10 log10(signal_power / (a^2 noise_power)) = snr_db; 0 when either
// power is 0 (a silent utterance has no SNR to reach, and silent noise adds nothing).
double NoiseScaleForSnr(double signal_power, double noise_power, double snr_db);

// signal[i] += scale * noise[i] for i < n.
void AddScaled(const float *noise, int64_t n, double scale, float *signal);

// Reverberates wave[0..n) in place with the room impulse response rir[0..m):
// with h = rir / sqrt(sum rir^2) and p = argmax_j |rir_j| (the direct path, first of equal
// peaks), wave'[t] = sum_j h_j wave[t + p - j] for t in [0, n) (wave is 0 outside [0, n)).
// So a RIR that is one impulse of any height at index d gives the input back exactly (up to
// FFT rounding), neither delayed nor scaled. Computed by FFT (FFTW, sizes 2^a 3^b 5^c).
// Throws Error if m is 0 or the RIR is all zeros.
void Reverberate(const float *rir, int64_t m, float *wave, int64_t n);

// Speed perturbation as `sox speed <factor>`: the audio is played `factor` times faster, so
// its length becomes round(n / factor) and every frequency is multiplied by factor. Done by
// resampling from rate_hz * factor to rate_hz with libsoxr (feat/resample.h). Rows are
// channels. factor = 1 leaves *wave as it is. Throws Error if factor is not in (0, 10].
void SpeedPerturb(float factor, float rate_hz, Matrix<float> *wave);

// wave *= 10^(gain_db / 20).
void ApplyGainDb(float gain_db, Matrix<float> *wave);

}  // namespace voxtools

#endif  // VOXTOOLS_FEAT_AUGMENT_OPS_H_

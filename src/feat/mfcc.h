// src/feat/mfcc.h
// Mel-frequency cepstral coefficients, Kaldi's compute-mfcc-feats exactly: log mel energies
// (power spectrum, floored at FLT_EPSILON), an orthonormal DCT-II truncated to num_ceps,
// the sinusoidal lifter 1 + (Q/2) sin(pi i / Q), and C0 replaced by the log energy with
// --use-energy (the default). The x-vector recipes' features.
#ifndef VOXTOOLS_FEAT_MFCC_H_
#define VOXTOOLS_FEAT_MFCC_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "feat/feature-common.h"
#include "feat/fft.h"
#include "feat/mel-banks.h"
#include "feat/window.h"

namespace voxtools {

struct MfccOptions {
  FrameOptions frame;
  MelBanksOptions mel{23};
  int32_t num_ceps = 13;
  bool use_energy = true;
  float energy_floor = 0.0f;
  bool raw_energy = true;
  float cepstral_lifter = 22.0f;  // 0 disables liftering
  bool htk_compat = false;

  void Register(OptionsItf *opts);
  void Validate() const;
  std::string ToString() const;
};

class MfccComputer : public FrameComputer {
 public:
  explicit MfccComputer(const MfccOptions &opts);

  int32_t Dim() const override { return opts_.num_ceps; }
  bool NeedRawLogEnergy() const override { return opts_.use_energy && opts_.raw_energy; }
  float *FrameBuffer() override { return fft_.Input(); }
  void ComputeFrame(float raw_log_energy, float vtln_warp, float *feature) override;

 private:
  const MelBanks &GetMelBanks(float vtln_warp);

  MfccOptions opts_;
  RealFft fft_;
  std::vector<float> power_, mel_energies_;
  std::vector<float> dct_;  // num_ceps x num_bins, row-major
  std::vector<float> lifter_;
  std::map<float, std::unique_ptr<MelBanks>> mel_banks_;
  float log_energy_floor_;
};

// The orthonormal DCT-II matrix rows 0..num_rows-1 of size num_cols (Kaldi's
// ComputeDctMatrix): M(0, n) = sqrt(1/N), M(k, n) = sqrt(2/N) cos(pi/N (n + 1/2) k).
std::vector<float> DctMatrix(int32_t num_rows, int32_t num_cols);

}  // namespace voxtools

#endif  // VOXTOOLS_FEAT_MFCC_H_

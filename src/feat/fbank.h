// src/feat/fbank.h
// Log mel filterbank features, Kaldi's compute-fbank-feats algorithm and options exactly:
// per frame, |FFT|^2 (or |FFT| with --use-power=false) of the windowed frame, triangular mel
// filters, log floored at FLT_EPSILON, and optionally the log energy as an extra column
// (first, or last with --htk-compat).
#ifndef VOXTOOLS_FEAT_FBANK_H_
#define VOXTOOLS_FEAT_FBANK_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "feat/feature-common.h"
#include "feat/fft.h"
#include "feat/mel-banks.h"
#include "feat/window.h"

namespace voxtools {

struct FbankOptions {
  FrameOptions frame;
  MelBanksOptions mel{23};  // 23 bins: Kaldi's default, tuned for 16 kHz
  bool use_energy = false;
  float energy_floor = 0.0f;
  bool raw_energy = true;
  bool htk_compat = false;
  bool use_log_fbank = true;
  bool use_power = true;

  void Register(OptionsItf *opts);
  void Validate() const;
  std::string ToString() const;
};

class FbankComputer : public FrameComputer {
 public:
  // Validates the options (throws Error) and precomputes the window, FFT plan and mel banks.
  explicit FbankComputer(const FbankOptions &opts);

  // num_mel_bins, plus one with --use-energy.
  int32_t Dim() const override { return opts_.mel.num_bins + (opts_.use_energy ? 1 : 0); }
  bool NeedRawLogEnergy() const override { return opts_.use_energy && opts_.raw_energy; }
  float *FrameBuffer() override { return fft_.Input(); }
  void ComputeFrame(float raw_log_energy, float vtln_warp, float *feature) override;

 private:
  const MelBanks &GetMelBanks(float vtln_warp);

  FbankOptions opts_;
  RealFft fft_;
  std::vector<float> power_;
  // One bank per VTLN warp factor met (1.0 made up front); a handful in practice.
  std::map<float, std::unique_ptr<MelBanks>> mel_banks_;
  float log_energy_floor_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_FEAT_FBANK_H_

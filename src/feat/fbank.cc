// src/feat/fbank.cc
#include "feat/fbank.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "base/log.h"

namespace voxtools {

void FbankOptions::Register(OptionsItf *opts) {
  frame.Register(opts);
  mel.Register(opts);
  opts->Register("use-energy", &use_energy, "Add an extra dimension with energy to the FBANK output.");
  opts->Register("energy-floor", &energy_floor,
                 "Floor on energy (absolute, not relative) in FBANK computation. Only makes a "
                 "difference if --use-energy=true; only necessary if --dither=0.0.  Suggested "
                 "values: 0.1 or 1.0");
  opts->Register("raw-energy", &raw_energy,
                 "If true, compute energy before preemphasis and windowing");
  opts->Register("htk-compat", &htk_compat,
                 "If true, put energy last.  Warning: not sufficient to get HTK compatible "
                 "features (need to change other parameters).");
  opts->Register("use-log-fbank", &use_log_fbank, "If true, produce log-filterbank, else produce linear.");
  opts->Register("use-power", &use_power, "If true, use power, else use magnitude.");
}

void FbankOptions::Validate() const {
  frame.Validate();
  mel.Validate(frame.samp_freq);
  if (!(energy_floor >= 0.0f)) VOX_ERR << "--energy-floor=" << energy_floor << " must be >= 0";
}

std::string FbankOptions::ToString() const {
  std::ostringstream os;
  os << frame.ToString() << "; " << mel.ToString() << "; FbankOptions: use-energy="
     << use_energy << " energy-floor=" << energy_floor << " raw-energy=" << raw_energy
     << " htk-compat=" << htk_compat << " use-log-fbank=" << use_log_fbank
     << " use-power=" << use_power;
  return os.str();
}

// Validates before any member is built, so bad options fail with the option's name.
static const FrameOptions &ValidatedFrameOptions(const FbankOptions &opts) {
  opts.Validate();
  return opts.frame;
}

FbankComputer::FbankComputer(const FbankOptions &opts)
    : FrameComputer(ValidatedFrameOptions(opts)),
      opts_(opts),
      fft_(opts.frame.PaddedWindowSize()),
      power_(opts.frame.PaddedWindowSize() / 2 + 1),
      log_energy_floor_(opts.energy_floor > 0.0f ? std::log(opts.energy_floor) : 0.0f) {
  GetMelBanks(1.0f);
}

const MelBanks &FbankComputer::GetMelBanks(float vtln_warp) {
  auto it = mel_banks_.find(vtln_warp);
  if (it == mel_banks_.end())
    it = mel_banks_.emplace(vtln_warp, std::make_unique<MelBanks>(opts_.mel, opts_.frame,
                                                                  vtln_warp)).first;
  return *it->second;
}

void FbankComputer::ComputeFrame(float raw_log_energy, float vtln_warp, float *feature) {
  const MelBanks &banks = GetMelBanks(vtln_warp);
  const float eps = std::numeric_limits<float>::epsilon();
  const int32_t n = fft_.Size();
  if (opts_.use_energy && !opts_.raw_energy) {
    const float *x = fft_.Input();
    double energy = 0.0;
    for (int32_t i = 0; i < n; i++) energy += static_cast<double>(x[i]) * x[i];
    raw_log_energy = std::log(std::max(static_cast<float>(energy), eps));
  }
  fft_.ComputePowerSpectrum(power_.data());
  if (!opts_.use_power)
    for (float &p : power_) p = std::sqrt(p);
  const int32_t offset = (opts_.use_energy && !opts_.htk_compat) ? 1 : 0;
  float *mel = feature + offset;
  banks.Compute(power_.data(), mel);
  if (opts_.use_log_fbank)
    for (int32_t b = 0; b < banks.NumBins(); b++) mel[b] = std::log(std::max(mel[b], eps));
  if (opts_.use_energy) {
    if (opts_.energy_floor > 0.0f && raw_log_energy < log_energy_floor_)
      raw_log_energy = log_energy_floor_;
    feature[opts_.htk_compat ? banks.NumBins() : 0] = raw_log_energy;
  }
}

}  // namespace voxtools

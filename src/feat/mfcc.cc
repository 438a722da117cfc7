// src/feat/mfcc.cc
#include "feat/mfcc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "base/log.h"

namespace voxtools {

void MfccOptions::Register(OptionsItf *opts) {
  frame.Register(opts);
  mel.Register(opts);
  opts->Register("num-ceps", &num_ceps, "Number of cepstra in MFCC computation (including C0)");
  opts->Register("use-energy", &use_energy, "Use energy (not C0) in MFCC computation");
  opts->Register("energy-floor", &energy_floor,
                 "Floor on energy (absolute, not relative) in MFCC computation. Only makes a "
                 "difference if --use-energy=true; only necessary if --dither=0.0.  Suggested "
                 "values: 0.1 or 1.0");
  opts->Register("raw-energy", &raw_energy, "If true, compute energy before preemphasis and windowing");
  opts->Register("cepstral-lifter", &cepstral_lifter,
                 "Constant that controls scaling of MFCCs");
  opts->Register("htk-compat", &htk_compat,
                 "If true, put energy or C0 last and use a factor of sqrt(2) on C0.  Warning: "
                 "not sufficient to get HTK compatible features (need to change other "
                 "parameters).");
}

void MfccOptions::Validate() const {
  frame.Validate();
  mel.Validate(frame.samp_freq);
  if (num_ceps < 1 || num_ceps > mel.num_bins)
    VOX_ERR << "--num-ceps=" << num_ceps << " must be in [1, --num-mel-bins=" << mel.num_bins
            << "]";
  if (!(energy_floor >= 0.0f)) VOX_ERR << "--energy-floor=" << energy_floor << " must be >= 0";
  if (!(cepstral_lifter >= 0.0f))
    VOX_ERR << "--cepstral-lifter=" << cepstral_lifter << " must be >= 0";
}

std::string MfccOptions::ToString() const {
  std::ostringstream os;
  os << frame.ToString() << "; " << mel.ToString() << "; MfccOptions: num-ceps=" << num_ceps
     << " use-energy=" << use_energy << " energy-floor=" << energy_floor
     << " raw-energy=" << raw_energy << " cepstral-lifter=" << cepstral_lifter
     << " htk-compat=" << htk_compat;
  return os.str();
}

std::vector<float> DctMatrix(int32_t num_rows, int32_t num_cols) {
  std::vector<float> m(static_cast<size_t>(num_rows) * num_cols);
  const double n = num_cols;
  for (int32_t k = 0; k < num_rows; k++) {
    double norm = k == 0 ? std::sqrt(1.0 / n) : std::sqrt(2.0 / n);
    for (int32_t j = 0; j < num_cols; j++)
      m[k * num_cols + j] = static_cast<float>(norm * std::cos(M_PI / n * (j + 0.5) * k));
  }
  return m;
}

static const FrameOptions &ValidatedFrameOptions(const MfccOptions &opts) {
  opts.Validate();
  return opts.frame;
}

MfccComputer::MfccComputer(const MfccOptions &opts)
    : FrameComputer(ValidatedFrameOptions(opts)),
      opts_(opts),
      fft_(opts.frame.PaddedWindowSize()),
      power_(opts.frame.PaddedWindowSize() / 2 + 1),
      mel_energies_(opts.mel.num_bins),
      dct_(DctMatrix(opts.num_ceps, opts.mel.num_bins)),
      lifter_(opts.num_ceps, 1.0f),
      log_energy_floor_(opts.energy_floor > 0.0f ? std::log(opts.energy_floor) : 0.0f) {
  if (opts.cepstral_lifter != 0.0f) {
    const double q = opts.cepstral_lifter;
    for (int32_t i = 0; i < opts.num_ceps; i++)
      lifter_[i] = static_cast<float>(1.0 + 0.5 * q * std::sin(M_PI * i / q));
  }
  GetMelBanks(1.0f);
}

const MelBanks &MfccComputer::GetMelBanks(float vtln_warp) {
  auto it = mel_banks_.find(vtln_warp);
  if (it == mel_banks_.end())
    it = mel_banks_.emplace(vtln_warp, std::make_unique<MelBanks>(opts_.mel, opts_.frame,
                                                                  vtln_warp)).first;
  return *it->second;
}

void MfccComputer::ComputeFrame(float raw_log_energy, float vtln_warp, float *feature) {
  const MelBanks &banks = GetMelBanks(vtln_warp);
  const float eps = std::numeric_limits<float>::epsilon();
  if (opts_.use_energy && !opts_.raw_energy) {
    const float *x = fft_.Input();
    double energy = 0.0;
    for (int32_t i = 0; i < fft_.Size(); i++) energy += static_cast<double>(x[i]) * x[i];
    raw_log_energy = std::log(std::max(static_cast<float>(energy), eps));
  }
  fft_.ComputePowerSpectrum(power_.data());
  banks.Compute(power_.data(), mel_energies_.data());
  const int32_t num_bins = banks.NumBins(), num_ceps = opts_.num_ceps;
  for (float &e : mel_energies_) e = std::log(std::max(e, eps));
  for (int32_t k = 0; k < num_ceps; k++) {
    const float *row = dct_.data() + static_cast<size_t>(k) * num_bins;
    float sum = 0.0f;
    for (int32_t j = 0; j < num_bins; j++) sum += row[j] * mel_energies_[j];
    feature[k] = sum * lifter_[k];
  }
  if (opts_.use_energy) {
    if (opts_.energy_floor > 0.0f && raw_log_energy < log_energy_floor_)
      raw_log_energy = log_energy_floor_;
    feature[0] = raw_log_energy;
  }
  if (opts_.htk_compat) {
    // HTK order: C1..C(n-1) then C0 (or energy); HTK's C0 lacks the DCT's sqrt(1/N)
    // normalisation relative to the others, hence sqrt(2) on C0.
    float c0 = feature[0];
    for (int32_t k = 0; k + 1 < num_ceps; k++) feature[k] = feature[k + 1];
    if (!opts_.use_energy) c0 *= static_cast<float>(M_SQRT2);
    feature[num_ceps - 1] = c0;
  }
}

}  // namespace voxtools

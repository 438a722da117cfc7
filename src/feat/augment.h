// src/feat/augment.h
// Data augmentation of utterances for embedding training, as the x-vector recipe (Snyder et
// al., ICASSP 2018; Kaldi egs/voxceleb/v2) and WeSpeaker do it, made deterministic per
// utterance so that a result depends on (--seed, key) only, not on order, splitting or
// threads. Used by augment-wav (to write augmented copies) and, on the fly, by training.
//
// Per utterance, in this order (each draw from one random stream seeded by --seed and key):
//   1. speed perturbation (if --speeds is given): one factor drawn uniformly from the list,
//      as WeSpeaker's speed_perturb picks among 0.9/1.0/1.1; tempo and pitch change
//      (sox `speed`), length becomes n / factor. Trainers treat each non-1 factor as new
//      speakers (AugmentResult::speed says which).
//   2. with probability --aug-prob, exactly one of the augmentation types whose list is
//      non-empty, drawn uniformly (Kaldi combines its reverb/noise/music/babble copies in
//      equal shares; WeSpeaker draws reverb or noise):
//        reverb  a RIR from --rir-scp, normalised to unit energy and aligned on its direct
//                path (augment-ops.h: length and timing kept);
//        noise   one file from --noise-scp at an SNR drawn from --noise-snr (default 0:15 dB);
//        music   one file from --music-scp at --music-snr (5:15 dB);
//        babble  N files from --speech-scp, N drawn from --babble-speakers (3:7), each at
//                its own SNR from --babble-snr (13:20 dB) against the clean utterance,
//                as Kaldi's augment_data_dir.py --bg-snrs does (so the babble as a whole is
//                louder than any one talker).
//      Noise shorter than the utterance is repeated from its start; longer noise is cropped
//      at a random offset. SNR = 10 log10(P(utterance) / P(scaled noise)) with P the mean
//      square over the utterance (the speed-perturbed one), as WeSpeaker computes it.
//   3. gain (if --gain-db=lo:hi is given): a gain drawn uniformly from the range.
// Ranges are given as "lo:hi" (uniform, continuous; "5:5" is a fixed value). The noise,
// music, speech and RIR files must be at the utterance's sample rate: another rate is an
// Error naming the file and both rates (resample the lists first, e.g. with wav-to-h5
// --sample-rate), never silently.
#ifndef VOXTOOLS_FEAT_AUGMENT_H_
#define VOXTOOLS_FEAT_AUGMENT_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/options-itf.h"
#include "matrix/matrix.h"

namespace voxtools {

struct AugmentOptions {
  // Kaldi wav.scp lists (as egs/voxceleb/v2's make_musan.sh writes data/musan_*/wav.scp).
  // The Augmenter does not read them: whoever builds its AugmentSources does (augment-wav).
  std::string rir_scp, noise_scp, music_scp, speech_scp;
  float aug_prob = 0.6f;  // WeSpeaker's default
  std::string noise_snr = "0:15";   // Kaldi's --fg-snrs 15:10:5:0, as a range
  std::string music_snr = "5:15";   // --bg-snrs 15:10:8:5
  std::string babble_snr = "13:20";  // --bg-snrs 20:17:15:13
  std::string babble_speakers = "3:7";  // --num-bg-noises 3:4:5:6:7
  std::string speeds;   // e.g. "0.9,1.0,1.1"; "" = no speed perturbation
  std::string gain_db;  // e.g. "-6:6"; "" = no gain change
  int32_t seed = 0;

  void Register(OptionsItf *opts);
  // Throws Error naming the option, its value and what is allowed.
  void Validate() const;
  std::string ToString() const;
};

// The four lists augmentation draws from.
enum class AugmentList { kRir = 0, kNoise = 1, kMusic = 2, kSpeech = 3 };
constexpr int kNumAugmentLists = 4;
// "rir", "noise", "music", "speech".
const char *AugmentListName(AugmentList list);

// Where the RIRs and noises come from. The library cannot read audio files (feat does not
// depend on io), so a tool implements this over its wav.scp lists; InMemoryAugmentSources
// serves tests and trainers that keep the lists in memory. Load may be called from several
// threads at once when one Augmenter serves several threads.
class AugmentSources {
 public:
  virtual ~AugmentSources() = default;
  virtual int64_t Size(AugmentList list) const = 0;
  // The item's key (as written by --write-augmentation).
  virtual const std::string &Key(AugmentList list, int64_t index) const = 0;
  // The item's audio (rows are channels; the Augmenter uses channel 0) and its rate in Hz.
  // Throws Error naming the item when it cannot be read.
  virtual void Load(AugmentList list, int64_t index, Matrix<float> *audio,
                    float *rate_hz) const = 0;
};

class InMemoryAugmentSources : public AugmentSources {
 public:
  void Add(AugmentList list, const std::string &key, float rate_hz, const Matrix<float> &audio);
  int64_t Size(AugmentList list) const override;
  const std::string &Key(AugmentList list, int64_t index) const override;
  void Load(AugmentList list, int64_t index, Matrix<float> *audio,
            float *rate_hz) const override;

 private:
  struct Item {
    std::string key;
    float rate_hz;
    Matrix<float> audio;
  };
  std::array<std::vector<Item>, kNumAugmentLists> items_;
};

enum class AugmentType { kNone, kReverb, kNoise, kMusic, kBabble };
// "none", "reverb", "noise", "music", "babble".
const char *AugmentTypeName(AugmentType type);

// What was done to one utterance.
struct AugmentResult {
  float speed = 1.0f;
  AugmentType type = AugmentType::kNone;
  std::vector<std::string> sources;  // the RIR or noise keys used
  std::vector<float> snrs_db;        // one per noise source (none for reverb)
  float gain_db = 0.0f;
  // One whitespace-free token (a TokenHolder table entry), e.g.
  // "speed=1.1;type=babble;source=s1+s7+s2;snr=13.20+17.91+15.05;gain=0.00".
  std::string ToString() const;
};

class Augmenter {
 public:
  // Validates and parses the options. `sources` must outlive the Augmenter. Throws Error if
  // --aug-prob > 0 but every list is empty, or if an option is invalid.
  Augmenter(const AugmentOptions &opts, const AugmentSources *sources);

  // Augments the mono utterance `wave` (1 x num_samples, rate_hz) in place; its length
  // changes only by speed perturbation. Deterministic in (--seed, key); const, so one
  // Augmenter may serve several threads. Throws Error (naming the noise/RIR item) if a
  // source cannot be read, is at another sample rate, or holds non-finite samples; *wave
  // is then unspecified.
  void Augment(const std::string &key, float rate_hz, Matrix<float> *wave,
               AugmentResult *result) const;

 private:
  // Loads one source item as channel 0, checking rate and finiteness.
  std::vector<float> LoadSource(AugmentList list, int64_t index, float rate_hz) const;

  AugmentOptions opts_;
  const AugmentSources *sources_;
  std::vector<AugmentType> types_;  // the types whose list is non-empty
  std::pair<float, float> noise_snr_, music_snr_, babble_snr_, gain_db_;
  std::pair<int32_t, int32_t> babble_speakers_;
  std::vector<float> speeds_;
  bool use_gain_ = false;
};

}  // namespace voxtools

#endif  // VOXTOOLS_FEAT_AUGMENT_H_

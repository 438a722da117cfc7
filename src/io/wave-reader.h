// src/io/wave-reader.h
// The audio input every tool shares: a wav rspecifier, optionally cut by a Kaldi segments
// file, with channel selection and a sample-rate check, yielding (key, WaveData) one at a
// time.
//
//   WaveReaderOptions opts;                 // --segments, --channel, --sample-rate
//   opts.Register(&po);  ...  opts.Validate();
//   WaveReader reader(po.GetArg(1), opts);  // e.g. "scp:data/train/wav.scp"
//   std::string key, error;
//   WaveData wave;
//   while (reader.Next(&key, &wave, &error)) {
//     if (!error.empty()) { VOX_WARN << error; num_errors++; continue; }
//     ...
//   }
//
// Inputs:
//   scp:wav.scp   lines "utt path", "utt path:offset" (into a wav archive) or "utt cmd |".
//                 Each entry is opened on its own, so a missing file, a failing command or
//                 bad audio is an error for that key only.
//   ark:...       a wav archive. A read error here means the archive itself is damaged: it
//                 throws Error (the tool stops).
//   h5:file.h5    an HDF5 file of audio datasets, read with ReadH5Wave (wave-h5.h) (so float32
//                 datasets from wav-to-h5 --format=float32 come back on the int16 scale); a
//                 dataset that is not audio is an error for that key.
//   --segments=f  lines "utt reco start end [channel]" (seconds; end -1 = to the end of the
//                 recording). Keys are the segment ids, in the file's order. Recordings are
//                 read once per run of consecutive segments (sort the file by recording, as
//                 Kaldi's extract-segments data dirs are). start/end become samples by
//                 truncation, as Kaldi's extract-segments. An end beyond the recording by
//                 less than 0.1 s is clipped to it; by more, or a segment of no samples, is an
//                 error for that segment. A malformed line is an Error at construction.
// Channels (--channel): -2 keeps every channel; -1 (default) gives mono audio as it is and
// channel 0 of multi-channel audio with a WARNING (Kaldi's compute-fbank-feats); N >= 0 takes
// channel N, and audio with fewer channels is an error for that key. A segments line's own
// channel field overrides --channel for that segment.
// Sample rate (--sample-rate=R): the audio comes out at R Hz (0: at whatever rate it has).
// Audio at another rate is resampled when the tool gave the reader a Resampler (tools that
// link feat pass ResampleSoxr from feat/resample.h: io cannot call feat itself), and is an
// error for that key naming both rates otherwise. Never silently: a tool either resamples
// because the user asked for a rate, or refuses. With --segments a recording is resampled
// once, before it is cut (no edge effects at segment boundaries).
#ifndef VOXTOOLS_IO_WAVE_READER_H_
#define VOXTOOLS_IO_WAVE_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/options-itf.h"
#include "io/wave.h"

namespace voxtools {

class H5File;

struct WaveReaderOptions {
  std::string segments;     // a segments rxfilename; "" = whole recordings
  int32_t channel = -1;     // -2 all, -1 mono / channel 0 with a warning, N >= 0 channel N
  float sample_rate = 0.0f;  // Hz of the output audio; 0 = as read

  void Register(OptionsItf *opts);
  // Throws Error naming the option, its value and the allowed range.
  void Validate() const;
  std::string ToString() const;
};

// Resamples `in` (rows are channels) from rate_in_hz to rate_out_hz into *out; throws
// Error on failure. ResampleSoxr (feat/resample.h) has this signature.
using WaveResampler = std::function<void(const Matrix<float> &in, double rate_in_hz,
                                         double rate_out_hz, Matrix<float> *out)>;

class WaveReader {
 public:
  // Opens the table and reads the segments file. Throws Error naming the rspecifier or the
  // segments file (and line) if either cannot be used. `resampler` (may be empty) brings
  // audio to --sample-rate; without one, audio at another rate is a per-key error.
  WaveReader(const std::string &wav_rspecifier, const WaveReaderOptions &opts,
             WaveResampler resampler = WaveResampler());
  ~WaveReader();
  WaveReader(const WaveReader &) = delete;
  WaveReader &operator=(const WaveReader &) = delete;

  // Moves to the next item; false when there are none left. Otherwise *key is the item's
  // key and either *wave holds its audio and *error is empty, or *wave is cleared and
  // *error says (naming the key) why this item cannot be used. Throws Error only when the
  // input as a whole is broken (a damaged archive).
  bool Next(std::string *key, WaveData *wave, std::string *error);

  // How many items Next() will yield (for progress), or 0 if not known in advance (archives).
  int64_t NumItems() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_IO_WAVE_READER_H_

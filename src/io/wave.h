// src/io/wave.h
// Audio as the tools see it: samples per channel, on the 16-bit integer scale as Kaldi keeps
// them (a full-scale float file reads as +-32768), and a sample rate.
//
// Reading goes through libsndfile, so everything it reads works: WAV PCM 8/16/24/32-bit and
// float, FLAC, Ogg/Vorbis, ... A stream is read whole into memory and handed to libsndfile's
// virtual I/O, so the same code reads a file, a pipe from a wav.scp command, and an entry of
// a wav archive. Writing is 16-bit PCM WAV with the 44-byte header Kaldi writes.
#ifndef VOXTOOLS_IO_WAVE_H_
#define VOXTOOLS_IO_WAVE_H_

#include <istream>
#include <ostream>
#include <string>

#include "matrix/matrix.h"

namespace voxtools {

class WaveData {
 public:
  WaveData() = default;
  WaveData(float samp_freq, const Matrix<float> &data) : samp_freq_(samp_freq), data_(data) {}

  // Reads one audio file from the stream. A RIFF/RF64 WAV is read exactly to its end (its
  // header gives the length), so this works inside an archive; other formats (FLAC, Ogg)
  // read to the end of the stream, so they work only where the stream holds one object (a
  // file, a pipe, an scp entry). Throws Error on an empty, truncated or non-audio stream.
  void Read(std::istream &is);
  // 16-bit PCM WAV, samples rounded and clipped to int16 (a clip logs a WARNING once).
  void Write(std::ostream &os) const;

  // Rows are channels, columns are samples.
  const Matrix<float> &Data() const { return data_; }
  Matrix<float> &Data() { return data_; }
  float SampFreq() const { return samp_freq_; }
  double Duration() const { return samp_freq_ > 0 ? data_.NumCols() / double(samp_freq_) : 0.0; }
  int32_t NumChannels() const { return static_cast<int32_t>(data_.NumRows()); }

 private:
  float samp_freq_ = 0.0f;
  Matrix<float> data_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_IO_WAVE_H_

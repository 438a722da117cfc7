// src/io/wave-h5.cc
#include "io/wave-h5.h"

#include <cmath>
#include <vector>

#include "base/log.h"

namespace voxtools {

int64_t WriteH5Wave(H5File *file, const std::string &key, const WaveData &wave,
                    WaveSampleFormat format) {
  const Matrix<float> &m = wave.Data();
  std::vector<int64_t> shape = {m.NumRows(), m.NumCols()};
  if (m.NumRows() <= 1) shape = {m.NumCols()};
  int64_t num_clipped = 0;
  if (format == WaveSampleFormat::kInt16) {
    std::vector<int16_t> samples(m.NumElements());
    for (int64_t i = 0; i < m.NumElements(); i++) {
      float v = std::nearbyint(m.Data()[i]);
      if (v > 32767.0f || v < -32768.0f) {
        num_clipped++;
        v = v > 0 ? 32767.0f : -32768.0f;
      }
      samples[i] = static_cast<int16_t>(v);
    }
    file->Write(key, shape, samples.data());
    file->SetAttribute(key, "full_scale", 32768.0);
  } else {
    std::vector<float> samples(m.NumElements());
    // A power of two: the division is exact, so int16 input round-trips exactly.
    for (int64_t i = 0; i < m.NumElements(); i++) samples[i] = m.Data()[i] / 32768.0f;
    file->Write(key, shape, samples.data());
    file->SetAttribute(key, "full_scale", 1.0);
  }
  file->SetAttribute(key, "sample_rate", static_cast<double>(wave.SampFreq()));
  return num_clipped;
}

WaveData ReadH5Wave(const H5File &file, const std::string &key, double default_rate) {
  H5DatasetInfo info = file.Info(key);
  if (info.shape.size() != 1 && info.shape.size() != 2)
    VOX_ERR << "rank " << info.shape.size() << " is not audio ([samples] or [channels, samples])";
  double rate = default_rate;
  if (!file.GetAttribute(key, "sample_rate", &rate)) file.GetAttribute("", "sample_rate", &rate);
  if (!(rate > 0)) VOX_ERR << "no sample_rate attribute";
  // Integer samples are on the int16 scale; floats, as torchaudio and soundfile write them,
  // in [-1, 1).
  double full_scale = info.type == H5Type::kInt16 || info.type == H5Type::kInt32 ? 32768.0 : 1.0;
  file.GetAttribute(key, "full_scale", &full_scale);
  if (!(full_scale > 0)) VOX_ERR << "attribute full_scale is " << full_scale;
  std::vector<int64_t> shape;
  std::vector<float> data;
  file.Read(key, &shape, &data);
  const int64_t channels = shape.size() == 1 ? 1 : shape[0], samples = shape.back();
  if (channels * samples == 0) VOX_ERR << "no samples";
  Matrix<float> m(channels, samples);
  const float scale = static_cast<float>(32768.0 / full_scale);
  for (int64_t i = 0; i < m.NumElements(); i++) {
    float v = data[i] * scale;
    if (!std::isfinite(v)) VOX_ERR << "sample " << i << " is " << data[i];
    m.Data()[i] = v;
  }
  return WaveData(static_cast<float>(rate), m);
}

}  // namespace voxtools

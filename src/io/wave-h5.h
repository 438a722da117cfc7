// src/io/wave-h5.h
// Audio as HDF5 datasets, the one mapping that wav-to-h5, h5-to-wav, the h5: wave table
// (WaveHolder) and WaveReader share:
//   - shape [samples] for mono, [channels, samples] otherwise;
//   - int16 samples (full scale 32768), or float32 samples / 32768 in [-1, 1) as torchaudio
//     and soundfile give them; attribute full_scale says which (32768 or 1.0);
//   - attribute sample_rate (Hz) on the dataset (readers fall back to the root's).
#ifndef VOXTOOLS_IO_WAVE_H5_H_
#define VOXTOOLS_IO_WAVE_H5_H_

#include <cstdint>
#include <string>

#include "io/h5-file.h"
#include "io/wave.h"

namespace voxtools {

enum class WaveSampleFormat { kInt16, kFloat32 };

// Writes `wave` as dataset `key`. For int16, samples are rounded and clipped to the int16
// range; returns how many were clipped (0 for float32).
int64_t WriteH5Wave(H5File *file, const std::string &key, const WaveData &wave,
                    WaveSampleFormat format);

// Reads dataset `key` as audio on the int16 scale: integer datasets hold the samples, float
// datasets are in [-1, 1) unless attribute full_scale says otherwise. The rate is the
// dataset's sample_rate attribute, else the root's, else `default_rate`. Throws Error with
// the reason (the caller names the key and file): wrong rank, no rate, no samples, NaN/Inf.
WaveData ReadH5Wave(const H5File &file, const std::string &key, double default_rate = 0.0);

}  // namespace voxtools

#endif  // VOXTOOLS_IO_WAVE_H5_H_

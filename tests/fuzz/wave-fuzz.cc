// tests/fuzz/wave-fuzz.cc
// libFuzzer target for the audio reader (WaveData::Read: our RIFF/RF64 framing, then
// libsndfile over the bytes in memory). The bytes are read as one file and as a stream of
// files (an archive's values). A read may only succeed or throw Error; what succeeds must
// hold finite samples and survive Write + Read with the same shape and rate.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "base/log.h"
#include "io/wave.h"

namespace {

void CheckRoundTrip(const voxtools::WaveData &w) {
  const voxtools::Matrix<float> &m = w.Data();
  if (w.NumChannels() <= 0 || m.NumCols() <= 0 || !(w.SampFreq() > 0)) std::abort();
  for (int64_t i = 0; i < m.NumElements(); i++)
    if (!std::isfinite(m.Data()[i])) std::abort();
  // Rates a 16-bit WAV cannot hold (fractions are impossible here: libsndfile gives ints).
  std::stringstream ss;
  try {
    w.Write(ss);
  } catch (const voxtools::Error &) {
    return;  // e.g. more than 4 GB of samples or 65535 channels: refused, fine
  }
  voxtools::WaveData back;
  back.Read(ss);  // must not throw: we wrote it
  if (back.NumChannels() != w.NumChannels() || back.Data().NumCols() != m.NumCols() ||
      back.SampFreq() != w.SampFreq())
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  voxtools::SetProgramName("wave-fuzz");
  std::string bytes(reinterpret_cast<const char *>(data), size);
  std::istringstream is(bytes);
  for (int i = 0; i < 4 && is.peek() != EOF; i++) {
    voxtools::WaveData w;
    try {
      w.Read(is);
    } catch (const voxtools::Error &) {
      break;
    }
    CheckRoundTrip(w);
  }
  return 0;
}

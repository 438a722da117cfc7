// tests/fuzz/safetensors-fuzz.cc
// libFuzzer target for the safetensors reader, called directly and through the format
// detection of ReadCheckpointFromMemory. It may only succeed or throw Error; what it
// returns must be self-consistent (one float per element).
#include <cstdint>
#include <cstdlib>

#include "base/log.h"
#include "io/checkpoint.h"
#include "io/safetensors.h"

namespace {

void CheckConsistent(const voxtools::Checkpoint &c) {
  for (const voxtools::CheckpointTensor &t : c.tensors)
    if (static_cast<int64_t>(t.data.size()) != t.NumElements()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try {
    voxtools::Checkpoint c;
    voxtools::ReadSafetensors(data, size, "fuzz.safetensors", &c);
    CheckConsistent(c);
  } catch (const voxtools::Error &) {
  }
  try {
    CheckConsistent(voxtools::ReadCheckpointFromMemory(data, size, "fuzz"));
  } catch (const voxtools::Error &) {
  }
  return 0;
}

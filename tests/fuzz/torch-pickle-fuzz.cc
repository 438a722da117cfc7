// tests/fuzz/torch-pickle-fuzz.cc
// libFuzzer target for the restricted unpickler and the torch.save ZIP loader. An input is
// tried three ways: as a raw pickle; as a ZIP whose first stored entry (data.pkl in a
// torch file) is unpickled straight from its local header, so that the fuzzer can mutate
// the pickle inside a fixture seed even when -max_len cuts the seed's tensor data; whole,
// through ReadCheckpointFromMemory; and after the legacy torch.save magic pickle, so that
// the legacy loader sees arbitrary data without the fuzzer having to find the 15-byte
// magic. Each may only succeed or throw Error.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "base/log.h"
#include "io/checkpoint.h"
#include "io/torch-pickle.h"

namespace {

void Unpickle(const uint8_t *data, size_t size) {
  try {
    voxtools::TorchPickle p = voxtools::ParseTorchPickle(data, size, "fuzz.pkl");
    voxtools::PickleToJson(p.root, p).ToString();
    for (const auto &e : p.root.entries)
      if (e.second.type == voxtools::PickleValue::Type::kTensor &&
          e.second.tensor.storage >= p.storages.size())
        std::abort();  // a tensor naming a storage that does not exist
  } catch (const voxtools::Error &) {
  }
}

void ReadWhole(const uint8_t *data, size_t size) {
  try {
    voxtools::Checkpoint c = voxtools::ReadCheckpointFromMemory(data, size, "fuzz.pt");
    for (const voxtools::CheckpointTensor &t : c.tensors)
      if (static_cast<int64_t>(t.data.size()) != t.NumElements()) std::abort();
  } catch (const voxtools::Error &) {
  }
}

uint32_t Le(const uint8_t *p, int n) {
  uint32_t v = 0;
  for (int k = n - 1; k >= 0; k--) v = (v << 8) | p[k];
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Unpickle(data, size);
  if (size >= 30 && Le(data, 4) == 0x04034b50 && Le(data + 8, 2) == 0) {
    size_t start = 30 + Le(data + 26, 2) + Le(data + 28, 2);
    size_t n = Le(data + 18, 4);
    if (start <= size && n <= size - start) Unpickle(data + start, n);
  }
  ReadWhole(data, size);
  static const uint8_t kLegacyMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                         0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'};
  std::vector<uint8_t> legacy(kLegacyMagic, kLegacyMagic + sizeof(kLegacyMagic));
  legacy.insert(legacy.end(), data, data + size);
  ReadWhole(legacy.data(), legacy.size());
  return 0;
}

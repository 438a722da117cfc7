// tests/fuzz/json-fuzz.cc
// libFuzzer target for the JSON reader (config.json, safetensors headers). Parsing may only
// succeed or throw Error. What parses must survive a write and re-read unchanged, compact
// and pretty-printed.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/log.h"
#include "io/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  voxtools::JsonValue v;
  try {
    v = voxtools::ParseJson(reinterpret_cast<const char *>(data), size, "fuzz.json");
  } catch (const voxtools::Error &) {
    return 0;
  }
  const std::string compact = v.ToString();
  for (int indent : {-1, 1}) {
    voxtools::JsonValue back;
    try {
      back = voxtools::ParseJson(v.ToString(indent), "written.json");
    } catch (const voxtools::Error &) {
      std::abort();  // we wrote something we cannot read
    }
    if (back.ToString() != compact) std::abort();
  }
  return 0;
}

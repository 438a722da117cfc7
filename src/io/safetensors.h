// src/io/safetensors.h
// Reader for Hugging Face's safetensors format (github.com/huggingface/safetensors, README
// "Format"): an 8-byte little-endian header length N, N bytes of JSON header, then the raw
// little-endian tensor data. The header maps each tensor name to
// {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]} (offsets relative to the
// end of the header), plus an optional "__metadata__" object of string values.
//
// Checks (the format's own rules, so that a corrupt or hostile file fails with a message
// rather than reading out of bounds): N fits the file and is at most 100 MB (the reference
// implementation's limit); begin <= end <= data size; end - begin equals the element count
// times the element size (element counts overflow-checked); names are unique.
// Supported dtypes: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL; others (F8_*, U16, U32, U64)
// are refused, naming the tensor.
#ifndef VOXTOOLS_IO_SAFETENSORS_H_
#define VOXTOOLS_IO_SAFETENSORS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "io/checkpoint.h"

namespace voxtools {

constexpr uint64_t kMaxSafetensorsHeader = 100000000;

// True if the bytes look like a safetensors file: a plausible header length followed by '{'.
bool LooksLikeSafetensors(const uint8_t *data, size_t size);

// Appends every tensor of the file (header order) to *out, converted to float32, and sets
// out->metadata["__metadata__"] when the header has one. `what` names the file in errors.
// Throws Error on a malformed header, an unsupported dtype, a size mismatch or a name
// already in *out.
void ReadSafetensors(const uint8_t *data, size_t size, const std::string &what,
                     Checkpoint *out);

}  // namespace voxtools

#endif  // VOXTOOLS_IO_SAFETENSORS_H_

// src/io/safetensors.cc
#include "io/safetensors.h"

#include <cstring>

#include "base/log.h"
#include "io/json.h"

namespace voxtools {

namespace {

uint64_t Le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int k = 7; k >= 0; k--) v = (v << 8) | p[k];
  return v;
}

bool ParseDType(const std::string &s, TensorDType *dtype) {
  static const struct {
    const char *name;
    TensorDType dtype;
  } kNames[] = {
      {"F64", TensorDType::kFloat64}, {"F32", TensorDType::kFloat32},
      {"F16", TensorDType::kFloat16}, {"BF16", TensorDType::kBFloat16},
      {"I64", TensorDType::kInt64},   {"I32", TensorDType::kInt32},
      {"I16", TensorDType::kInt16},   {"I8", TensorDType::kInt8},
      {"U8", TensorDType::kUInt8},    {"BOOL", TensorDType::kBool},
  };
  for (const auto &n : kNames) {
    if (s == n.name) {
      *dtype = n.dtype;
      return true;
    }
  }
  return false;
}

}  // namespace

bool LooksLikeSafetensors(const uint8_t *data, size_t size) {
  if (size < 9) return false;
  uint64_t n = Le64(data);
  return n >= 2 && n <= kMaxSafetensorsHeader && n <= size - 8 && data[8] == '{';
}

void ReadSafetensors(const uint8_t *data, size_t size, const std::string &what,
                     Checkpoint *out) {
  if (size < 8) VOX_ERR << what << " is not a safetensors file (" << size << " bytes)";
  uint64_t header_size = Le64(data);
  if (header_size > kMaxSafetensorsHeader || header_size > size - 8)
    VOX_ERR << what << ": safetensors header length " << header_size << " exceeds the file ("
            << size << " bytes; truncated or not safetensors)";
  JsonValue header = ParseJson(reinterpret_cast<const char *>(data + 8), header_size,
                               what + " (safetensors header)");
  if (!header.IsObject()) VOX_ERR << what << ": safetensors header is not a JSON object";
  const uint8_t *base = data + 8 + header_size;
  const uint64_t data_size = size - 8 - header_size;

  for (const auto &member : header.Members()) {
    const std::string &name = member.first;
    const JsonValue &info = member.second;
    if (name == "__metadata__") {
      if (!info.IsObject()) VOX_ERR << what << ": __metadata__ is not an object";
      out->metadata.Set("__metadata__", info);
      continue;
    }
    const JsonValue *dtype_v = info.Find("dtype"), *shape_v = info.Find("shape"),
                    *offsets_v = info.Find("data_offsets");
    if (dtype_v == nullptr || shape_v == nullptr || offsets_v == nullptr ||
        !dtype_v->IsString() || !shape_v->IsArray() || !offsets_v->IsArray() ||
        offsets_v->Items().size() != 2)
      VOX_ERR << what << ": tensor '" << name << "' lacks dtype, shape or data_offsets";
    CheckpointTensor t;
    t.name = name;
    if (!ParseDType(dtype_v->AsString(), &t.dtype))
      VOX_ERR << what << ": tensor '" << name << "' has unsupported dtype "
              << dtype_v->AsString();
    uint64_t numel = 1;
    for (const JsonValue &d : shape_v->Items()) {
      if (!d.IsInt() || d.AsInt() < 0)
        VOX_ERR << what << ": tensor '" << name << "' has a bad shape " << shape_v->ToString();
      t.shape.push_back(d.AsInt());
      if (__builtin_mul_overflow(numel, static_cast<uint64_t>(d.AsInt()), &numel))
        VOX_ERR << what << ": tensor '" << name << "' shape overflows";
    }
    const JsonValue &b = offsets_v->Items()[0], &e = offsets_v->Items()[1];
    if (!b.IsInt() || !e.IsInt() || b.AsInt() < 0 || e.AsInt() < b.AsInt() ||
        static_cast<uint64_t>(e.AsInt()) > data_size)
      VOX_ERR << what << ": tensor '" << name << "' data_offsets " << offsets_v->ToString()
              << " lie outside the " << data_size << " data bytes (truncated?)";
    uint64_t begin = b.AsInt(), nbytes = e.AsInt() - b.AsInt();
    uint64_t expected;
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(DTypeSize(t.dtype)), &expected) ||
        expected != nbytes)
      VOX_ERR << what << ": tensor '" << name << "' of shape " << shape_v->ToString() << " "
              << dtype_v->AsString() << " needs " << numel << " elements but has " << nbytes
              << " bytes";
    // numel * size == nbytes <= data_size, so the allocation is bounded by the file size.
    t.data.resize(numel);
    const uint8_t *src = base + begin;
    const int esize = DTypeSize(t.dtype);
    if (numel == 0) {
      // Nothing to copy (and memcpy from an empty vector's null data() is undefined).
    } else if (t.dtype == TensorDType::kFloat32) {
      std::memcpy(t.data.data(), src, nbytes);  // little-endian host (x86-64, arm64)
    } else {
      for (uint64_t k = 0; k < numel; k++) t.data[k] = ElementToFloat(t.dtype, src + k * esize);
    }
    out->Add(std::move(t));
  }
}

}  // namespace voxtools

// src/io/checkpoint.h
// A format-independent view of a trained model's weights, as imported from other toolkits
// (issue 5): a list of named tensors, each converted to float32, plus the model's
// configuration as a JSON-like tree. No neural-network code is involved; the model builders
// in nnet/ map these names to their modules.
//
// ReadCheckpoint() accepts
//   - a Hugging Face model folder: config.json plus model.safetensors, a sharded
//     model.safetensors.index.json, or pytorch_model.bin;
//   - a .safetensors file;
//   - a torch.save file in the ZIP format (torch >= 1.6) or the legacy format (torch < 1.6,
//     _use_new_zipfile_serialization=False): a bare state dict (torchaudio,
//     pytorch_model.bin), or the unilm/fairseq layout {'cfg': {...}, 'model': state_dict}.
// The pickle inside a torch file is read by a restricted interpreter (torch-pickle.h) that
// never runs code: a checkpoint naming any callable outside a small allowlist is refused.
//
// Which tensors and which config:
//   - safetensors: every tensor; config = null (config.json in a folder), metadata = the
//     header's "__metadata__" object.
//   - torch: if the pickled object is a dict of tensors, that is the state dict. If it is a
//     dict holding such a dict under "model" or "state_dict", the tensors come from there,
//     config is the "cfg" entry (or fairseq's older "args" Namespace), and the other
//     non-tensor entries form the metadata. Tensors anywhere else are not returned.
#ifndef VOXTOOLS_IO_CHECKPOINT_H_
#define VOXTOOLS_IO_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "io/json.h"

namespace voxtools {

// Element types a checkpoint may store. Every one is converted to float32 on reading.
enum class TensorDType {
  kFloat32,
  kFloat64,
  kFloat16,
  kBFloat16,
  kInt64,
  kInt32,
  kInt16,
  kInt8,
  kUInt8,
  kBool,
};

// "float32", "float16", "bfloat16", "int64", "bool", ... (PyTorch's names).
const char *DTypeName(TensorDType dtype);
// Bytes per element.
int DTypeSize(TensorDType dtype);

// One stored little-endian element of type `dtype` at `p`, as float. Integers beyond 2^24
// round to the nearest float (they are counters such as num_batches_tracked, never weights).
float ElementToFloat(TensorDType dtype, const uint8_t *p);
// IEEE half and bfloat16 bit patterns to float (exact: both are subsets of float32).
float HalfToFloat(uint16_t h);
float BFloat16ToFloat(uint16_t b);

struct CheckpointTensor {
  std::string name;            // the state-dict key, e.g. "encoder.layers.0.fc1.weight"
  TensorDType dtype;           // as stored in the file
  std::vector<int64_t> shape;  // empty for a 0-d tensor (one element)
  std::vector<float> data;     // row-major (C order), NumElements() values

  int64_t NumElements() const;
  std::string ShapeString() const;  // "[64, 32]"
};

enum class CheckpointFormat { kSafetensors, kTorchZip, kTorchLegacy };
// "safetensors", "torch-zip", "torch-legacy".
const char *CheckpointFormatName(CheckpointFormat format);

struct Checkpoint {
  CheckpointFormat format = CheckpointFormat::kSafetensors;
  std::string path;  // what was read: the file, or the folder for a Hugging Face model
  // Tensors in file order (safetensors: header order; torch: dict order). Names are unique.
  std::vector<CheckpointTensor> tensors;
  // The model configuration (config.json, unilm 'cfg'); null if the checkpoint has none.
  JsonValue config;
  // Other non-tensor information (safetensors __metadata__, other pickle entries); an object.
  JsonValue metadata = JsonValue::Object();

  // nullptr if absent.
  const CheckpointTensor *Find(const std::string &name) const;
  // Throws Error naming the tensor and the checkpoint if absent.
  const CheckpointTensor &Get(const std::string &name) const;
  // Appends a tensor; throws Error if the name is already there.
  void Add(CheckpointTensor tensor);

 private:
  std::unordered_map<std::string, size_t> index_;
};

// Reads a checkpoint file or Hugging Face model folder (see the top of this file). Throws
// Error naming the file for anything unreadable, corrupt, truncated, unsupported or unsafe.
Checkpoint ReadCheckpoint(const std::string &path);

// The same for a file already in memory; `what` names it in errors. Detects the format
// from the content (ZIP, legacy torch pickle, safetensors).
Checkpoint ReadCheckpointFromMemory(const uint8_t *data, size_t size, const std::string &what);

}  // namespace voxtools

#endif  // VOXTOOLS_IO_CHECKPOINT_H_

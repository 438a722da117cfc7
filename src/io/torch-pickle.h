// src/io/torch-pickle.h
// A restricted reader for the Python pickles inside torch.save files (data.pkl). It is not
// a Python unpickler: it is a small stack machine that understands the opcodes of pickle
// protocols 2 to 5 needed for containers and scalars, and a fixed allowlist of globals,
// each of which it interprets itself. Nothing is ever imported, called or evaluated, so a
// checkpoint cannot run code. Any other global (GLOBAL/STACK_GLOBAL/INST) is refused at
// once with Error "forbidden global 'os.system' in <what>".
//
// The allowlist (what state dicts, Hugging Face pytorch_model.bin and unilm/fairseq
// checkpoints contain):
//   collections.OrderedDict                 REDUCE with () or a list of pairs -> a dict
//   torch._utils._rebuild_tensor_v2         (storage, offset, size, stride, requires_grad,
//                                            backward_hooks[, metadata]) -> a tensor
//   torch._utils._rebuild_tensor            (storage, offset, size, stride) -> a tensor
//   torch._utils._rebuild_parameter         (tensor, requires_grad, hooks) -> that tensor
//   torch._utils._rebuild_parameter_with_state  (tensor, requires_grad, hooks, state)
//   torch.{Float,Half,BFloat16,Double,Long,Int,Short,Char,Byte,Bool}Storage
//                                           only as the type in a persistent id
//                                           ('storage', type, key, location, numel)
//   argparse.Namespace                      NEWOBJ + BUILD -> a dict of its attributes
//   _codecs.encode                          (str, 'latin1') -> bytes (protocol 2 bytes)
// BUILD on a dict (the _metadata attribute torch sets on state dicts) or on a tensor is
// ignored.
//
// Resource bounds: every length is checked against the remaining input before use, memo
// indices go to a hash map (never a vector sized by the index), containers nest at most
// kMaxPickleDepth deep, and the tree built from the pickle is limited in total size so that
// a small pickle reusing memoised objects cannot expand into gigabytes.
#ifndef VOXTOOLS_IO_TORCH_PICKLE_H_
#define VOXTOOLS_IO_TORCH_PICKLE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "io/checkpoint.h"
#include "io/json.h"

namespace voxtools {

constexpr int kMaxPickleDepth = 200;
constexpr int kMaxTensorDims = 16;

// A storage named by a persistent id; its bytes are the ZIP entry "<prefix>/data/<key>".
struct TorchStorageRef {
  std::string key;
  TensorDType dtype = TensorDType::kFloat32;
  std::string location;  // "cpu", "cuda:0", ... (informative only)
  int64_t numel = 0;     // elements, as the pickle states it
};

// A tensor as torch describes it: a strided view into a storage (offset and strides in
// elements). shape and stride have the same length, all entries >= 0; not checked against
// the storage size here (that needs the storage's bytes).
struct TorchTensorRef {
  size_t storage = 0;  // index into TorchPickle::storages
  int64_t offset = 0;
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
};

// The unpickled object tree. Dicts keep insertion order (later duplicates replace the
// value in place, as in Python); an argparse.Namespace becomes a dict of its attributes.
struct PickleValue {
  enum class Type { kNone, kBool, kInt, kFloat, kString, kBytes, kTuple, kList, kDict, kTensor };
  Type type = Type::kNone;
  bool bool_value = false;
  int64_t int_value = 0;
  double float_value = 0.0;
  std::string string_value;  // kString (UTF-8) and kBytes
  std::vector<PickleValue> items;                            // kTuple, kList
  std::vector<std::pair<PickleValue, PickleValue>> entries;  // kDict
  TorchTensorRef tensor;                                     // kTensor

  // For a dict: the value under the string key, or nullptr.
  const PickleValue *Find(const std::string &key) const;
  // True for a non-empty dict whose keys are strings and whose values are all tensors.
  bool IsTensorDict() const;
};

struct TorchPickle {
  PickleValue root;
  std::vector<TorchStorageRef> storages;  // in order of first appearance
};

// Unpickles data[0, size) up to its STOP opcode. `what` names the input in errors (e.g.
// "model.pt:archive/data.pkl"). If `end` is given, it receives the offset just past STOP
// (legacy torch files hold several pickles back to back). Throws Error on anything
// malformed, unsupported or not on the allowlist.
TorchPickle ParseTorchPickle(const uint8_t *data, size_t size, const std::string &what,
                             size_t *end = nullptr);

// A tree of the non-tensor part: None -> null, tuples and lists -> arrays, dicts -> objects
// (non-string keys written as their JSON text), bytes -> a string, and each tensor -> the
// string "<tensor float32 [64, 32]>". Throws Error if a dict key is a container.
JsonValue PickleToJson(const PickleValue &value, const TorchPickle &pickle);

}  // namespace voxtools

#endif  // VOXTOOLS_IO_TORCH_PICKLE_H_

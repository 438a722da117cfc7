// src/io/checkpoint.cc
// Format detection, torch.save ZIP archives (layout: PyTorch's torch/serialization.py,
// _save and _load), Hugging Face model folders, and element conversion.
#include "io/checkpoint.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "base/log.h"
#include "io/safetensors.h"
#include "io/torch-pickle.h"
#include "io/zip-reader.h"

namespace voxtools {

const char *DTypeName(TensorDType dtype) {
  switch (dtype) {
    case TensorDType::kFloat32: return "float32";
    case TensorDType::kFloat64: return "float64";
    case TensorDType::kFloat16: return "float16";
    case TensorDType::kBFloat16: return "bfloat16";
    case TensorDType::kInt64: return "int64";
    case TensorDType::kInt32: return "int32";
    case TensorDType::kInt16: return "int16";
    case TensorDType::kInt8: return "int8";
    case TensorDType::kUInt8: return "uint8";
    case TensorDType::kBool: return "bool";
  }
  return "?";
}

const char *CheckpointFormatName(CheckpointFormat format) {
  switch (format) {
    case CheckpointFormat::kSafetensors: return "safetensors";
    case CheckpointFormat::kTorchZip: return "torch-zip";
    case CheckpointFormat::kTorchLegacy: return "torch-legacy";
  }
  return "?";
}

int DTypeSize(TensorDType dtype) {
  switch (dtype) {
    case TensorDType::kFloat64:
    case TensorDType::kInt64: return 8;
    case TensorDType::kFloat32:
    case TensorDType::kInt32: return 4;
    case TensorDType::kFloat16:
    case TensorDType::kBFloat16:
    case TensorDType::kInt16: return 2;
    case TensorDType::kInt8:
    case TensorDType::kUInt8:
    case TensorDType::kBool: return 1;
  }
  return 1;
}

float HalfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
  uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);  // inf, nan (payload kept)
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalise into float's wider exponent range.
    int e = -1;
    do {
      e++;
      mant <<= 1;
    } while ((mant & 0x400) == 0);
    bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((mant & 0x3FF) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float BFloat16ToFloat(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float ElementToFloat(TensorDType dtype, const uint8_t *p) {
  // Stored little-endian; memcpy to a host integer is exact on little-endian hosts, the
  // only ones voxtools builds for (x86-64, arm64).
  switch (dtype) {
    case TensorDType::kFloat32: {
      float v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case TensorDType::kFloat64: {
      double v;
      std::memcpy(&v, p, 8);
      return static_cast<float>(v);
    }
    case TensorDType::kFloat16: return HalfToFloat(static_cast<uint16_t>(p[0] | (p[1] << 8)));
    case TensorDType::kBFloat16:
      return BFloat16ToFloat(static_cast<uint16_t>(p[0] | (p[1] << 8)));
    case TensorDType::kInt64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return static_cast<float>(v);
    }
    case TensorDType::kInt32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return static_cast<float>(v);
    }
    case TensorDType::kInt16: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return static_cast<float>(v);
    }
    case TensorDType::kInt8: return static_cast<float>(static_cast<int8_t>(p[0]));
    case TensorDType::kUInt8: return static_cast<float>(p[0]);
    case TensorDType::kBool: return p[0] != 0 ? 1.0f : 0.0f;
  }
  return 0.0f;
}

int64_t CheckpointTensor::NumElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string CheckpointTensor::ShapeString() const {
  std::string s = "[";
  for (size_t k = 0; k < shape.size(); k++) s += (k ? ", " : "") + std::to_string(shape[k]);
  return s + "]";
}

const CheckpointTensor *Checkpoint::Find(const std::string &name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors[it->second];
}

const CheckpointTensor &Checkpoint::Get(const std::string &name) const {
  const CheckpointTensor *t = Find(name);
  if (t == nullptr) VOX_ERR << "tensor '" << name << "' not found in " << path;
  return *t;
}

void Checkpoint::Add(CheckpointTensor tensor) {
  if (!index_.emplace(tensor.name, tensors.size()).second)
    VOX_ERR << "tensor '" << tensor.name << "' appears twice in " << path;
  tensors.push_back(std::move(tensor));
}

namespace {

// A read-only mapping of a whole file: checkpoints reach gigabytes, and torch's stored ZIP
// entries can then be converted in place without a copy.
class MappedFile {
 public:
  explicit MappedFile(const std::string &path) {
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) VOX_ERR << "cannot open " << path << ": " << std::strerror(errno);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      VOX_ERR << path << " is not a regular file";
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void *p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        int err = errno;
        close(fd);
        VOX_ERR << "cannot map " << path << ": " << std::strerror(err);
      }
      data_ = static_cast<const uint8_t *>(p);
    }
    close(fd);
  }
  ~MappedFile() {
    if (data_ != nullptr) munmap(const_cast<uint8_t *>(data_), size_);
  }
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  const uint8_t *Data() const { return data_; }
  size_t Size() const { return size_; }

 private:
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
};

bool IsDirectory(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsFile(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Legacy torch.save (torch < 1.6, or _use_new_zipfile_serialization=False) starts with a
// pickled magic number 0x1950a86a20f9469cfc6c: PROTO 2, LONG1 of 10 bytes.
bool LooksLikeLegacyTorch(const uint8_t *data, size_t size) {
  static const uint8_t kMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                   0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
  return size >= sizeof(kMagic) && std::memcmp(data, kMagic, sizeof(kMagic)) == 0;
}

// Copies a strided view of a storage into a row-major float tensor. The caller has checked
// that every addressed element lies inside the storage.
void GatherStrided(const uint8_t *storage, TensorDType dtype, const TorchTensorRef &ref,
                   int64_t numel, float *out) {
  const int esize = DTypeSize(dtype);
  const size_t ndim = ref.shape.size();
  // Contiguous (row-major strides): one linear conversion.
  bool contiguous = true;
  int64_t expected = 1;
  for (size_t k = ndim; k-- > 0;) {
    if (ref.shape[k] != 1 && ref.stride[k] != expected) contiguous = false;
    expected *= ref.shape[k];
  }
  const uint8_t *base = storage + ref.offset * esize;
  if (contiguous) {
    if (dtype == TensorDType::kFloat32) {
      std::memcpy(out, base, static_cast<size_t>(numel) * 4);
    } else {
      for (int64_t i = 0; i < numel; i++) out[i] = ElementToFloat(dtype, base + i * esize);
    }
    return;
  }
  std::vector<int64_t> index(ndim, 0);
  int64_t src = 0;  // element offset from base for the current index
  for (int64_t i = 0; i < numel; i++) {
    out[i] = ElementToFloat(dtype, base + src * esize);
    // Odometer increment over the dims, last fastest.
    for (size_t k = ndim; k-- > 0;) {
      if (++index[k] < ref.shape[k]) {
        src += ref.stride[k];
        break;
      }
      src -= (ref.shape[k] - 1) * ref.stride[k];
      index[k] = 0;
    }
  }
}

// The bytes of storage i of a pickle (an index into TorchPickle::storages), already checked
// to hold exactly that storage's numel elements.
using StorageLookup = std::function<ByteSpan(size_t)>;

// Picks the state dict out of an unpickled torch object (see checkpoint.h), and turns each of
// its tensors into a CheckpointTensor.
class TorchStateBuilder {
 public:
  TorchStateBuilder(const std::string &what, size_t file_size)
      : what_(what),
        // Total elements the tensors may expand to: the file size (every byte an element)
        // plus 64 M for broadcast (stride-0) views, which torch can save but which are
        // never large in a real checkpoint. Bounds what a small hostile file can allocate.
        budget_(static_cast<int64_t>(file_size) + (int64_t{1} << 26)) {}

  void Build(const TorchPickle &pickle, const StorageLookup &lookup, Checkpoint *out) {
    const PickleValue &root = pickle.root;
    const PickleValue *state = nullptr;
    std::string state_key;
    if (root.IsTensorDict()) {
      state = &root;
    } else {
      for (const char *key : {"model", "state_dict"}) {
        const PickleValue *v = root.Find(key);
        if (v != nullptr && v->IsTensorDict()) {
          state = v;
          state_key = key;
          break;
        }
      }
    }
    if (state == nullptr)
      VOX_ERR << what_ << ": no state dict found (expected a dict of tensors, or one under "
              << "'model' or 'state_dict'); the checkpoint holds "
              << PickleToJson(root, pickle).ToString().substr(0, 300);
    if (state != &root) {
      for (const auto &e : root.entries) {
        std::string key = e.first.type == PickleValue::Type::kString
                              ? e.first.string_value
                              : PickleToJson(e.first, pickle).ToString();
        if (key == state_key) continue;
        JsonValue value = PickleToJson(e.second, pickle);
        if (key == "cfg" || (key == "args" && root.Find("cfg") == nullptr))
          out->config = std::move(value);
        else
          out->metadata.Set(key, std::move(value));
      }
    }
    for (const auto &e : state->entries)
      out->Add(Materialize(e.first.string_value, e.second.tensor, pickle, lookup));
  }

 private:
  CheckpointTensor Materialize(const std::string &name, const TorchTensorRef &ref,
                               const TorchPickle &pickle, const StorageLookup &lookup) {
    const TorchStorageRef &storage = pickle.storages.at(ref.storage);
    ByteSpan bytes = lookup(ref.storage);
    CheckpointTensor t;
    t.name = name;
    t.dtype = storage.dtype;
    t.shape = ref.shape;
    int64_t numel = 1, last = ref.offset;  // last: highest element offset addressed
    bool overflow = false;
    for (size_t k = 0; k < ref.shape.size(); k++) {
      overflow |= __builtin_mul_overflow(numel, ref.shape[k], &numel);
      if (ref.shape[k] > 0) {
        int64_t span;
        overflow |= __builtin_mul_overflow(ref.shape[k] - 1, ref.stride[k], &span);
        overflow |= __builtin_add_overflow(last, span, &last);
      }
    }
    if (overflow || (numel > 0 && last >= storage.numel))
      VOX_ERR << what_ << ": tensor '" << name << "' " << t.ShapeString() << " (offset "
              << ref.offset << ") reaches past its storage of " << storage.numel
              << " elements";
    if (numel > budget_)
      VOX_ERR << what_ << ": tensor '" << name << "' " << t.ShapeString()
              << " expands far beyond the file's size (broadcast view?); refusing";
    budget_ -= numel;
    t.data.resize(numel);
    if (numel > 0) GatherStrided(bytes.data, storage.dtype, ref, numel, t.data.data());
    return t;
  }

  std::string what_;
  int64_t budget_;
};

void CheckStorageSize(const TorchStorageRef &storage, uint64_t nbytes, const std::string &what,
                      const std::string &where) {
  const uint64_t esize = DTypeSize(storage.dtype);
  if (nbytes % esize != 0 || nbytes / esize != static_cast<uint64_t>(storage.numel))
    VOX_ERR << what << ": storage " << where << " has " << nbytes << " bytes, expected "
            << storage.numel << " " << DTypeName(storage.dtype) << " elements";
}

// torch >= 1.6: a ZIP with <prefix>/data.pkl and one stored entry <prefix>/data/<key> per
// storage (torch/serialization.py, _save).
void LoadTorchZip(const uint8_t *data, size_t size, const std::string &what, Checkpoint *out) {
  ZipReader zip(data, size, what);
  const ZipEntry *pkl = nullptr;
  std::string prefix;
  for (const ZipEntry &e : zip.Entries()) {
    size_t slash = e.name.find('/');
    if (slash != std::string::npos &&
        e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      if (pkl != nullptr) VOX_ERR << what << ": more than one data.pkl in the ZIP archive";
      pkl = &e;
      prefix = e.name.substr(0, slash);
    }
  }
  if (pkl == nullptr)
    VOX_ERR << what << ": ZIP archive without <name>/data.pkl (not a torch.save file)";
  if (const ZipEntry *bo = zip.Find(prefix + "/byteorder")) {
    ByteSpan b = zip.Read(*bo);
    if (std::string(reinterpret_cast<const char *>(b.data), b.size) != "little")
      VOX_ERR << what << ": tensors saved big-endian are not supported";
  }
  ByteSpan p = zip.Read(*pkl);
  TorchPickle pickle = ParseTorchPickle(p.data, p.size, what + ":" + pkl->name);
  // Each storage is read (and its CRC checked) once, however many tensors view it.
  std::vector<ByteSpan> spans(pickle.storages.size());
  std::vector<bool> have(pickle.storages.size(), false);
  StorageLookup lookup = [&](size_t i) {
    if (!have[i]) {
      const std::string name = prefix + "/data/" + pickle.storages[i].key;
      const ZipEntry *entry = zip.Find(name);
      if (entry == nullptr) VOX_ERR << what << ": storage " << name << " is missing";
      spans[i] = zip.Read(*entry);
      CheckStorageSize(pickle.storages[i], spans[i].size, what, name);
      have[i] = true;
    }
    return spans[i];
  };
  out->format = CheckpointFormat::kTorchZip;
  TorchStateBuilder(what, size).Build(pickle, lookup, out);
}

// torch < 1.6 or _use_new_zipfile_serialization=False (torch/serialization.py, _legacy_save):
// pickles of the magic number, the protocol version (1001) and sys_info, then the object,
// then the sorted list of storage keys; then per key an int64 element count and the raw
// elements.
void LoadTorchLegacy(const uint8_t *data, size_t size, const std::string &what,
                     Checkpoint *out) {
  // The magic number is a 10-byte LONG1, which the int64-only unpickler refuses: skip it.
  const size_t kMagicPickleSize = 15;
  if (size < kMagicPickleSize || data[kMagicPickleSize - 1] != '.')
    VOX_ERR << what << ": bad legacy torch.save header";
  size_t pos = kMagicPickleSize, end = 0;
  auto next = [&](const char *part) {
    TorchPickle p = ParseTorchPickle(data + pos, size - pos, what + " (" + part + ")", &end);
    pos += end;
    return p;
  };
  TorchPickle version = next("protocol version");
  if (version.root.type != PickleValue::Type::kInt || version.root.int_value != 1001)
    VOX_ERR << what << ": unsupported legacy torch.save protocol version";
  TorchPickle sys_info = next("sys_info");
  const PickleValue *little = sys_info.root.Find("little_endian");
  if (little != nullptr && !(little->type == PickleValue::Type::kBool && little->bool_value))
    VOX_ERR << what << ": tensors saved big-endian are not supported";
  TorchPickle pickle = next("object");
  TorchPickle keys = next("storage keys");
  if (keys.root.type != PickleValue::Type::kList)
    VOX_ERR << what << ": legacy storage key list is missing";
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < pickle.storages.size(); i++) index[pickle.storages[i].key] = i;
  std::vector<ByteSpan> spans(pickle.storages.size());
  std::vector<bool> have(pickle.storages.size(), false);
  for (const PickleValue &key : keys.root.items) {
    auto it = key.type == PickleValue::Type::kString ? index.find(key.string_value) : index.end();
    if (it == index.end()) VOX_ERR << what << ": legacy storage list names an unknown storage";
    const TorchStorageRef &storage = pickle.storages[it->second];
    if (size - pos < 8) VOX_ERR << what << ": truncated before storage " << storage.key;
    uint64_t numel = 0;
    for (int k = 7; k >= 0; k--) numel = (numel << 8) | data[pos + k];
    pos += 8;
    uint64_t nbytes;
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(DTypeSize(storage.dtype)), &nbytes) ||
        nbytes > size - pos)
      VOX_ERR << what << ": storage " << storage.key << " runs past the end of the file "
              << "(truncated?)";
    CheckStorageSize(storage, nbytes, what, storage.key);
    spans[it->second] = ByteSpan{data + pos, static_cast<size_t>(nbytes)};
    have[it->second] = true;
    pos += nbytes;
  }
  StorageLookup lookup = [&](size_t i) {
    if (!have[i]) VOX_ERR << what << ": storage " << pickle.storages[i].key << " is missing";
    return spans[i];
  };
  out->format = CheckpointFormat::kTorchLegacy;
  TorchStateBuilder(what, size).Build(pickle, lookup, out);
}

std::string ReadTextFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) VOX_ERR << "cannot open " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ReadFileInto(const std::string &path, Checkpoint *out) {
  MappedFile file(path);
  Checkpoint part = ReadCheckpointFromMemory(file.Data(), file.Size(), path);
  out->format = part.format;
  for (CheckpointTensor &t : part.tensors) out->Add(std::move(t));
  for (const auto &m : part.metadata.Members()) out->metadata.Set(m.first, m.second);
  if (!part.config.IsNull()) out->config = std::move(part.config);
}

// Shards named by a Hugging Face *.index.json, each once, in order of first mention.
std::vector<std::string> ShardFiles(const std::string &index_path) {
  JsonValue index = ParseJson(ReadTextFile(index_path), index_path);
  const JsonValue *map = index.Find("weight_map");
  if (map == nullptr || !map->IsObject()) VOX_ERR << index_path << " has no weight_map object";
  std::vector<std::string> files;
  for (const auto &m : map->Members()) {
    const std::string &f = m.second.AsString();
    if (f.find('/') != std::string::npos || f == "..")
      VOX_ERR << index_path << " names a shard outside its folder: " << f;
    bool seen = false;
    for (const std::string &g : files) seen |= g == f;
    if (!seen) files.push_back(f);
  }
  return files;
}

Checkpoint ReadHuggingFaceDir(const std::string &dir) {
  Checkpoint ckpt;
  ckpt.path = dir;
  const char *kWeights[] = {"model.safetensors", "model.safetensors.index.json",
                            "pytorch_model.bin", "pytorch_model.bin.index.json"};
  std::string found;
  for (const char *w : kWeights) {
    if (IsFile(dir + "/" + w)) {
      found = w;
      break;
    }
  }
  if (found.empty())
    VOX_ERR << dir << " holds none of model.safetensors, model.safetensors.index.json, "
            << "pytorch_model.bin, pytorch_model.bin.index.json";
  if (found.size() > 11 && found.compare(found.size() - 11, 11, ".index.json") == 0) {
    for (const std::string &shard : ShardFiles(dir + "/" + found))
      ReadFileInto(dir + "/" + shard, &ckpt);
  } else {
    ReadFileInto(dir + "/" + found, &ckpt);
  }
  // The Hugging Face config replaces whatever config the weights file carried.
  std::string config_path = dir + "/config.json";
  if (IsFile(config_path)) ckpt.config = ParseJson(ReadTextFile(config_path), config_path);
  return ckpt;
}

}  // namespace

Checkpoint ReadCheckpointFromMemory(const uint8_t *data, size_t size, const std::string &what) {
  Checkpoint ckpt;
  ckpt.path = what;
  if (size == 0) VOX_ERR << what << " is empty";
  if (LooksLikeZip(data, size)) {
    LoadTorchZip(data, size, what, &ckpt);
  } else if (LooksLikeLegacyTorch(data, size)) {
    LoadTorchLegacy(data, size, what, &ckpt);
  } else if (LooksLikeSafetensors(data, size)) {
    ckpt.format = CheckpointFormat::kSafetensors;
    ReadSafetensors(data, size, what, &ckpt);
  } else {
    VOX_ERR << what << " is not a checkpoint voxtools can read (expected a safetensors file "
            << "or a torch.save file; truncated?)";
  }
  return ckpt;
}

Checkpoint ReadCheckpoint(const std::string &path) {
  if (IsDirectory(path)) return ReadHuggingFaceDir(path);
  Checkpoint ckpt;
  ckpt.path = path;
  ReadFileInto(path, &ckpt);
  return ckpt;
}

}  // namespace voxtools

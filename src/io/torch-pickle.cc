// src/io/torch-pickle.cc
// Opcode meanings: CPython's Lib/pickletools.py (the reference list of opcodes, their
// arguments and stack effects) and PEP 307 / 3154 / 574 for protocols 2, 4 and 5.
// Over the usual 600 lines: the opcode switch and the allowlist's interpretation form one
// machine; split, its invariants (arena indices, mark floors) would be spread over files.
#include "io/torch-pickle.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "base/log.h"

namespace voxtools {

namespace {

// The callables and types the allowlist knows.
enum class Global {
  kOrderedDict,
  kRebuildTensorV2,
  kRebuildTensor,
  kRebuildParameter,
  kRebuildParameterWithState,
  kNamespace,
  kCodecsEncode,
  kStorageType,
};

struct AllowedGlobal {
  const char *module;
  const char *name;
  Global global;
  TensorDType dtype;  // for kStorageType
};

const AllowedGlobal kAllowedGlobals[] = {
    {"collections", "OrderedDict", Global::kOrderedDict, TensorDType::kFloat32},
    {"torch._utils", "_rebuild_tensor_v2", Global::kRebuildTensorV2, TensorDType::kFloat32},
    {"torch._utils", "_rebuild_tensor", Global::kRebuildTensor, TensorDType::kFloat32},
    {"torch._utils", "_rebuild_parameter", Global::kRebuildParameter, TensorDType::kFloat32},
    {"torch._utils", "_rebuild_parameter_with_state", Global::kRebuildParameterWithState,
     TensorDType::kFloat32},
    {"argparse", "Namespace", Global::kNamespace, TensorDType::kFloat32},
    {"_codecs", "encode", Global::kCodecsEncode, TensorDType::kFloat32},
    {"torch", "FloatStorage", Global::kStorageType, TensorDType::kFloat32},
    {"torch", "DoubleStorage", Global::kStorageType, TensorDType::kFloat64},
    {"torch", "HalfStorage", Global::kStorageType, TensorDType::kFloat16},
    {"torch", "BFloat16Storage", Global::kStorageType, TensorDType::kBFloat16},
    {"torch", "LongStorage", Global::kStorageType, TensorDType::kInt64},
    {"torch", "IntStorage", Global::kStorageType, TensorDType::kInt32},
    {"torch", "ShortStorage", Global::kStorageType, TensorDType::kInt16},
    {"torch", "CharStorage", Global::kStorageType, TensorDType::kInt8},
    {"torch", "ByteStorage", Global::kStorageType, TensorDType::kUInt8},
    {"torch", "BoolStorage", Global::kStorageType, TensorDType::kBool},
};

// A node of the machine's object arena. Nodes refer to each other by index, so that memo
// sharing and even cycles (a list appended to itself) cost nothing and leak nothing.
struct Node {
  enum class Kind {
    kNone, kBool, kInt, kFloat, kString, kBytes, kTuple, kList, kDict, kTensor, kStorage,
    kGlobal, kNamespace,
  };
  Kind kind = Kind::kNone;
  bool b = false;
  int64_t i = 0;  // kInt; kStorage: index into storages
  double f = 0.0;
  std::string s;
  std::vector<int> items;  // kTuple, kList; kDict/kNamespace: key, value, key, value, ...
  const AllowedGlobal *global = nullptr;
  TorchTensorRef tensor;
};

// Opcodes (pickletools.py names).
enum : uint8_t {
  kMark = '(', kStop = '.', kPop = '0', kPopMark = '1', kDup = '2', kBinInt = 'J',
  kBinInt1 = 'K', kBinInt2 = 'M', kNone = 'N', kBinPersId = 'Q', kReduce = 'R',
  kBinString = 'T', kShortBinString = 'U', kBinUnicode = 'X', kAppend = 'a', kBuild = 'b',
  kGlobal = 'c', kDict = 'd', kEmptyDict = '}', kAppends = 'e', kBinGet = 'h', kInst = 'i',
  kLongBinGet = 'j', kList = 'l', kEmptyList = ']', kObj = 'o', kBinPut = 'q',
  kLongBinPut = 'r', kSetItem = 's', kTuple = 't', kEmptyTuple = ')', kSetItems = 'u',
  kBinFloat = 'G', kBinBytes = 'B', kShortBinBytes = 'C',
  kProto = 0x80, kNewObj = 0x81, kTuple1 = 0x85, kTuple2 = 0x86, kTuple3 = 0x87,
  kNewTrue = 0x88, kNewFalse = 0x89, kLong1 = 0x8a, kLong4 = 0x8b,
  kShortBinUnicode = 0x8c, kBinUnicode8 = 0x8d, kBinBytes8 = 0x8e, kNewObjEx = 0x92,
  kStackGlobal = 0x93, kMemoize = 0x94, kFrame = 0x95, kByteArray8 = 0x96,
};

class PickleMachine {
 public:
  PickleMachine(const uint8_t *data, size_t size, const std::string &what)
      : data_(data), size_(size), what_(what) {}

  TorchPickle Run(size_t *end);

 private:
  [[noreturn]] void Fail(const std::string &msg) {
    VOX_ERR << "cannot read the pickle in " << what_ << " (byte " << op_pos_ << "): " << msg;
    throw Error(msg);  // VOX_ERR has thrown already
  }

  // Input.
  const uint8_t *Take(uint64_t n) {
    if (n > size_ - pos_) Fail("truncated (needs " + std::to_string(n) + " more bytes)");
    const uint8_t *p = data_ + pos_;
    pos_ += n;
    return p;
  }
  uint64_t TakeLe(int n) {
    const uint8_t *p = Take(n);
    uint64_t v = 0;
    for (int k = n - 1; k >= 0; k--) v = (v << 8) | p[k];
    return v;
  }
  std::string TakeString(uint64_t n) {
    const uint8_t *p = Take(n);
    return std::string(reinterpret_cast<const char *>(p), n);
  }
  std::string TakeLine() {
    const uint8_t *start = data_ + pos_;
    const void *nl = std::memchr(start, '\n', size_ - pos_);
    if (nl == nullptr) Fail("truncated GLOBAL argument");
    size_t n = static_cast<const uint8_t *>(nl) - start;
    pos_ += n + 1;
    return std::string(reinterpret_cast<const char *>(start), n);
  }

  // Arena and stack.
  int NewNode(Node::Kind kind) {
    nodes_.emplace_back();
    nodes_.back().kind = kind;
    return static_cast<int>(nodes_.size() - 1);
  }
  void Push(int id) { stack_.push_back(id); }
  int Pop() {
    if (stack_.size() <= StackFloor()) Fail("stack underflow");
    int id = stack_.back();
    stack_.pop_back();
    return id;
  }
  int Top() {
    if (stack_.size() <= StackFloor()) Fail("stack underflow");
    return stack_.back();
  }
  size_t StackFloor() const { return marks_.empty() ? 0 : marks_.back(); }
  // Pops everything above the last MARK, and the mark.
  std::vector<int> PopMark() {
    if (marks_.empty()) Fail("no MARK on the stack");
    size_t m = marks_.back();
    marks_.pop_back();
    std::vector<int> items(stack_.begin() + m, stack_.end());
    stack_.resize(m);
    return items;
  }
  Node &At(int id) { return nodes_[id]; }

  void PushString(Node::Kind kind, std::string s) {
    int id = NewNode(kind);
    At(id).s = std::move(s);
    Push(id);
  }
  void PushInt(int64_t v) {
    int id = NewNode(Node::Kind::kInt);
    At(id).i = v;
    Push(id);
  }
  void PushTuple(std::vector<int> items) {
    int id = NewNode(Node::Kind::kTuple);
    At(id).items = std::move(items);
    Push(id);
  }
  void PushLong(uint64_t n);
  void DoGlobal(const std::string &module, const std::string &name);
  void DoReduce();
  void DoBuild();
  void DoNewObj(int cls, int args);
  void DoPersistentId();
  void AddToDict(int dict, const std::vector<int> &kv);
  int RebuildTensor(const std::vector<int> &args, const char *name);
  std::vector<int64_t> IntTuple(int id, const char *what);

  const uint8_t *data_;
  size_t size_;
  size_t pos_ = 0;
  size_t op_pos_ = 0;
  const std::string &what_;
  std::vector<Node> nodes_;
  std::vector<int> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, int> memo_;
  std::unordered_map<std::string, int> storage_index_;
  std::vector<TorchStorageRef> storages_;

  friend class TreeBuilder;
};

void PickleMachine::PushLong(uint64_t n) {
  if (n > 8) Fail("integer of " + std::to_string(n) + " bytes does not fit int64");
  const uint8_t *p = Take(n);
  uint64_t v = 0;
  for (int k = static_cast<int>(n) - 1; k >= 0; k--) v = (v << 8) | p[k];
  if (n > 0 && n < 8 && (p[n - 1] & 0x80)) v |= ~uint64_t{0} << (8 * n);  // sign-extend
  PushInt(static_cast<int64_t>(v));
}

void PickleMachine::DoGlobal(const std::string &module, const std::string &name) {
  for (const AllowedGlobal &g : kAllowedGlobals) {
    if (module == g.module && name == g.name) {
      int id = NewNode(Node::Kind::kGlobal);
      At(id).global = &g;
      Push(id);
      return;
    }
  }
  VOX_ERR << "forbidden global '" << module << "." << name << "' in " << what_
          << " (a checkpoint may only hold tensors, containers and scalars; refusing to "
          << "read it)";
}

std::vector<int64_t> PickleMachine::IntTuple(int id, const char *what) {
  const Node &n = At(id);
  if (n.kind != Node::Kind::kTuple) Fail(std::string(what) + " is not a tuple");
  if (n.items.size() > static_cast<size_t>(kMaxTensorDims))
    Fail(std::string(what) + " has more than " + std::to_string(kMaxTensorDims) + " dims");
  std::vector<int64_t> out;
  for (int item : n.items) {
    if (At(item).kind != Node::Kind::kInt || At(item).i < 0)
      Fail(std::string(what) + " holds something other than a non-negative int");
    out.push_back(At(item).i);
  }
  return out;
}

int PickleMachine::RebuildTensor(const std::vector<int> &args, const char *name) {
  if (At(args[0]).kind != Node::Kind::kStorage) Fail(std::string(name) + ": no storage");
  if (At(args[1]).kind != Node::Kind::kInt || At(args[1]).i < 0)
    Fail(std::string(name) + ": bad storage offset");
  TorchTensorRef t;
  t.storage = static_cast<size_t>(At(args[0]).i);
  t.offset = At(args[1]).i;
  t.shape = IntTuple(args[2], "tensor size");
  t.stride = IntTuple(args[3], "tensor stride");
  if (t.shape.size() != t.stride.size()) Fail(std::string(name) + ": size and stride differ");
  int id = NewNode(Node::Kind::kTensor);
  At(id).tensor = std::move(t);
  return id;
}

void PickleMachine::DoReduce() {
  int args_id = Pop(), callable = Pop();
  const Node &c = At(callable);
  if (c.kind != Node::Kind::kGlobal) Fail("REDUCE on something that is not an allowed global");
  if (At(args_id).kind != Node::Kind::kTuple) Fail("REDUCE arguments are not a tuple");
  const std::vector<int> args = At(args_id).items;
  std::string name = std::string(c.global->module) + "." + c.global->name;
  switch (c.global->global) {
    case Global::kOrderedDict: {
      int d = NewNode(Node::Kind::kDict);
      if (args.size() == 1) {
        const Node &pairs = At(args[0]);
        if (pairs.kind != Node::Kind::kList && pairs.kind != Node::Kind::kTuple)
          Fail(name + " argument is not a list of pairs");
        std::vector<int> kv;
        for (int p : pairs.items) {
          const Node &pair = At(p);
          if ((pair.kind != Node::Kind::kTuple && pair.kind != Node::Kind::kList) ||
              pair.items.size() != 2)
            Fail(name + " item is not a pair");
          kv.push_back(pair.items[0]);
          kv.push_back(pair.items[1]);
        }
        AddToDict(d, kv);
      } else if (!args.empty()) {
        Fail(name + " with " + std::to_string(args.size()) + " arguments");
      }
      Push(d);
      return;
    }
    case Global::kRebuildTensorV2:
      if (args.size() != 6 && args.size() != 7) Fail(name + " expects 6 or 7 arguments");
      Push(RebuildTensor(args, name.c_str()));
      return;
    case Global::kRebuildTensor:
      if (args.size() != 4) Fail(name + " expects 4 arguments");
      Push(RebuildTensor(args, name.c_str()));
      return;
    case Global::kRebuildParameter:
    case Global::kRebuildParameterWithState:
      if (args.size() != (c.global->global == Global::kRebuildParameter ? 3u : 4u))
        Fail(name + ": wrong number of arguments");
      if (At(args[0]).kind != Node::Kind::kTensor) Fail(name + " of something not a tensor");
      Push(args[0]);
      return;
    case Global::kCodecsEncode: {
      if (args.size() != 2 || At(args[0]).kind != Node::Kind::kString ||
          At(args[1]).kind != Node::Kind::kString ||
          (At(args[1]).s != "latin1" && At(args[1]).s != "latin-1"))
        Fail(name + " other than (str, 'latin1')");
      // Protocol 2 writes bytes as their latin-1 decoding: map each code point back to a byte.
      const std::string &u = At(args[0]).s;
      std::string bytes;
      for (size_t k = 0; k < u.size(); k++) {
        unsigned char ch = static_cast<unsigned char>(u[k]);
        if (ch < 0x80) {
          bytes.push_back(static_cast<char>(ch));
        } else if ((ch == 0xC2 || ch == 0xC3) && k + 1 < u.size()) {
          bytes.push_back(static_cast<char>(((ch & 0x03) << 6) | (u[k + 1] & 0x3F)));
          k++;
        } else {
          Fail(name + " of a character beyond latin-1");
        }
      }
      PushString(Node::Kind::kBytes, std::move(bytes));
      return;
    }
    case Global::kNamespace:
    case Global::kStorageType:
      break;
  }
  Fail("global '" + name + "' cannot be called");
}

void PickleMachine::DoNewObj(int cls, int args) {
  if (At(cls).kind != Node::Kind::kGlobal || At(cls).global->global != Global::kNamespace)
    Fail("NEWOBJ of a class other than argparse.Namespace");
  if (At(args).kind != Node::Kind::kTuple || !At(args).items.empty())
    Fail("argparse.Namespace with constructor arguments");
  Push(NewNode(Node::Kind::kNamespace));
}

void PickleMachine::DoBuild() {
  int state = Pop();
  int obj = Top();
  Node::Kind kind = At(obj).kind;
  if (kind == Node::Kind::kDict || kind == Node::Kind::kTensor) return;  // torch's _metadata
  if (kind != Node::Kind::kNamespace) Fail("BUILD on an object that is not allowed");
  if (At(state).kind != Node::Kind::kDict) Fail("argparse.Namespace state is not a dict");
  std::vector<int> kv = At(state).items;
  AddToDict(obj, kv);
}

void PickleMachine::AddToDict(int dict, const std::vector<int> &kv) {
  Node::Kind kind = At(dict).kind;
  if (kind != Node::Kind::kDict && kind != Node::Kind::kNamespace)
    Fail("SETITEM(S) on something that is not a dict");
  if (kv.size() % 2 != 0) Fail("SETITEMS with an odd number of items");
  std::vector<int> &items = At(dict).items;
  items.insert(items.end(), kv.begin(), kv.end());
}

void PickleMachine::DoPersistentId() {
  int pid = Pop();
  const Node &t = At(pid);
  // ZIP format: ('storage', type, key, location, numel); legacy adds view_metadata (None).
  if (t.kind != Node::Kind::kTuple || (t.items.size() != 5 && t.items.size() != 6))
    Fail("persistent id is not a ('storage', type, key, location, numel) tuple");
  const Node &tag = At(t.items[0]), &type = At(t.items[1]), &key = At(t.items[2]);
  const Node &location = At(t.items[3]), &numel = At(t.items[4]);
  if (tag.kind != Node::Kind::kString || tag.s != "storage")
    Fail("persistent id other than 'storage'");
  if (type.kind != Node::Kind::kGlobal || type.global->global != Global::kStorageType)
    Fail("persistent id without a torch storage type");
  if (key.kind != Node::Kind::kString) Fail("storage key is not a string");
  if (location.kind != Node::Kind::kString) Fail("storage location is not a string");
  if (numel.kind != Node::Kind::kInt || numel.i < 0) Fail("bad storage size");
  if (t.items.size() == 6 && At(t.items[5]).kind != Node::Kind::kNone)
    Fail("storage views (legacy format view_metadata) are not supported");
  auto it = storage_index_.find(key.s);
  size_t index;
  if (it == storage_index_.end()) {
    index = storages_.size();
    storage_index_.emplace(key.s, index);
    storages_.push_back({key.s, type.global->dtype, location.s, numel.i});
  } else {
    index = it->second;
    if (storages_[index].dtype != type.global->dtype || storages_[index].numel != numel.i)
      Fail("storage '" + key.s + "' is named twice with different types or sizes");
  }
  int id = NewNode(Node::Kind::kStorage);
  At(id).i = static_cast<int64_t>(index);
  Push(id);
}

// Turns the arena into the public tree, within a size budget (see the header).
class TreeBuilder {
 public:
  TreeBuilder(const PickleMachine &m, size_t budget) : m_(m), budget_(budget) {}

  PickleValue Build(int id, int depth) {
    if (depth > kMaxPickleDepth)
      m_fail("nested deeper than " + std::to_string(kMaxPickleDepth) + " (or recursive)");
    const Node &n = m_.nodes_[id];
    Spend(sizeof(PickleValue) + n.s.size());
    PickleValue v;
    switch (n.kind) {
      case Node::Kind::kNone: break;
      case Node::Kind::kBool: v.type = PickleValue::Type::kBool; v.bool_value = n.b; break;
      case Node::Kind::kInt: v.type = PickleValue::Type::kInt; v.int_value = n.i; break;
      case Node::Kind::kFloat: v.type = PickleValue::Type::kFloat; v.float_value = n.f; break;
      case Node::Kind::kString:
        v.type = PickleValue::Type::kString;
        v.string_value = n.s;
        break;
      case Node::Kind::kBytes:
        v.type = PickleValue::Type::kBytes;
        v.string_value = n.s;
        break;
      case Node::Kind::kTuple:
      case Node::Kind::kList:
        v.type = n.kind == Node::Kind::kTuple ? PickleValue::Type::kTuple
                                              : PickleValue::Type::kList;
        for (int item : n.items) v.items.push_back(Build(item, depth + 1));
        break;
      case Node::Kind::kDict:
      case Node::Kind::kNamespace: {
        v.type = PickleValue::Type::kDict;
        // Python semantics: a repeated key keeps its first position and its last value.
        std::unordered_map<std::string, size_t> position;
        for (size_t k = 0; k + 1 < n.items.size(); k += 2) {
          const Node &key = m_.nodes_[n.items[k]];
          std::string hash_key;
          if (key.kind == Node::Kind::kString) hash_key = "s" + key.s;
          else if (key.kind == Node::Kind::kInt) hash_key = "i" + std::to_string(key.i);
          PickleValue value = Build(n.items[k + 1], depth + 1);
          if (!hash_key.empty()) {
            auto it = position.find(hash_key);
            if (it != position.end()) {
              v.entries[it->second].second = std::move(value);
              continue;
            }
            position.emplace(hash_key, v.entries.size());
          }
          v.entries.emplace_back(Build(n.items[k], depth + 1), std::move(value));
        }
        break;
      }
      case Node::Kind::kTensor:
        v.type = PickleValue::Type::kTensor;
        v.tensor = n.tensor;
        Spend(16 * n.tensor.shape.size());
        break;
      case Node::Kind::kStorage:
        m_fail("a bare storage outside a tensor is not supported");
      case Node::Kind::kGlobal:
        m_fail(std::string("global '") + n.global->module + "." + n.global->name +
               "' used as a value");
    }
    return v;
  }

 private:
  [[noreturn]] void m_fail(const std::string &msg) {
    VOX_ERR << "cannot read the pickle in " << m_.what_ << ": " << msg;
    throw Error(msg);
  }
  void Spend(size_t bytes) {
    if (bytes > budget_)
      m_fail("the object tree would be far larger than the pickle (memo reuse bomb?)");
    budget_ -= bytes;
  }
  const PickleMachine &m_;
  size_t budget_;
};

TorchPickle PickleMachine::Run(size_t *end) {
  while (true) {
    op_pos_ = pos_;
    uint8_t op = *Take(1);
    switch (op) {
      case kProto: {
        uint8_t proto = *Take(1);
        if (proto > 5) Fail("pickle protocol " + std::to_string(proto) + " (> 5)");
        break;
      }
      case kFrame: Take(8); break;  // framing only groups opcodes; the data runs on
      case kStop: {
        if (stack_.empty()) Fail("STOP with an empty stack");
        if (!marks_.empty()) Fail("STOP inside a MARK");
        if (end != nullptr) *end = pos_;
        // 64 bytes of tree per pickle byte, at least 64 MB: far beyond what any real
        // checkpoint needs, small enough that a hostile file cannot exhaust memory.
        size_t budget = std::max<size_t>(size_t{64} << 20, 64 * size_);
        TreeBuilder builder(*this, budget);
        TorchPickle out;
        out.root = builder.Build(stack_.back(), 0);
        out.storages = std::move(storages_);
        return out;
      }
      case kMark: marks_.push_back(stack_.size()); break;
      case kPop: Pop(); break;
      case kPopMark: PopMark(); break;
      case kDup: Push(Top()); break;
      case kNone: Push(NewNode(Node::Kind::kNone)); break;
      case kNewTrue:
      case kNewFalse: {
        int id = NewNode(Node::Kind::kBool);
        At(id).b = op == kNewTrue;
        Push(id);
        break;
      }
      case kBinInt: PushInt(static_cast<int32_t>(TakeLe(4))); break;
      case kBinInt1: PushInt(static_cast<int64_t>(TakeLe(1))); break;
      case kBinInt2: PushInt(static_cast<int64_t>(TakeLe(2))); break;
      case kLong1: PushLong(TakeLe(1)); break;
      case kLong4: PushLong(TakeLe(4)); break;
      case kBinFloat: {
        uint64_t bits = 0;
        const uint8_t *p = Take(8);
        for (int k = 0; k < 8; k++) bits = (bits << 8) | p[k];  // big-endian
        int id = NewNode(Node::Kind::kFloat);
        std::memcpy(&At(id).f, &bits, 8);
        Push(id);
        break;
      }
      case kBinUnicode: PushString(Node::Kind::kString, TakeString(TakeLe(4))); break;
      case kShortBinUnicode: PushString(Node::Kind::kString, TakeString(TakeLe(1))); break;
      case kBinUnicode8: PushString(Node::Kind::kString, TakeString(TakeLe(8))); break;
      case kBinString: PushString(Node::Kind::kString, TakeString(TakeLe(4))); break;
      case kShortBinString: PushString(Node::Kind::kString, TakeString(TakeLe(1))); break;
      case kBinBytes: PushString(Node::Kind::kBytes, TakeString(TakeLe(4))); break;
      case kShortBinBytes: PushString(Node::Kind::kBytes, TakeString(TakeLe(1))); break;
      case kBinBytes8:
      case kByteArray8: PushString(Node::Kind::kBytes, TakeString(TakeLe(8))); break;
      case kEmptyTuple: PushTuple({}); break;
      case kTuple: PushTuple(PopMark()); break;
      case kTuple1: {
        int a = Pop();
        PushTuple({a});
        break;
      }
      case kTuple2: {
        int b = Pop(), a = Pop();
        PushTuple({a, b});
        break;
      }
      case kTuple3: {
        int c = Pop(), b = Pop(), a = Pop();
        PushTuple({a, b, c});
        break;
      }
      case kEmptyList: Push(NewNode(Node::Kind::kList)); break;
      case kList: {
        std::vector<int> items = PopMark();
        int id = NewNode(Node::Kind::kList);
        At(id).items = std::move(items);
        Push(id);
        break;
      }
      case kAppend: {
        int v = Pop();
        int list = Top();
        if (At(list).kind != Node::Kind::kList) Fail("APPEND to something that is not a list");
        At(list).items.push_back(v);
        break;
      }
      case kAppends: {
        std::vector<int> items = PopMark();
        int list = Top();
        if (At(list).kind != Node::Kind::kList) Fail("APPENDS to something that is not a list");
        std::vector<int> &dst = At(list).items;
        dst.insert(dst.end(), items.begin(), items.end());
        break;
      }
      case kEmptyDict: Push(NewNode(Node::Kind::kDict)); break;
      case kDict: {
        std::vector<int> kv = PopMark();
        int id = NewNode(Node::Kind::kDict);
        AddToDict(id, kv);
        Push(id);
        break;
      }
      case kSetItem: {
        int v = Pop(), k = Pop();
        AddToDict(Top(), {k, v});
        break;
      }
      case kSetItems: {
        std::vector<int> kv = PopMark();
        AddToDict(Top(), kv);
        break;
      }
      case kBinPut: memo_[TakeLe(1)] = Top(); break;
      case kLongBinPut: memo_[TakeLe(4)] = Top(); break;
      case kMemoize: {
        uint64_t index = memo_.size();
        memo_[index] = Top();
        break;
      }
      case kBinGet:
      case kLongBinGet: {
        uint64_t index = TakeLe(op == kBinGet ? 1 : 4);
        auto it = memo_.find(index);
        if (it == memo_.end()) Fail("memo entry " + std::to_string(index) + " is not set");
        Push(it->second);
        break;
      }
      case kGlobal: {
        std::string module = TakeLine();
        std::string name = TakeLine();
        DoGlobal(module, name);
        break;
      }
      case kStackGlobal: {
        int name = Pop(), module = Pop();
        if (At(name).kind != Node::Kind::kString || At(module).kind != Node::Kind::kString)
          Fail("STACK_GLOBAL arguments are not strings");
        DoGlobal(At(module).s, At(name).s);
        break;
      }
      case kInst: {
        // INST imports and calls a class: never allowed, but name it in the message.
        std::string module = TakeLine();
        std::string name = TakeLine();
        VOX_ERR << "forbidden global '" << module << "." << name << "' in " << what_
                << " (INST opcode; refusing to read it)";
        break;
      }
      case kObj: Fail("OBJ opcode (object construction) is not allowed");
      case kReduce: DoReduce(); break;
      case kBuild: DoBuild(); break;
      case kNewObj: {
        int args = Pop(), cls = Pop();
        DoNewObj(cls, args);
        break;
      }
      case kNewObjEx: {
        int kwargs = Pop(), args = Pop(), cls = Pop();
        if (At(kwargs).kind != Node::Kind::kDict || !At(kwargs).items.empty())
          Fail("NEWOBJ_EX with keyword arguments");
        DoNewObj(cls, args);
        break;
      }
      case kBinPersId: DoPersistentId(); break;
      default: {
        char buf[8];
        snprintf(buf, sizeof(buf), "0x%02x", op);
        Fail(std::string("unsupported opcode ") + buf +
             (op >= 0x20 && op < 0x7f ? std::string(" '") + static_cast<char>(op) + "'" : ""));
      }
    }
  }
}

}  // namespace

const PickleValue *PickleValue::Find(const std::string &key) const {
  if (type != Type::kDict) return nullptr;
  for (const auto &e : entries)
    if (e.first.type == Type::kString && e.first.string_value == key) return &e.second;
  return nullptr;
}

bool PickleValue::IsTensorDict() const {
  if (type != Type::kDict || entries.empty()) return false;
  for (const auto &e : entries)
    if (e.first.type != Type::kString || e.second.type != Type::kTensor) return false;
  return true;
}

TorchPickle ParseTorchPickle(const uint8_t *data, size_t size, const std::string &what,
                             size_t *end) {
  PickleMachine machine(data, size, what);
  return machine.Run(end);
}

JsonValue PickleToJson(const PickleValue &value, const TorchPickle &pickle) {
  switch (value.type) {
    case PickleValue::Type::kNone: return JsonValue();
    case PickleValue::Type::kBool: return JsonValue::Bool(value.bool_value);
    case PickleValue::Type::kInt: return JsonValue::Int(value.int_value);
    case PickleValue::Type::kFloat: return JsonValue::Float(value.float_value);
    case PickleValue::Type::kString:
    case PickleValue::Type::kBytes: return JsonValue::String(value.string_value);
    case PickleValue::Type::kTuple:
    case PickleValue::Type::kList: {
      JsonValue arr = JsonValue::Array();
      for (const PickleValue &item : value.items) arr.Append(PickleToJson(item, pickle));
      return arr;
    }
    case PickleValue::Type::kDict: {
      JsonValue obj = JsonValue::Object();
      for (const auto &e : value.entries) {
        std::string key;
        if (e.first.type == PickleValue::Type::kString) key = e.first.string_value;
        else if (e.first.type <= PickleValue::Type::kFloat) key = PickleToJson(e.first, pickle).ToString();
        else VOX_ERR << "a dict key in the checkpoint is a container; cannot show it as JSON";
        obj.Set(key, PickleToJson(e.second, pickle));
      }
      return obj;
    }
    case PickleValue::Type::kTensor: {
      const TorchTensorRef &t = value.tensor;
      std::string s = "<tensor ";
      s += t.storage < pickle.storages.size() ? DTypeName(pickle.storages[t.storage].dtype) : "?";
      s += " [";
      for (size_t k = 0; k < t.shape.size(); k++) s += (k ? ", " : "") + std::to_string(t.shape[k]);
      return JsonValue::String(s + "]>");
    }
  }
  return JsonValue();
}

}  // namespace voxtools

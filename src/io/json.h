// src/io/json.h
// A small JSON reader and writer for the files a checkpoint import meets: Hugging Face
// config.json, safetensors headers, sharded-model index files. It is also the tree type
// that holds a checkpoint's non-tensor configuration (checkpoint.h), so a unilm 'cfg' dict
// read from a pickle and a config.json read from disk look the same to a model builder.
//
// The reader follows RFC 8259, plus what Python's json module writes: NaN, Infinity and
// -Infinity. It refuses duplicate object keys (RFC 8259 leaves them undefined; for a
// safetensors header two entries for one tensor would be ambiguous), nests at most
// kMaxJsonDepth levels, and every error names the input and the byte offset.
// Integers that fit int64 stay integers (a shape or byte offset must not pass through a
// double); every other number is a double.
#ifndef VOXTOOLS_IO_JSON_H_
#define VOXTOOLS_IO_JSON_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace voxtools {

constexpr int kMaxJsonDepth = 256;

class JsonValue {
 public:
  enum class Type { kNull, kBool, kInt, kFloat, kString, kArray, kObject };

  JsonValue() = default;  // null
  static JsonValue Bool(bool b);
  static JsonValue Int(int64_t i);
  static JsonValue Float(double d);
  static JsonValue String(std::string s);
  static JsonValue Array();
  static JsonValue Object();

  Type GetType() const { return type_; }
  bool IsNull() const { return type_ == Type::kNull; }
  bool IsBool() const { return type_ == Type::kBool; }
  bool IsInt() const { return type_ == Type::kInt; }
  bool IsNumber() const { return type_ == Type::kInt || type_ == Type::kFloat; }
  bool IsString() const { return type_ == Type::kString; }
  bool IsArray() const { return type_ == Type::kArray; }
  bool IsObject() const { return type_ == Type::kObject; }

  // Typed access; each throws Error naming the expected and the actual type.
  bool AsBool() const;
  int64_t AsInt() const;
  double AsDouble() const;  // an int or a float
  const std::string &AsString() const;

  // Arrays.
  const std::vector<JsonValue> &Items() const;
  void Append(JsonValue v);  // on an array

  // Objects: members in file (or insertion) order.
  const std::vector<std::pair<std::string, JsonValue>> &Members() const;
  // The member named key, or nullptr (also nullptr on a non-object).
  const JsonValue *Find(const std::string &key) const;
  // Adds a member, or replaces the value of an existing one (keeps its position).
  void Set(const std::string &key, JsonValue v);

  // Compact JSON (indent < 0) or pretty-printed with `indent` spaces per level. Non-finite
  // floats are written as NaN/Infinity/-Infinity, as Python does.
  std::string ToString(int indent = -1) const;

  // "null", "bool", "int", "float", "string", "array", "object".
  static const char *TypeName(Type t);

 private:
  void Write(std::string *out, int indent, int level) const;

  Type type_ = Type::kNull;
  bool bool_ = false;
  int64_t int_ = 0;
  double float_ = 0.0;
  std::string string_;
  std::vector<JsonValue> items_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

// Parses one JSON value from text (surrounding whitespace allowed, nothing else). `what`
// names the input in errors, e.g. "config.json". Throws Error on any syntax error, invalid
// UTF-16 escape, duplicate key or nesting deeper than kMaxJsonDepth.
JsonValue ParseJson(const char *data, size_t size, const std::string &what);
inline JsonValue ParseJson(const std::string &text, const std::string &what) {
  return ParseJson(text.data(), text.size(), what);
}

}  // namespace voxtools

#endif  // VOXTOOLS_IO_JSON_H_

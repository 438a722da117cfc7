// src/io/json.cc
#include "io/json.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "base/log.h"

namespace voxtools {

JsonValue JsonValue::Bool(bool b) {
  JsonValue v;
  v.type_ = Type::kBool;
  v.bool_ = b;
  return v;
}

JsonValue JsonValue::Int(int64_t i) {
  JsonValue v;
  v.type_ = Type::kInt;
  v.int_ = i;
  return v;
}

JsonValue JsonValue::Float(double d) {
  JsonValue v;
  v.type_ = Type::kFloat;
  v.float_ = d;
  return v;
}

JsonValue JsonValue::String(std::string s) {
  JsonValue v;
  v.type_ = Type::kString;
  v.string_ = std::move(s);
  return v;
}

JsonValue JsonValue::Array() {
  JsonValue v;
  v.type_ = Type::kArray;
  return v;
}

JsonValue JsonValue::Object() {
  JsonValue v;
  v.type_ = Type::kObject;
  return v;
}

const char *JsonValue::TypeName(Type t) {
  switch (t) {
    case Type::kNull: return "null";
    case Type::kBool: return "bool";
    case Type::kInt: return "int";
    case Type::kFloat: return "float";
    case Type::kString: return "string";
    case Type::kArray: return "array";
    case Type::kObject: return "object";
  }
  return "?";
}

namespace {
[[noreturn]] void WrongType(const char *expected, JsonValue::Type got) {
  VOX_ERR << "JSON value is " << JsonValue::TypeName(got) << ", expected " << expected;
  throw Error("unreachable");  // VOX_ERR has thrown already
}
}  // namespace

bool JsonValue::AsBool() const {
  if (type_ != Type::kBool) WrongType("bool", type_);
  return bool_;
}

int64_t JsonValue::AsInt() const {
  if (type_ != Type::kInt) WrongType("int", type_);
  return int_;
}

double JsonValue::AsDouble() const {
  if (type_ == Type::kInt) return static_cast<double>(int_);
  if (type_ != Type::kFloat) WrongType("number", type_);
  return float_;
}

const std::string &JsonValue::AsString() const {
  if (type_ != Type::kString) WrongType("string", type_);
  return string_;
}

const std::vector<JsonValue> &JsonValue::Items() const {
  if (type_ != Type::kArray) WrongType("array", type_);
  return items_;
}

void JsonValue::Append(JsonValue v) {
  VOX_ASSERT(type_ == Type::kArray);
  items_.push_back(std::move(v));
}

const std::vector<std::pair<std::string, JsonValue>> &JsonValue::Members() const {
  if (type_ != Type::kObject) WrongType("object", type_);
  return members_;
}

const JsonValue *JsonValue::Find(const std::string &key) const {
  if (type_ != Type::kObject) return nullptr;
  for (const auto &m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}

void JsonValue::Set(const std::string &key, JsonValue v) {
  VOX_ASSERT(type_ == Type::kObject);
  for (auto &m : members_) {
    if (m.first == key) {
      m.second = std::move(v);
      return;
    }
  }
  members_.emplace_back(key, std::move(v));
}

// ---------------------------------------------------------------------------------------
// Writer.

namespace {

void WriteString(const std::string &s, std::string *out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void WriteDouble(double d, std::string *out) {
  if (std::isnan(d)) {
    *out += "NaN";
  } else if (std::isinf(d)) {
    *out += d > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[64];
    // Shortest text that reads back to the same double, as Python's repr.
    auto r = std::to_chars(buf, buf + sizeof(buf), d);
    std::string s(buf, r.ptr);
    // Keep it a float when read back ("1" would come back as an int).
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    *out += s;
  }
}

void Newline(std::string *out, int indent, int level) {
  out->push_back('\n');
  out->append(static_cast<size_t>(indent) * level, ' ');
}

}  // namespace

void JsonValue::Write(std::string *out, int indent, int level) const {
  switch (type_) {
    case Type::kNull: *out += "null"; break;
    case Type::kBool: *out += bool_ ? "true" : "false"; break;
    case Type::kInt: *out += std::to_string(int_); break;
    case Type::kFloat: WriteDouble(float_, out); break;
    case Type::kString: WriteString(string_, out); break;
    case Type::kArray:
      out->push_back('[');
      for (size_t i = 0; i < items_.size(); i++) {
        if (i > 0) *out += indent < 0 ? "," : ", ";
        items_[i].Write(out, indent, level + 1);
      }
      out->push_back(']');
      break;
    case Type::kObject:
      out->push_back('{');
      for (size_t i = 0; i < members_.size(); i++) {
        if (i > 0) out->push_back(',');
        if (indent >= 0) Newline(out, indent, level + 1);
        WriteString(members_[i].first, out);
        *out += indent < 0 ? ":" : ": ";
        members_[i].second.Write(out, indent, level + 1);
      }
      if (indent >= 0 && !members_.empty()) Newline(out, indent, level);
      out->push_back('}');
      break;
  }
}

std::string JsonValue::ToString(int indent) const {
  std::string out;
  Write(&out, indent, 0);
  return out;
}

// ---------------------------------------------------------------------------------------
// Reader: recursive descent, depth-limited.

namespace {

class JsonParser {
 public:
  JsonParser(const char *data, size_t size, const std::string &what)
      : p_(data), begin_(data), end_(data + size), what_(what) {}

  JsonValue ParseDocument() {
    SkipSpace();
    JsonValue v = ParseValue(0);
    SkipSpace();
    if (p_ != end_) Fail("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void Fail(const std::string &msg) {
    VOX_ERR << "bad JSON in " << what_ << " at byte " << (p_ - begin_) << ": " << msg;
    throw Error(msg);  // VOX_ERR has thrown already
  }

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) p_++;
  }

  bool Consume(const char *word) {
    size_t n = std::strlen(word);
    if (static_cast<size_t>(end_ - p_) >= n && std::memcmp(p_, word, n) == 0) {
      p_ += n;
      return true;
    }
    return false;
  }

  JsonValue ParseValue(int depth) {
    if (depth >= kMaxJsonDepth) Fail("nested deeper than " + std::to_string(kMaxJsonDepth));
    if (p_ == end_) Fail("unexpected end of input");
    char c = *p_;
    if (c == '{') return ParseObject(depth);
    if (c == '[') return ParseArray(depth);
    if (c == '"') return JsonValue::String(ParseString());
    if (Consume("true")) return JsonValue::Bool(true);
    if (Consume("false")) return JsonValue::Bool(false);
    if (Consume("null")) return JsonValue();
    if (Consume("NaN")) return JsonValue::Float(std::numeric_limits<double>::quiet_NaN());
    if (Consume("Infinity")) return JsonValue::Float(std::numeric_limits<double>::infinity());
    if (Consume("-Infinity")) return JsonValue::Float(-std::numeric_limits<double>::infinity());
    if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
    Fail(std::string("unexpected character '") + c + "'");
  }

  JsonValue ParseObject(int depth) {
    p_++;  // '{'
    JsonValue obj = JsonValue::Object();
    std::unordered_set<std::string> seen;
    std::vector<std::pair<std::string, JsonValue>> members;
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      p_++;
      return obj;
    }
    while (true) {
      SkipSpace();
      if (p_ == end_ || *p_ != '"') Fail("expected a string key");
      const char *key_pos = p_;
      std::string key = ParseString();
      if (!seen.insert(key).second) {
        p_ = key_pos;
        Fail("duplicate key \"" + key + "\"");
      }
      SkipSpace();
      if (p_ == end_ || *p_ != ':') Fail("expected ':'");
      p_++;
      SkipSpace();
      JsonValue v = ParseValue(depth + 1);
      obj.Set(key, std::move(v));  // keys are unique, so this appends
      SkipSpace();
      if (p_ == end_) Fail("unterminated object");
      if (*p_ == ',') {
        p_++;
        continue;
      }
      if (*p_ == '}') {
        p_++;
        return obj;
      }
      Fail("expected ',' or '}'");
    }
  }

  JsonValue ParseArray(int depth) {
    p_++;  // '['
    JsonValue arr = JsonValue::Array();
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      p_++;
      return arr;
    }
    while (true) {
      SkipSpace();
      arr.Append(ParseValue(depth + 1));
      SkipSpace();
      if (p_ == end_) Fail("unterminated array");
      if (*p_ == ',') {
        p_++;
        continue;
      }
      if (*p_ == ']') {
        p_++;
        return arr;
      }
      Fail("expected ',' or ']'");
    }
  }

  unsigned ParseHex4() {
    if (end_ - p_ < 4) Fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
      char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else Fail("bad hex digit in \\u escape");
    }
    return v;
  }

  static void AppendUtf8(unsigned cp, std::string *out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::string ParseString() {
    p_++;  // opening quote
    std::string s;
    while (true) {
      if (p_ == end_) Fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        p_++;
        return s;
      }
      if (c < 0x20) Fail("control character in a string");
      if (c != '\\') {
        s.push_back(static_cast<char>(c));
        p_++;
        continue;
      }
      p_++;
      if (p_ == end_) Fail("unterminated escape");
      char e = *p_++;
      switch (e) {
        case '"': s.push_back('"'); break;
        case '\\': s.push_back('\\'); break;
        case '/': s.push_back('/'); break;
        case 'b': s.push_back('\b'); break;
        case 'f': s.push_back('\f'); break;
        case 'n': s.push_back('\n'); break;
        case 'r': s.push_back('\r'); break;
        case 't': s.push_back('\t'); break;
        case 'u': {
          unsigned cp = ParseHex4();
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (!Consume("\\u")) Fail("high surrogate without a low one");
            unsigned lo = ParseHex4();
            if (lo < 0xDC00 || lo >= 0xE000) Fail("bad low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            Fail("low surrogate without a high one");
          }
          AppendUtf8(cp, &s);
          break;
        }
        default: Fail(std::string("bad escape \\") + e);
      }
    }
  }

  JsonValue ParseNumber() {
    const char *start = p_;
    bool is_float = false;
    if (p_ < end_ && *p_ == '-') p_++;
    if (p_ == end_ || !(*p_ >= '0' && *p_ <= '9')) Fail("bad number");
    if (*p_ == '0') {
      p_++;
    } else {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') p_++;
    }
    if (p_ < end_ && *p_ == '.') {
      is_float = true;
      p_++;
      if (p_ == end_ || !(*p_ >= '0' && *p_ <= '9')) Fail("bad number: no digit after '.'");
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') p_++;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      is_float = true;
      p_++;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) p_++;
      if (p_ == end_ || !(*p_ >= '0' && *p_ <= '9')) Fail("bad number: no exponent digits");
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') p_++;
    }
    if (!is_float) {
      int64_t i = 0;
      auto r = std::from_chars(start, p_, i);
      if (r.ec == std::errc() && r.ptr == p_) return JsonValue::Int(i);
      // An integer too large for int64 falls through to a double, as an approximation.
    }
    double d = 0.0;
    // from_chars, unlike strtod, ignores the locale.
    auto r = std::from_chars(start, p_, d);
    if (r.ptr != p_ || (r.ec != std::errc() && r.ec != std::errc::result_out_of_range))
      Fail("bad number");
    if (r.ec == std::errc::result_out_of_range) {
      // Overflow becomes +-inf and underflow 0, as Python's float() does.
      bool negative = *start == '-';
      bool overflow = false;
      for (const char *q = start; q < p_; q++) {
        if (*q == 'e' || *q == 'E') {
          overflow = q[1] != '-';
          break;
        }
      }
      if (!is_float) overflow = true;
      d = overflow ? std::numeric_limits<double>::infinity() : 0.0;
      if (negative) d = -d;
    }
    return JsonValue::Float(d);
  }

  const char *p_;
  const char *begin_;
  const char *end_;
  const std::string &what_;
};

}  // namespace

JsonValue ParseJson(const char *data, size_t size, const std::string &what) {
  JsonParser parser(data, size, what);
  return parser.ParseDocument();
}

}  // namespace voxtools

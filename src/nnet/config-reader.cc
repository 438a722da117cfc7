// src/nnet/config-reader.cc
#include "nnet/config-reader.h"

#include "base/log.h"

namespace voxtools {

ConfigReader::ConfigReader(const JsonValue &json, const std::string &what)
    : json_(json), what_(what) {
  if (!json.IsObject())
    VOX_ERR << what << ": expected a JSON object, found " << JsonValue::TypeName(json.GetType());
}

const JsonValue *ConfigReader::Find(const std::string &key) {
  used_.insert(key);
  return json_.Find(key);
}

void ConfigReader::Get(const std::string &key, int64_t *value) {
  const JsonValue *v = Find(key);
  if (v == nullptr) return;
  if (!v->IsInt()) VOX_ERR << what_ << ": \"" << key << "\" must be an integer";
  *value = v->AsInt();
}

void ConfigReader::Get(const std::string &key, float *value) {
  const JsonValue *v = Find(key);
  if (v == nullptr) return;
  if (!v->IsNumber()) VOX_ERR << what_ << ": \"" << key << "\" must be a number";
  *value = static_cast<float>(v->AsDouble());
}

void ConfigReader::Get(const std::string &key, bool *value) {
  const JsonValue *v = Find(key);
  if (v == nullptr) return;
  if (!v->IsBool()) VOX_ERR << what_ << ": \"" << key << "\" must be true or false";
  *value = v->AsBool();
}

void ConfigReader::Get(const std::string &key, std::string *value) {
  const JsonValue *v = Find(key);
  if (v == nullptr) return;
  if (!v->IsString()) VOX_ERR << what_ << ": \"" << key << "\" must be a string";
  *value = v->AsString();
}

void ConfigReader::Get(const std::string &key, std::vector<int64_t> *value) {
  const JsonValue *v = Find(key);
  if (v == nullptr) return;
  if (!v->IsArray()) VOX_ERR << what_ << ": \"" << key << "\" must be an array of integers";
  value->clear();
  for (const JsonValue &item : v->Items()) {
    if (!item.IsInt()) VOX_ERR << what_ << ": \"" << key << "\" must be an array of integers";
    value->push_back(item.AsInt());
  }
}

const JsonValue *ConfigReader::Sub(const std::string &key) { return Find(key); }

void ConfigReader::Finish() const {
  for (const auto &m : json_.Members())
    if (used_.count(m.first) == 0) VOX_ERR << what_ << ": unknown key \"" << m.first << "\"";
}

}  // namespace voxtools

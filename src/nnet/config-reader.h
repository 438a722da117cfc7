// src/nnet/config-reader.h
// Reads a model or loss configuration from its JSON object (the `config` of a model file,
// or a conf/models/*.json file) field by field into a flat struct, keeping the struct's
// default where a key is absent, and failing on a key that no field claimed, so that a typo
// ("chanels") is an error at load time instead of a silently different network.
//
//   ConfigReader r(json, "ecapa-tdnn config");
//   r.Get("channels", &c.channels);
//   r.Finish();  // Error naming any unknown key
#ifndef VOXTOOLS_NNET_CONFIG_READER_H_
#define VOXTOOLS_NNET_CONFIG_READER_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "io/json.h"

namespace voxtools {

class ConfigReader {
 public:
  // Throws Error if json is not an object. `what` names it in errors.
  ConfigReader(const JsonValue &json, const std::string &what);
  // Each throws Error naming the key when the value has the wrong type.
  void Get(const std::string &key, int64_t *value);
  void Get(const std::string &key, float *value);
  void Get(const std::string &key, bool *value);
  void Get(const std::string &key, std::string *value);
  void Get(const std::string &key, std::vector<int64_t> *value);
  // The member, or nullptr if absent (marks it as used).
  const JsonValue *Sub(const std::string &key);
  // Throws Error naming the first key no Get/Sub asked for.
  void Finish() const;

 private:
  const JsonValue *Find(const std::string &key);
  const JsonValue &json_;
  std::string what_;
  std::set<std::string> used_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_CONFIG_READER_H_

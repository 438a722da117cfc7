// src/base/options-itf.h
// The small interface option structs register against, so that libraries do not depend on how
// the command line is parsed (Boost.ProgramOptions stays behind ParseOptions).
#ifndef VOXTOOLS_BASE_OPTIONS_ITF_H_
#define VOXTOOLS_BASE_OPTIONS_ITF_H_

#include <cstdint>
#include <string>

namespace voxtools {

class OptionsItf {
 public:
  virtual ~OptionsItf() = default;
  // `name` is kebab-case without the leading dashes ("frame-shift"). The current value of
  // *ptr is the default shown by --help.
  virtual void Register(const std::string &name, bool *ptr, const std::string &doc) = 0;
  virtual void Register(const std::string &name, int32_t *ptr, const std::string &doc) = 0;
  virtual void Register(const std::string &name, int64_t *ptr, const std::string &doc) = 0;
  virtual void Register(const std::string &name, float *ptr, const std::string &doc) = 0;
  virtual void Register(const std::string &name, double *ptr, const std::string &doc) = 0;
  virtual void Register(const std::string &name, std::string *ptr, const std::string &doc) = 0;
};

}  // namespace voxtools

#endif  // VOXTOOLS_BASE_OPTIONS_ITF_H_

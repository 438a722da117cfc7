// src/base/log.h
// Logging and errors, in the manner of Kaldi's kaldi-error.h.
//
//   VOX_LOG << "Done " << n;      // LOG (tool:Function():file.cc:12) Done 5
//   VOX_WARN << "bad key " << k;  // WARNING (...) on stderr
//   VOX_VLOG(2) << "details";     // only with --verbose=2 or more
//   VOX_ERR << "no such file";    // throws voxtools::Error; main() prints it and exits 1
//   VOX_ASSERT(i < n);            // programmer error: message and abort, also in release builds
//
// Every line names the program, because the stderr of many parallel jobs ends up in one
// log. This header includes nothing else from the project.
#ifndef VOXTOOLS_BASE_LOG_H_
#define VOXTOOLS_BASE_LOG_H_

#include <sstream>
#include <stdexcept>
#include <string>

namespace voxtools {

// The error every library throws for bad data or bad usage. Tools catch it in main().
class Error : public std::runtime_error {
 public:
  // `what` is the whole line ("ERROR (tool:Function():file.cc:12) no such file"); `reason` is
  // the message alone ("no such file"), for a caller that reports it in its own words, e.g.
  // a per-item WARNING naming the key.
  explicit Error(const std::string &what, const std::string &reason = "")
      : std::runtime_error(what), reason_(reason.empty() ? what : reason) {}
  const std::string &reason() const { return reason_; }

 private:
  std::string reason_;
};

enum class LogLevel { kError = -2, kWarning = -1, kInfo = 0 };

// Process-wide settings, set once by main() (through ParseOptions) before any work starts.
void SetProgramName(const std::string &name);
const std::string &GetProgramName();
void SetVerboseLevel(int level);
int GetVerboseLevel();

// Collects one message and emits it when destroyed: prints it (LOG, WARNING, VLOG) or throws
// Error (ERROR). The destructor may throw on purpose; it is only ever a temporary.
class LogMessage {
 public:
  LogMessage(int level, const char *func, const char *file, int line);
  ~LogMessage() noexcept(false);
  std::ostream &stream() { return ss_; }

 private:
  int level_;  // LogLevel value, or a verbose level >= 1
  const char *func_;
  const char *file_;
  int line_;
  std::ostringstream ss_;
};

[[noreturn]] void AssertFailed(const char *cond, const char *func, const char *file, int line);

}  // namespace voxtools

#define VOX_LOG \
  ::voxtools::LogMessage(0, __func__, __FILE__, __LINE__).stream()
#define VOX_WARN \
  ::voxtools::LogMessage(-1, __func__, __FILE__, __LINE__).stream()
#define VOX_ERR \
  ::voxtools::LogMessage(-2, __func__, __FILE__, __LINE__).stream()
#define VOX_VLOG(v)                                  \
  if ((v) > ::voxtools::GetVerboseLevel()) {         \
  } else                                             \
    ::voxtools::LogMessage(v, __func__, __FILE__, __LINE__).stream()

#define VOX_ASSERT(cond)                                                 \
  do {                                                                   \
    if (!(cond))                                                         \
      ::voxtools::AssertFailed(#cond, __func__, __FILE__, __LINE__);     \
  } while (0)

// O(n) checks, compiled only with -DVOX_PARANOID.
#ifdef VOX_PARANOID
#define VOX_PARANOID_ASSERT(cond) VOX_ASSERT(cond)
#else
#define VOX_PARANOID_ASSERT(cond) \
  do {                            \
  } while (0)
#endif

#endif  // VOXTOOLS_BASE_LOG_H_

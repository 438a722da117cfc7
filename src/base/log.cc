// src/base/log.cc
#include "base/log.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

namespace voxtools {

namespace {
std::string g_program_name;
int g_verbose_level = 0;

const char *BaseName(const char *path) {
  const char *slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}
}  // namespace

void SetProgramName(const std::string &name) {
  size_t slash = name.rfind('/');
  g_program_name = slash == std::string::npos ? name : name.substr(slash + 1);
}
const std::string &GetProgramName() { return g_program_name; }
void SetVerboseLevel(int level) { g_verbose_level = level; }
int GetVerboseLevel() { return g_verbose_level; }

LogMessage::LogMessage(int level, const char *func, const char *file, int line)
    : level_(level), func_(func), file_(file), line_(line) {}

LogMessage::~LogMessage() noexcept(false) {
  std::string prefix;
  if (level_ == static_cast<int>(LogLevel::kError)) prefix = "ERROR";
  else if (level_ == static_cast<int>(LogLevel::kWarning)) prefix = "WARNING";
  else if (level_ == 0) prefix = "LOG";
  else prefix = "VLOG[" + std::to_string(level_) + "]";
  std::string where = g_program_name.empty() ? std::string() : g_program_name + ":";
  where += std::string(func_) + "():" + BaseName(file_) + ":" + std::to_string(line_);
  std::string text = prefix + " (" + where + ") " + ss_.str();

  if (level_ == static_cast<int>(LogLevel::kError)) {
    // Do not throw while another exception unwinds: that would terminate with no message.
    if (std::uncaught_exceptions() > 0) {
      std::fprintf(stderr, "%s\n", text.c_str());
      return;
    }
    throw Error(text, ss_.str());
  }
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

void AssertFailed(const char *cond, const char *func, const char *file, int line) {
  std::fprintf(stderr, "ASSERTION_FAILED (%s:%s():%s:%d) Assertion failed: (%s)\n",
               g_program_name.c_str(), func, BaseName(file), line, cond);
  std::fflush(stderr);
  std::abort();
}

}  // namespace voxtools

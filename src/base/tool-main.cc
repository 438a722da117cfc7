// src/base/tool-main.cc
#include "base/tool-main.h"

#include <csignal>
#include <cstdio>
#include <exception>
#include <new>

#include "base/log.h"

namespace voxtools {

int RunTool(int argc, char *argv[], int (*run)(int argc, char *argv[])) {
  SetProgramName(argc > 0 ? argv[0] : "voxtools");
  // A closed downstream pipe (`... | head`) must end us with an error, not a silent kill
  // halfway through a write: ignore SIGPIPE and let the write fail.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return run(argc, argv);
  } catch (const Error &e) {
    // The message already carries "ERROR (tool:function():file:line)".
    std::fprintf(stderr, "%s\n", e.what());
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "ERROR (%s) out of memory\n", GetProgramName().c_str());
  } catch (const std::exception &e) {
    std::fprintf(stderr, "ERROR (%s) %s\n", GetProgramName().c_str(), e.what());
  }
  return 1;
}

void CheckItemErrors(int64_t num_done, int64_t num_errors, int64_t max_errors,
                     const char *what) {
  if (num_errors > max_errors || num_done == 0)
    VOX_ERR << num_errors << " " << what << "(s) failed (--max-errors=" << max_errors << ")"
            << (num_done == 0 ? ", and none succeeded" : "") << "; nothing written";
}

}  // namespace voxtools

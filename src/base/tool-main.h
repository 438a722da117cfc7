// src/base/tool-main.h
// The one place that maps exceptions to an exit status. Each tool's main() is
//   int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, Run); }
// where Run parses its options and does the work, and returns 0 or 1.
#ifndef VOXTOOLS_BASE_TOOL_MAIN_H_
#define VOXTOOLS_BASE_TOOL_MAIN_H_

#include <cstdint>

namespace voxtools {

int RunTool(int argc, char *argv[], int (*run)(int argc, char *argv[]));

// The end of a per-item loop (DESIGN.md §2): throws Error if more than `max_errors` items
// failed (0: any), or if none succeeded, with "N <what>(s) failed (--max-errors=M)[, and none
// succeeded]; nothing written". Throwing before the writers are closed makes them discard
// their output, so a failed run leaves nothing partial behind.
void CheckItemErrors(int64_t num_done, int64_t num_errors, int64_t max_errors,
                     const char *what = "utterance");

}  // namespace voxtools

#endif  // VOXTOOLS_BASE_TOOL_MAIN_H_

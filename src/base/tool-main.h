// src/base/tool-main.h
// The one place that maps exceptions to an exit status. Each tool's main() is
//   int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, Run); }
// where Run parses its options and does the work, and returns 0 or 1.
#ifndef VOXTOOLS_BASE_TOOL_MAIN_H_
#define VOXTOOLS_BASE_TOOL_MAIN_H_

namespace voxtools {

int RunTool(int argc, char *argv[], int (*run)(int argc, char *argv[]));

// The exit status for a per-item loop: 1 (with an ERROR line) if num_errors exceeds
// max_errors. max_errors 0 means "fail if any item failed" (DESIGN.md §2).
int ExitStatusForErrors(long num_errors, long max_errors);

}  // namespace voxtools

#endif  // VOXTOOLS_BASE_TOOL_MAIN_H_

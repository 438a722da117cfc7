// tests/fuzz/table-fuzz.cc
// The archive and scp parsers on arbitrary bytes: the input is written to a file and read as
// a binary-or-text float-matrix archive, an int32 table, and as a list of scp lines (each also
// parsed as an rspecifier/wspecifier). Errors must be voxtools::Error, never a crash, a hang
// or a sanitizer report.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>

#include "base/log.h"
#include "io/holders.h"
#include "io/table-spec.h"
#include "io/table.h"

namespace {

template <class Holder>
void ReadAll(const std::string &rspecifier) {
  try {
    voxtools::SequentialTableReader<Holder> reader(rspecifier);
    for (int n = 0; !reader.Done() && n < 1000; reader.Next(), n++) reader.Value();
    reader.Close();
  } catch (const voxtools::Error &) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static std::string path = [] {
    voxtools::SetProgramName("table-fuzz");
    return "/tmp/vox-table-fuzz." + std::to_string(getpid()) + ".ark";
  }();
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);

  ReadAll<voxtools::FloatMatrixHolder>("ark:" + path);
  ReadAll<voxtools::Int32Holder>("ark:" + path);

  std::istringstream lines(std::string(reinterpret_cast<const char *>(data), size));
  std::string line;
  for (int n = 0; std::getline(lines, line) && n < 100; n++) {
    voxtools::ScpEntry entry;
    try {
      voxtools::ParseScpLine(line, &entry);
    } catch (const voxtools::Error &) {
    }
    try {
      voxtools::ParseRspecifier(line);
    } catch (const voxtools::Error &) {
    }
    try {
      voxtools::ParseWspecifier(line);
    } catch (const voxtools::Error &) {
    }
    try {
      voxtools::ResolveMatrixRange(line, 50, 20);
    } catch (const voxtools::Error &) {
    }
  }
  return 0;
}

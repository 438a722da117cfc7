// src/bin/copy-vector.cc
// Copies vectors: one object file to another, or a table to a table (Kaldi's copy-vector).
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "io/kaldi-object.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Copy vectors, or archives of vectors (e.g. x-vectors), converting between binary and\n"
    "text. Table mode if the first argument is an rspecifier. Double vectors are read as\n"
    "float, as Kaldi does.\n"
    "\n"
    "Usage: copy-vector [options] <vector-in-rxfilename> <vector-out-wxfilename>\n"
    "  or:  copy-vector [options] <vector-in-rspecifier> <vector-out-wspecifier>\n"
    "e.g.: copy-vector --binary=false mean.vec -\n"
    "      copy-vector ark,t:xvectors.txt ark,scp:xvector.ark,xvector.scp\n"
    "See also: copy-matrix, copy-feats\n";

struct CopyVectorOptions {
  bool binary = true;
  int64_t max_errors = 0;

  void Register(OptionsItf *opts) {
    opts->Register("binary", &binary, "Binary output (single-object mode; for tables use ark,t:)");
    opts->Register("max-errors", &max_errors,
                   "Fail if more than this many vectors could not be written (0: any)");
  }
};

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  CopyVectorOptions opts;
  opts.Register(&po);
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  const std::string in = po.GetArg(1), out = po.GetArg(2);
  const bool in_is_table = ClassifyRspecifier(in) != TableType::kNone;
  const bool out_is_table = ClassifyWspecifier(out) != TableType::kNone;
  // One side a table and the other not: parse both, so that a mistyped specifier gets its
  // own error message.
  if (in_is_table != out_is_table) {
    if (!in_is_table) ParseRspecifier(in);
    if (!out_is_table) ParseWspecifier(out);
  }

  if (!in_is_table) {
    Vector<float> vec;
    ReadKaldiObject(in, &vec);
    WriteKaldiObject(out, opts.binary, vec);
    VOX_LOG << "Copied vector from " << in << " to " << out;
    return 0;
  }
  SequentialTableReader<FloatVectorHolder> reader(in);
  TableWriter<FloatVectorHolder> writer(out);
  int64_t num_done = 0, num_err = 0;
  for (; !reader.Done(); reader.Next()) {
    try {
      writer.Write(reader.Key(), reader.Value());
      num_done++;
    } catch (const Error &e) {
      VOX_WARN << "vector " << reader.Key() << ": " << e.what();
      num_err++;
    }
  }
  VOX_LOG << "Done " << num_done << ", errors " << num_err;
  // Failing by exception makes the writer discard its output.
  if (num_err > opts.max_errors)
    VOX_ERR << num_err << " vectors failed, more than --max-errors=" << opts.max_errors;
  if (num_done == 0) VOX_ERR << "no vectors were copied from " << in << " (empty input?)";
  writer.Close();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

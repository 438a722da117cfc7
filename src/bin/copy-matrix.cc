// src/bin/copy-matrix.cc
// Copies matrices: one object file to another, or a table to a table (Kaldi's copy-matrix).
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "io/kaldi-object.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Copy matrices, or archives of matrices, converting between binary and text, optionally\n"
    "scaling them. Table mode if the first argument is an rspecifier.\n"
    "\n"
    "Usage: copy-matrix [options] <matrix-in-rxfilename> <matrix-out-wxfilename>\n"
    "  or:  copy-matrix [options] <matrix-in-rspecifier> <matrix-out-wspecifier>\n"
    "e.g.: copy-matrix --binary=false transform.mat transform.txt\n"
    "      copy-matrix ark:scores.ark ark,t:-\n"
    "See also: copy-feats, copy-vector\n";

struct CopyMatrixOptions {
  bool binary = true;
  float scale = 1.0f;
  int64_t max_errors = 0;

  void Register(OptionsItf *opts) {
    opts->Register("binary", &binary, "Binary output (single-object mode; for tables use ark,t:)");
    opts->Register("scale", &scale, "Multiply every element by this");
    opts->Register("max-errors", &max_errors,
                   "Fail if more than this many matrices could not be written (0: any)");
  }
};

void Scale(float scale, Matrix<float> *m) {
  if (scale == 1.0f) return;
  for (int64_t i = 0; i < m->NumElements(); i++) m->Data()[i] *= scale;
}

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  CopyMatrixOptions opts;
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
    Matrix<float> mat;
    ReadKaldiObject(in, &mat);
    Scale(opts.scale, &mat);
    WriteKaldiObject(out, opts.binary, mat);
    VOX_LOG << "Copied matrix from " << in << " to " << out;
    return 0;
  }
  SequentialTableReader<FloatMatrixHolder> reader(in);
  TableWriter<FloatMatrixHolder> writer(out);
  int64_t num_done = 0, num_err = 0;
  for (; !reader.Done(); reader.Next()) {
    Matrix<float> &mat = reader.Value();
    Scale(opts.scale, &mat);
    try {
      writer.Write(reader.Key(), mat);
      num_done++;
    } catch (const Error &e) {
      VOX_WARN << "matrix " << reader.Key() << ": " << e.what();
      num_err++;
    }
  }
  VOX_LOG << "Done " << num_done << ", errors " << num_err;
  // Failing by exception makes the writer discard its output.
  if (num_err > opts.max_errors)
    VOX_ERR << num_err << " matrices failed, more than --max-errors=" << opts.max_errors;
  if (num_done == 0) VOX_ERR << "no matrices were copied from " << in << " (empty input?)";
  writer.Close();
  return 0;
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

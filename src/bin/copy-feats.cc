// src/bin/copy-feats.cc
// Copies feature matrices between tables (ark, scp, h5; binary or text), optionally
// compressing them (Kaldi's copy-feats).
#include <string>

#include "base/log.h"
#include "base/parse-options.h"
#include "base/tool-main.h"
#include "io/compressed-matrix.h"
#include "io/kaldi-object.h"
#include "io/kaldi-stream.h"
#include "io/table.h"

namespace voxtools {
namespace {

const char *kUsage =
    "Copy features (float matrices) between tables, converting formats; with --compress,\n"
    "write Kaldi compressed matrices.\n"
    "\n"
    "Usage: copy-feats [options] <in-rspecifier> <out-wspecifier>\n"
    "  or:  copy-feats [options] <feats-rxfilename> <feats-wxfilename>\n"
    "e.g.: copy-feats ark:feats.ark ark,scp:out.ark,out.scp\n"
    "      copy-feats --compress=true scp:feats.scp h5:feats.h5\n"
    "      copy-feats ark:feats.ark ark,t:-\n"
    "See also: copy-matrix, feat-to-dim, feat-to-len\n";

struct CopyFeatsOptions {
  bool binary = true;  // single-object mode only; tables use ",t"
  bool compress = false;
  int32_t compression_method = 1;  // Kaldi's default, kAutomatic
  std::string write_num_frames;
  int64_t max_errors = 0;

  void Register(OptionsItf *opts) {
    opts->Register("binary", &binary, "Binary output (single-object mode; for tables use ark,t:)");
    opts->Register("compress", &compress, "Write compressed matrices (CM/CM2/CM3)");
    opts->Register("compression-method", &compression_method,
                   "With --compress: 1 automatic, 2 speech feature, 3 two-byte auto, "
                   "4 two-byte signed integer, 5 one-byte auto, 6 one-byte unsigned integer, "
                   "7 one-byte zero-one (Kaldi's numbering)");
    opts->Register("write-num-frames", &write_num_frames,
                   "Wspecifier to write the number of frames of each utterance (int32 table)");
    opts->Register("max-errors", &max_errors,
                   "Fail if more than this many utterances could not be written (0: any)");
  }
  void Validate() const {
    if (compression_method < 1 || compression_method > 7)
      VOX_ERR << "--compression-method=" << compression_method << " is not in 1..7";
    if (max_errors < 0) VOX_ERR << "--max-errors=" << max_errors << " must be >= 0";
  }
};

template <class Holder, typename Convert>
int CopyTable(const CopyFeatsOptions &opts, const std::string &rspecifier,
              const std::string &wspecifier, Convert convert) {
  SequentialTableReader<FloatMatrixHolder> reader(rspecifier);
  TableWriter<Holder> writer(wspecifier);
  TableWriter<Int32Holder> num_frames_writer;
  if (!opts.write_num_frames.empty()) num_frames_writer.Open(opts.write_num_frames);
  int64_t num_done = 0, num_err = 0;
  for (; !reader.Done(); reader.Next()) {
    const std::string &key = reader.Key();
    const Matrix<float> &feats = reader.Value();
    try {
      writer.Write(key, convert(feats));
    } catch (const Error &e) {
      VOX_WARN << "utterance " << key << ": " << e.what();
      num_err++;
      continue;
    }
    if (num_frames_writer.IsOpen())
      num_frames_writer.Write(key, static_cast<int32_t>(feats.NumRows()));
    num_done++;
  }
  VOX_LOG << "Done " << num_done << ", errors " << num_err;
  // Failing by exception (not by returning 1) makes the writers discard their output.
  if (num_err > opts.max_errors)
    VOX_ERR << num_err << " utterance(s) failed, more than --max-errors=" << opts.max_errors;
  if (num_done == 0) VOX_ERR << "no features were copied from " << rspecifier << " (empty input?)";
  writer.Close();
  num_frames_writer.Close();
  return 0;
}

int Run(int argc, char *argv[]) {
  ParseOptions po(kUsage);
  CopyFeatsOptions opts;
  opts.Register(&po);
  if (!po.Read(argc, argv)) return 0;
  if (po.NumArgs() != 2) {
    po.PrintUsage();
    return 1;
  }
  opts.Validate();
  const std::string in = po.GetArg(1), out = po.GetArg(2);
  const CompressionMethod method = static_cast<CompressionMethod>(opts.compression_method);

  if (ClassifyRspecifier(in) == TableType::kNone) {
    // Single object, as Kaldi: rxfilename -> wxfilename.
    // The output is a table: the input must have been meant as one too (a typo in it gets
    // ParseRspecifier's message).
    if (ClassifyWspecifier(out) != TableType::kNone) ParseRspecifier(in);
    Matrix<float> feats;
    ReadKaldiObject(in, &feats);
    if (opts.compress) {
      CompressedMatrix cm(feats, method);
      Output ko(out, opts.binary);
      cm.Write(ko.Stream(), opts.binary);
      ko.Close();
    } else {
      WriteKaldiObject(out, opts.binary, feats);
    }
    VOX_LOG << "Copied features from " << in << " to " << out;
    return 0;
  }
  if (opts.compress)
    return CopyTable<CompressedMatrixHolder>(
        opts, in, out, [method](const Matrix<float> &m) { return CompressedMatrix(m, method); });
  return CopyTable<FloatMatrixHolder>(opts, in, out,
                                      [](const Matrix<float> &m) -> const Matrix<float> & {
                                        return m;
                                      });
}

}  // namespace
}  // namespace voxtools

int main(int argc, char *argv[]) { return voxtools::RunTool(argc, argv, voxtools::Run); }

// src/io/table-spec.h
// Parsing Kaldi's rspecifiers, wspecifiers and scp lines (the grammar of Kaldi's
// kaldi-table.h), plus voxtools' "h5:" backend.
//
// rspecifier:  [options,]ark:<rxfilename> | [options,]scp:<rxfilename> | [options,]h5:<file>
//   options: o (each key is asked for once), s (keys are sorted), cs (keys will be asked for
//   in sorted order), p (permissive: skip what cannot be read), their negations no, ns,
//   ncs, np, and b, t (ignored, for scripting convenience). "sorted" is a synonym of s.
// wspecifier:  [options,]ark:<wxfilename> | [options,]scp:<rxfilename of an existing scp>
//   | [options,]ark,scp:<archive filename>,<scp wxfilename> | [options,]h5:<file>
//   options: t (text), b (binary, the default), f (flush after each object), nf,
//   p (scp: skip keys the scp does not list, with a warning), and for h5 only gz
//   (gzip level 1 on every dataset; HDF5 datasets are always chunked).
// Options and types may come in any order and are separated by commas; spaces around them
// are ignored ("t, ark:-"). Anything else (an unknown option, ark and scp together in an
// rspecifier, text mode for h5, o/s/cs on a writer, ...) is an Error naming the specifier.
//
// scp line:  <key> <rxfilename>[<range>]
//   The rxfilename may contain spaces (a command ending in '|'), or be "file:offset". A range
//   "[r1:r2]", "[r1:r2,c1:c2]" or "[:,c1:c2]" (inclusive, 0-based; ":" or an empty part
//   means all) selects rows and columns of a matrix.
#ifndef VOXTOOLS_IO_TABLE_SPEC_H_
#define VOXTOOLS_IO_TABLE_SPEC_H_

#include <cstdint>
#include <string>
#include <vector>

namespace voxtools {

enum class TableType { kNone, kArchive, kScript, kArchiveAndScript, kH5 };

struct RspecifierOptions {
  bool once = false;
  bool sorted = false;
  bool called_sorted = false;  // implies once
  bool permissive = false;
};

struct Rspecifier {
  TableType type = TableType::kNone;  // kArchive, kScript or kH5
  std::string filename;               // the rxfilename (h5: a plain file name)
  RspecifierOptions opts;
};

struct WspecifierOptions {
  bool binary = true;
  bool flush = false;
  bool permissive = false;
  int h5_compression = 0;  // gzip level for h5 datasets (option "gz": 1)
};

struct Wspecifier {
  TableType type = TableType::kNone;  // kArchive, kScript, kArchiveAndScript or kH5
  std::string archive;                // ark (or h5) wxfilename
  std::string script;                 // scp filename (kScript: read; kArchiveAndScript: written)
  WspecifierOptions opts;
};

// Throw Error naming the specifier and what is wrong with it.
Rspecifier ParseRspecifier(const std::string &rspecifier);
Wspecifier ParseWspecifier(const std::string &wspecifier);

// No-throw classification: kNone for anything ParseRspecifier/ParseWspecifier would reject.
// Tools use these to tell a table argument from a plain file name (copy-matrix).
TableType ClassifyRspecifier(const std::string &rspecifier);
TableType ClassifyWspecifier(const std::string &wspecifier);

// One line of an scp file. `range` is the text between the brackets, "" if none.
struct ScpEntry {
  std::string key;
  std::string rxfilename;
  std::string range;
};

// Parses "key rxfilename[range]" (whitespace trimmed). False on a line with no key, no
// filename, an invalid key, or a malformed bracket.
bool ParseScpLine(const std::string &line, ScpEntry *entry);

// Reads a whole scp (an rxfilename: file, pipe or "-"). Throws Error naming the file and the
// line number on a malformed line. Empty lines are errors, as Kaldi's.
std::vector<ScpEntry> ReadScpFile(const std::string &rxfilename);

// A matrix range resolved against a matrix of num_rows x num_cols.
struct MatrixRange {
  int32_t row_begin = 0, num_rows = 0, col_begin = 0, num_cols = 0;
};

// Parses `range` ("10:19", "100:122,0:39", ":,70:79") and checks it lies within a
// num_rows x num_cols matrix (inclusive bounds, first <= last). Throws Error naming the
// range and the matrix size.
MatrixRange ResolveMatrixRange(const std::string &range, int64_t num_rows, int64_t num_cols);

}  // namespace voxtools

#endif  // VOXTOOLS_IO_TABLE_SPEC_H_

// src/io/table-spec.cc
#include "io/table-spec.h"

#include "base/log.h"
#include "base/text-utils.h"
#include "io/kaldi-stream.h"

namespace voxtools {

namespace {

// Splits "opts:filename" at the first ':' into trimmed, comma-separated words. False if
// there is no ':' or a word is empty.
bool SplitSpecifier(const std::string &spec, std::vector<std::string> *words,
                    std::string *filename) {
  size_t colon = spec.find(':');
  if (colon == std::string::npos) return false;
  words->clear();
  for (const std::string &w : SplitString(spec.substr(0, colon), ",", false)) {
    std::string t = Trim(w);
    if (t.empty()) return false;
    words->push_back(t);
  }
  *filename = spec.substr(colon + 1);
  return true;
}

// Sets *type, complaining about a second one.
void SetType(TableType t, TableType *type, const std::string &spec) {
  if (*type != TableType::kNone && *type != t)
    VOX_ERR << "more than one table type (ark, scp, h5) in '" << spec << "'";
  *type = t;
}

}  // namespace

Rspecifier ParseRspecifier(const std::string &spec) {
  std::vector<std::string> words;
  Rspecifier r;
  if (!SplitSpecifier(spec, &words, &r.filename))
    VOX_ERR << "not an rspecifier: '" << spec << "' (expected e.g. ark:file, scp:file, h5:file)";
  for (const std::string &w : words) {
    if (w == "ark") SetType(TableType::kArchive, &r.type, spec);
    else if (w == "scp") SetType(TableType::kScript, &r.type, spec);
    else if (w == "h5") SetType(TableType::kH5, &r.type, spec);
    else if (w == "o") r.opts.once = true;
    else if (w == "no") r.opts.once = false;
    else if (w == "s" || w == "sorted") r.opts.sorted = true;
    else if (w == "ns") r.opts.sorted = false;
    else if (w == "cs") r.opts.called_sorted = true;
    else if (w == "ncs") r.opts.called_sorted = false;
    else if (w == "p") r.opts.permissive = true;
    else if (w == "np") r.opts.permissive = false;
    else if (w == "b" || w == "t") continue;  // ignored when reading, as Kaldi
    else if (w == "f" || w == "nf" || w == "gz")
      VOX_ERR << "option '" << w << "' is for writing (wspecifiers), not in rspecifier '" << spec
              << "'";
    else
      VOX_ERR << "unknown option '" << w << "' in rspecifier '" << spec << "'";
  }
  if (r.type == TableType::kNone)
    VOX_ERR << "rspecifier '" << spec << "' has no table type (ark, scp or h5)";
  if (r.type == TableType::kH5) {
    if (ClassifyWxfilename(r.filename) != OutputType::kFile)
      VOX_ERR << "an h5 table must be a plain file name: '" << spec << "'";
  } else if (ClassifyRxfilename(r.filename) == InputType::kNone) {
    VOX_ERR << "invalid file name in rspecifier '" << spec << "'";
  }
  return r;
}

Wspecifier ParseWspecifier(const std::string &spec) {
  std::vector<std::string> words;
  std::string rest;
  Wspecifier w;
  if (!SplitSpecifier(spec, &words, &rest))
    VOX_ERR << "not a wspecifier: '" << spec
            << "' (expected e.g. ark:file, ark,scp:file.ark,file.scp, h5:file)";
  bool ark = false, scp = false, h5 = false, text = false, gz = false;
  for (const std::string &o : words) {
    if (o == "ark") ark = true;
    else if (o == "scp") scp = true;
    else if (o == "h5") h5 = true;
    else if (o == "b") w.opts.binary = true, text = false;
    else if (o == "t") w.opts.binary = false, text = true;
    else if (o == "f") w.opts.flush = true;
    else if (o == "nf") w.opts.flush = false;
    else if (o == "p") w.opts.permissive = true;
    else if (o == "np") w.opts.permissive = false;
    else if (o == "gz") gz = true;
    else if (o == "o" || o == "no" || o == "s" || o == "ns" || o == "cs" || o == "ncs" ||
             o == "sorted")
      VOX_ERR << "option '" << o << "' is for reading (rspecifiers), not in wspecifier '" << spec
              << "'";
    else
      VOX_ERR << "unknown option '" << o << "' in wspecifier '" << spec << "'";
  }
  if (h5 && (ark || scp)) VOX_ERR << "h5 cannot be combined with ark or scp: '" << spec << "'";
  if (h5 && text) VOX_ERR << "h5 tables have no text mode: '" << spec << "'";
  if (gz && !h5) VOX_ERR << "option 'gz' is only for h5 tables: '" << spec << "'";
  if (h5) {
    w.type = TableType::kH5;
    w.archive = rest;
    if (gz) w.opts.h5_compression = 1;
    if (ClassifyWxfilename(rest) != OutputType::kFile)
      VOX_ERR << "an h5 table must be a plain file name: '" << spec << "'";
  } else if (ark && scp) {
    w.type = TableType::kArchiveAndScript;
    size_t comma = rest.find(',');
    if (comma == std::string::npos)
      VOX_ERR << "ark,scp needs two file names, archive and scp: '" << spec << "'";
    w.archive = Trim(rest.substr(0, comma));
    w.script = Trim(rest.substr(comma + 1));
    if (ClassifyWxfilename(w.archive) == OutputType::kNone ||
        ClassifyWxfilename(w.script) == OutputType::kNone)
      VOX_ERR << "invalid file name in wspecifier '" << spec << "'";
  } else if (ark) {
    w.type = TableType::kArchive;
    w.archive = rest;
    if (ClassifyWxfilename(rest) == OutputType::kNone)
      VOX_ERR << "invalid file name in wspecifier '" << spec << "'";
  } else if (scp) {
    w.type = TableType::kScript;
    w.script = rest;
    if (ClassifyRxfilename(rest) == InputType::kNone)
      VOX_ERR << "invalid file name in wspecifier '" << spec << "'";
  } else {
    VOX_ERR << "wspecifier '" << spec << "' has no table type (ark, scp, ark,scp or h5)";
  }
  return w;
}

TableType ClassifyRspecifier(const std::string &spec) {
  try {
    return ParseRspecifier(spec).type;
  } catch (const Error &) {
    return TableType::kNone;
  }
}

TableType ClassifyWspecifier(const std::string &spec) {
  try {
    return ParseWspecifier(spec).type;
  } catch (const Error &) {
    return TableType::kNone;
  }
}

bool ParseScpLine(const std::string &line, ScpEntry *entry) {
  std::string key, rest;
  if (!SplitKeyValue(line, &key, &rest) || rest.empty()) return false;
  entry->key = key;
  entry->range.clear();
  if (rest.back() == ']') {
    size_t open = rest.rfind('[');
    if (open == std::string::npos || open == 0) return false;
    entry->range = rest.substr(open + 1, rest.size() - open - 2);
    rest = Trim(rest.substr(0, open));
    if (rest.empty() || entry->range.empty()) return false;
  }
  entry->rxfilename = rest;
  return true;
}

std::vector<ScpEntry> ReadScpFile(const std::string &rxfilename) {
  Input in(rxfilename);
  std::vector<ScpEntry> entries;
  std::string line;
  int64_t n = 0;
  while (std::getline(in.Stream(), line)) {
    n++;
    ScpEntry e;
    if (!ParseScpLine(line, &e))
      VOX_ERR << "bad line " << n << " in scp file " << PrintableRxfilename(rxfilename) << ": '"
              << line << "' (expected: key rxfilename)";
    entries.push_back(std::move(e));
  }
  if (in.Stream().bad())
    VOX_ERR << "error reading scp file " << PrintableRxfilename(rxfilename);
  in.Close();
  return entries;
}

MatrixRange ResolveMatrixRange(const std::string &range, int64_t num_rows, int64_t num_cols) {
  std::vector<std::string> parts = SplitString(range, ",", false);
  auto fail = [&]() {
    VOX_ERR << "invalid range [" << range << "] for a matrix of " << num_rows << " x "
            << num_cols;
  };
  if (parts.empty() || parts.size() > 2) fail();
  int32_t bounds[2][2] = {{0, static_cast<int32_t>(num_rows) - 1},
                          {0, static_cast<int32_t>(num_cols) - 1}};
  for (size_t i = 0; i < parts.size(); i++) {
    std::string p = Trim(parts[i]);
    if (p.empty() || p == ":") continue;  // all rows / columns
    std::vector<std::string> ab = SplitString(p, ":", false);
    if (ab.size() != 2 || !ConvertToInt32(Trim(ab[0]), &bounds[i][0]) ||
        !ConvertToInt32(Trim(ab[1]), &bounds[i][1]))
      fail();
  }
  int64_t dims[2] = {num_rows, num_cols};
  for (int i = 0; i < 2; i++)
    if (bounds[i][0] < 0 || bounds[i][0] > bounds[i][1] || bounds[i][1] >= dims[i]) fail();
  MatrixRange r;
  r.row_begin = bounds[0][0];
  r.num_rows = bounds[0][1] - bounds[0][0] + 1;
  r.col_begin = bounds[1][0];
  r.num_cols = bounds[1][1] - bounds[1][0] + 1;
  return r;
}

}  // namespace voxtools

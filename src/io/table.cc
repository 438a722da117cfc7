// src/io/table.cc
// The non-template helpers of the table implementations (table-impl.h).
#include "io/table.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/text-utils.h"

namespace voxtools {
namespace internal {

std::string ErrorReason(const std::exception &e) {
  const Error *error = dynamic_cast<const Error *>(&e);
  return error ? error->reason() : e.what();
}

bool ReadArchiveKey(std::istream &is, std::string *key) {
  int c;
  do {
    c = is.get();
  } while (c != EOF && std::isspace(c));
  if (c == EOF) {
    if (is.bad()) VOX_ERR << "read error";
    return false;
  }
  key->clear();
  while (c != EOF && !std::isspace(c)) {
    if (c == '\0')
      VOX_ERR << "a NUL byte in a key (a binary object where a key was expected?)";
    key->push_back(static_cast<char>(c));
    c = is.get();
  }
  // Kaldi's archive format: the key is followed by one space (or a tab); a newline right
  // after the key belongs to the object (an empty text object), so it is put back.
  if (c == EOF) VOX_ERR << "unexpected end of file after key " << *key;
  if (c == '\n') {
    is.unget();
  } else if (c != ' ' && c != '\t') {
    VOX_ERR << "expected a space after key " << *key;
  }
  return true;
}

void CheckTableKey(const std::string &key, const std::string &wspecifier) {
  if (!IsToken(key))
    VOX_ERR << "invalid key '" << key << "' for " << wspecifier
            << " (keys must be non-empty and contain no whitespace)";
}

std::string H5FileName(const std::string &filename, const std::string &specifier) {
  if (ClassifyWxfilename(filename) != OutputType::kFile)
    VOX_ERR << "an h5 table must be a plain file name: " << specifier;
  return filename;
}

void RenameIntoPlace(const std::string &tmp, const std::string &final_name) {
  if (std::rename(tmp.c_str(), final_name.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    VOX_ERR << "cannot rename " << tmp << " to " << final_name << ": " << std::strerror(err);
  }
}

void RemoveFileQuietly(const std::string &path) { std::remove(path.c_str()); }

void ReportReadError(bool permissive, const std::string &message) {
  if (permissive) {
    VOX_WARN << message << " (ignored: permissive read)";
    return;
  }
  VOX_ERR << message;
}

}  // namespace internal
}  // namespace voxtools

// tests/unit/io/temp-dir.h
// A temporary directory for tests that write files, removed (with its contents) at the end.
#ifndef VOXTOOLS_TESTS_UNIT_IO_TEMP_DIR_H_
#define VOXTOOLS_TESTS_UNIT_IO_TEMP_DIR_H_

#include <gtest/gtest.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace voxtools {
namespace test {

class TempDir {
 public:
  TempDir() {
    std::string templ = ::testing::TempDir() + "voxtools-io-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
  }
  ~TempDir() {
    for (const std::string &f : List()) std::remove((path_ + "/" + f).c_str());
    rmdir(path_.c_str());
  }
  std::string operator/(const std::string &name) const { return path_ + "/" + name; }
  const std::string &Path() const { return path_; }
  // File names in the directory (not "." or "..").
  std::vector<std::string> List() const {
    std::vector<std::string> out;
    DIR *d = opendir(path_.c_str());
    if (d == nullptr) return out;
    while (dirent *e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    closedir(d);
    return out;
  }

 private:
  std::string path_;
};

inline bool FileExists(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

inline void WriteFileBytes(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

inline std::string ReadWholeFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace test
}  // namespace voxtools

#endif  // VOXTOOLS_TESTS_UNIT_IO_TEMP_DIR_H_

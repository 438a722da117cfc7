// tests/unit/backend/backend-reference.h
// Runs tests/reference/backend-reference.py (Debian's /usr/bin/python3 with numpy, or
// $VOX_PYTHON) once per data set and reads its text matrices. A missing numpy skips the
// tests that need it (with the reason); any other script failure fails them.
#ifndef VOXTOOLS_TESTS_UNIT_BACKEND_BACKEND_REFERENCE_H_
#define VOXTOOLS_TESTS_UNIT_BACKEND_BACKEND_REFERENCE_H_

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "matrix/matrix.h"

namespace voxtools {
namespace test {

class BackendReference {
 public:
  // The data set `what` ("glc", "calibration", "score-norm"), generated on first use.
  static BackendReference &Get(const std::string &what) {
    static std::map<std::string, std::unique_ptr<BackendReference>> cache;
    std::unique_ptr<BackendReference> &ref = cache[what];
    if (ref == nullptr) ref.reset(new BackendReference(what));
    return *ref;
  }
  ~BackendReference() {
    if (!cleanup_.empty()) std::system(("rm -rf '" + cleanup_ + "'").c_str());
  }
  bool Ok() const { return !dir_.empty(); }
  const std::string &Why() const { return why_; }

  // A matrix file written by the script ("rows cols" then the values).
  Matrix<double> Load(const std::string &name) const {
    std::ifstream in(dir_ + "/" + name + ".txt");
    int64_t rows = 0, cols = 0;
    in >> rows >> cols;
    Matrix<double> m(rows, cols);
    for (int64_t i = 0; i < rows * cols; i++) in >> m.Data()[i];
    if (!in) ADD_FAILURE() << "cannot read " << dir_ << "/" << name << ".txt";
    return m;
  }
  std::vector<double> LoadRow(const std::string &name) const {
    const Matrix<double> m = Load(name);
    return std::vector<double>(m.Data(), m.Data() + m.NumElements());
  }

 private:
  explicit BackendReference(const std::string &what) {
    const char *py = std::getenv("VOX_PYTHON");
    const std::string python = py != nullptr && *py != '\0' ? py : "/usr/bin/python3";
    const char *root_env = std::getenv("VOX_ROOT");
    const std::string root = root_env != nullptr && *root_env != '\0' ? root_env : ".";
    std::string templ = ::testing::TempDir() + "voxtools-backend-ref-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) {
      why_ = "mkdtemp failed";
      ADD_FAILURE() << why_;
      return;
    }
    const std::string dir = buf.data();
    cleanup_ = dir;
    const std::string cmd = python + " " + root + "/tests/reference/backend-reference.py " + what +
                            " " + dir + " > " + dir + "/log 2>&1";
    const int rc = std::system(cmd.c_str());
    const int status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    if (status != 0) {
      std::ifstream log(dir + "/log");
      std::stringstream ss;
      ss << log.rdbuf();
      why_ = (status == 2 ? "numpy not available: " : "reference script failed: ") + ss.str();
      if (status != 2) ADD_FAILURE() << why_;  // a broken script fails, only a missing numpy skips
      return;
    }
    dir_ = dir;
  }
  std::string dir_, why_, cleanup_;
};

#define VOX_REQUIRE_BACKEND_REFERENCE(ref)   \
  do {                                       \
    if (!(ref).Ok()) GTEST_SKIP() << (ref).Why(); \
  } while (0)

}  // namespace test
}  // namespace voxtools

#endif  // VOXTOOLS_TESTS_UNIT_BACKEND_BACKEND_REFERENCE_H_

// src/io/kaldi-stream.cc
#include "io/kaldi-stream.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <streambuf>
#include <vector>

#include "base/log.h"
#include "io/io-funcs.h"

namespace voxtools {

namespace {

// A stream buffer over a file descriptor, for stdin/stdout and popen'd pipes: iostream's
// cin/cout go through stdio one character at a time, which is slow for large archives.
// It counts bytes so that tellp()/tellg() (seekoff(0, cur)) work without real seeking.
class FdStreamBuf : public std::streambuf {
 public:
  FdStreamBuf(int fd, bool for_write) : fd_(fd), for_write_(for_write), buf_(kSize) {
    if (for_write_) {
      setp(buf_.data(), buf_.data() + buf_.size());
    } else {
      setg(buf_.data(), buf_.data(), buf_.data());
    }
  }
  ~FdStreamBuf() override {
    if (for_write_) FlushBuffer();
  }
  bool Failed() const { return failed_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    // Keep the last bytes before the refill so that readers can put back a peeked token.
    size_t keep = std::min<size_t>(kPutBack, gptr() - eback());
    std::memmove(buf_.data(), gptr() - keep, keep);
    ssize_t n;
    do {
      n = ::read(fd_, buf_.data() + keep, buf_.size() - keep);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
      if (n < 0) failed_ = true;
      setg(buf_.data(), buf_.data() + keep, buf_.data() + keep);
      return traits_type::eof();
    }
    total_read_ += n;
    setg(buf_.data(), buf_.data() + keep, buf_.data() + keep + n);
    return traits_type::to_int_type(*gptr());
  }
  int_type overflow(int_type c) override {
    if (!FlushBuffer()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override {
    if (for_write_) return FlushBuffer() ? 0 : -1;
    return 0;
  }
  pos_type seekoff(off_type off, std::ios_base::seekdir dir,
                   std::ios_base::openmode which) override {
    if (off != 0 || dir != std::ios_base::cur) return pos_type(off_type(-1));
    if (for_write_) return pos_type(off_type(written_ + (pptr() - pbase())));
    return pos_type(off_type(total_read_ - (egptr() - gptr())));
  }

 private:
  bool FlushBuffer() {
    const char *p = pbase();
    while (p < pptr()) {
      ssize_t n = ::write(fd_, p, pptr() - p);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failed_ = true;
        setp(buf_.data(), buf_.data() + buf_.size());
        return false;
      }
      p += n;
      written_ += n;
    }
    setp(buf_.data(), buf_.data() + buf_.size());
    return true;
  }
  static constexpr size_t kSize = 1 << 16;
  static constexpr size_t kPutBack = 64;
  int fd_;
  bool for_write_;
  std::vector<char> buf_;
  int64_t written_ = 0, total_read_ = 0;
  bool failed_ = false;
};

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// ":<digits>" at the end.
bool HasOffsetSuffix(const std::string &name, size_t *colon) {
  size_t pos = name.rfind(':');
  if (pos == std::string::npos || pos + 1 == name.size()) return false;
  for (size_t i = pos + 1; i < name.size(); i++)
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return false;
  *colon = pos;
  return true;
}

std::string Trimmed(const std::string &s) {
  size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) b++;
  while (e > b && IsSpace(s[e - 1])) e--;
  return s.substr(b, e - b);
}

std::string DescribeStatus(int status) {
  if (status == -1) return "could not be waited for";
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with status " + std::to_string(status);
}

// A special file (/dev/null, a fifo) is written in place: renaming over it would replace it.
bool IsSpecialFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
}

}  // namespace

InputType ClassifyRxfilename(const std::string &name) {
  if (name.empty() || name == "-") return InputType::kStandard;
  if (name.front() == '|') return InputType::kNone;  // an output pipe
  if (name.back() == '|') return InputType::kPipe;
  if (IsSpace(name.front()) || IsSpace(name.back())) return InputType::kNone;
  size_t colon;
  if (HasOffsetSuffix(name, &colon)) return colon == 0 ? InputType::kNone : InputType::kOffsetFile;
  return InputType::kFile;
}

OutputType ClassifyWxfilename(const std::string &name) {
  if (name.empty() || name == "-") return OutputType::kStandard;
  if (name.front() == '|') return OutputType::kPipe;
  if (name.back() == '|') return OutputType::kNone;  // an input pipe
  if (IsSpace(name.front()) || IsSpace(name.back())) return OutputType::kNone;
  size_t colon;
  if (HasOffsetSuffix(name, &colon)) return OutputType::kNone;  // offsets are for reading
  return OutputType::kFile;
}

std::string PrintableRxfilename(const std::string &name) {
  return (name.empty() || name == "-") ? "standard input" : name;
}
std::string PrintableWxfilename(const std::string &name) {
  return (name.empty() || name == "-") ? "standard output" : name;
}

bool SplitOffsetFilename(const std::string &name, std::string *filename, int64_t *offset) {
  size_t colon;
  if (!HasOffsetSuffix(name, &colon) || colon == 0) return false;
  const std::string digits = name.substr(colon + 1);
  if (digits.size() > 18) return false;  // would overflow int64
  *filename = name.substr(0, colon);
  *offset = std::stoll(digits);
  return true;
}

std::string TemporaryOutputName(const std::string &filename) {
  return filename + ".tmp." + std::to_string(static_cast<long>(::getpid()));
}

// ---------------------------------------------------------------- Input

struct Input::Impl {
  InputType type = InputType::kNone;
  std::string filename;  // plain file behind kFile / kOffsetFile
  std::string command;   // kPipe
  std::ifstream file;
  FILE *pipe = nullptr;
  std::unique_ptr<FdStreamBuf> buf;
  std::unique_ptr<std::istream> stream;
  std::istream *is = nullptr;

  ~Impl() {
    if (pipe) ::pclose(pipe);  // quietly: the caller gave up on this input
  }
};

Input::Input() = default;
Input::Input(const std::string &rxfilename, bool *binary) { Open(rxfilename, binary); }
Input::~Input() = default;

bool Input::IsOpen() const { return impl_ != nullptr; }

std::istream &Input::Stream() {
  VOX_ASSERT(impl_ != nullptr);
  return *impl_->is;
}

void Input::Open(const std::string &rxfilename, bool *binary) {
  InputType type = ClassifyRxfilename(rxfilename);
  if (type == InputType::kNone) VOX_ERR << "invalid input name '" << rxfilename << "'";
  std::string filename = rxfilename;
  int64_t offset = 0;
  if (type == InputType::kOffsetFile) SplitOffsetFilename(rxfilename, &filename, &offset);

  bool reuse = impl_ && (type == InputType::kFile || type == InputType::kOffsetFile) &&
               (impl_->type == InputType::kFile || impl_->type == InputType::kOffsetFile) &&
               impl_->filename == filename && !impl_->file.bad();
  if (!reuse) {
    impl_.reset();
    auto impl = std::make_unique<Impl>();
    impl->type = type;
    if (type == InputType::kFile || type == InputType::kOffsetFile) {
      impl->filename = filename;
      impl->file.open(filename, std::ios::in | std::ios::binary);
      if (!impl->file.is_open())
        VOX_ERR << "cannot open " << filename << " for reading: " << std::strerror(errno);
      impl->is = &impl->file;
    } else if (type == InputType::kStandard) {
      impl->buf = std::make_unique<FdStreamBuf>(0, false);
      impl->stream = std::make_unique<std::istream>(impl->buf.get());
      impl->is = impl->stream.get();
    } else {
      impl->command = Trimmed(rxfilename.substr(0, rxfilename.size() - 1));
      std::fflush(nullptr);
      impl->pipe = ::popen(impl->command.c_str(), "r");
      if (impl->pipe == nullptr)
        VOX_ERR << "cannot run command '" << impl->command << "': " << std::strerror(errno);
      impl->buf = std::make_unique<FdStreamBuf>(fileno(impl->pipe), false);
      impl->stream = std::make_unique<std::istream>(impl->buf.get());
      impl->is = impl->stream.get();
    }
    impl_ = std::move(impl);
  }
  name_ = rxfilename;
  if (impl_->type == InputType::kFile || impl_->type == InputType::kOffsetFile) {
    if (reuse || offset > 0) {
      impl_->file.clear();
      impl_->file.seekg(offset, std::ios::beg);
      if (!impl_->file)
        VOX_ERR << "cannot seek to byte " << offset << " of " << filename;
    }
  }
  if (binary != nullptr) ReadBinaryMarker(*impl_->is, binary);
}

void Input::Close() {
  if (!impl_) return;
  std::unique_ptr<Impl> impl = std::move(impl_);
  if (impl->pipe) {
    int status = ::pclose(impl->pipe);
    impl->pipe = nullptr;
    // SIGPIPE means we stopped reading before the command finished writing: our choice.
    bool ok = status == 0 || (status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE);
    if (!ok) VOX_ERR << "command '" << impl->command << "' " << DescribeStatus(status);
  }
}

// ---------------------------------------------------------------- Output

struct Output::Impl {
  OutputType type = OutputType::kNone;
  std::string final_name, tmp_name;  // tmp_name empty: written in place
  std::string command;
  std::ofstream file;
  FILE *pipe = nullptr;
  std::unique_ptr<FdStreamBuf> buf;
  std::unique_ptr<std::ostream> stream;
  std::ostream *os = nullptr;
};

Output::Output() = default;
Output::Output(const std::string &wxfilename) { Open(wxfilename); }
Output::Output(const std::string &wxfilename, bool binary, bool write_header) {
  Open(wxfilename);
  if (write_header) WriteBinaryMarker(*impl_->os, binary);
}
Output::~Output() { Abandon(); }

bool Output::IsOpen() const { return impl_ != nullptr; }

std::ostream &Output::Stream() {
  VOX_ASSERT(impl_ != nullptr);
  return *impl_->os;
}

void Output::Open(const std::string &wxfilename) {
  Abandon();
  OutputType type = ClassifyWxfilename(wxfilename);
  if (type == OutputType::kNone) VOX_ERR << "invalid output name '" << wxfilename << "'";
  auto impl = std::make_unique<Impl>();
  impl->type = type;
  if (type == OutputType::kFile) {
    impl->final_name = wxfilename;
    std::string path = wxfilename;
    if (!IsSpecialFile(wxfilename)) path = impl->tmp_name = TemporaryOutputName(wxfilename);
    impl->file.open(path, std::ios::out | std::ios::binary | std::ios::trunc);
    if (!impl->file.is_open())
      VOX_ERR << "cannot open " << wxfilename << " for writing: " << std::strerror(errno);
    impl->os = &impl->file;
  } else if (type == OutputType::kStandard) {
    impl->buf = std::make_unique<FdStreamBuf>(1, true);
    impl->stream = std::make_unique<std::ostream>(impl->buf.get());
    impl->os = impl->stream.get();
  } else {
    impl->command = Trimmed(wxfilename.substr(1));
    std::fflush(nullptr);
    impl->pipe = ::popen(impl->command.c_str(), "w");
    if (impl->pipe == nullptr)
      VOX_ERR << "cannot run command '" << impl->command << "': " << std::strerror(errno);
    impl->buf = std::make_unique<FdStreamBuf>(fileno(impl->pipe), true);
    impl->stream = std::make_unique<std::ostream>(impl->buf.get());
    impl->os = impl->stream.get();
  }
  impl_ = std::move(impl);
  name_ = wxfilename;
}

int64_t Output::Tell() {
  VOX_ASSERT(impl_ != nullptr);
  std::streampos pos = impl_->os->tellp();
  if (pos == std::streampos(-1))
    VOX_ERR << "cannot tell the position in " << PrintableWxfilename(name_);
  return static_cast<int64_t>(pos);
}

void Output::Close() {
  if (!impl_) return;
  Impl &impl = *impl_;
  std::string problem;
  impl.os->flush();
  if (!*impl.os) problem = "write to " + PrintableWxfilename(name_) + " failed";
  if (impl.type == OutputType::kFile) {
    impl.file.close();
    if (problem.empty() && impl.file.fail())
      problem = "closing " + name_ + " failed: " + std::strerror(errno);
    if (problem.empty() && !impl.tmp_name.empty() &&
        std::rename(impl.tmp_name.c_str(), impl.final_name.c_str()) != 0)
      problem = "cannot rename " + impl.tmp_name + " to " + impl.final_name + ": " +
                std::strerror(errno);
    if (problem.empty()) impl.tmp_name.clear();
  } else if (impl.type == OutputType::kPipe) {
    impl.stream.reset();
    impl.buf.reset();  // flushes what is left
    int status = ::pclose(impl.pipe);
    impl.pipe = nullptr;
    // A command that died explains a failed write better than the write error does.
    if (status != 0) problem = "command '" + impl.command + "' " + DescribeStatus(status);
  }
  if (!problem.empty()) {
    Abandon();
    VOX_ERR << problem;
  }
  impl_.reset();
}

void Output::Abandon() {
  if (!impl_) return;
  std::unique_ptr<Impl> impl = std::move(impl_);
  if (impl->type == OutputType::kFile) {
    if (impl->file.is_open()) impl->file.close();
    if (!impl->tmp_name.empty()) std::remove(impl->tmp_name.c_str());
  } else if (impl->type == OutputType::kPipe) {
    impl->stream.reset();
    impl->buf.reset();
    if (impl->pipe) ::pclose(impl->pipe);
  } else if (impl->os) {
    impl->os->flush();
  }
}

}  // namespace voxtools

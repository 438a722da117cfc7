// src/io/kaldi-stream.h
// Opening Kaldi's "extended filenames" as C++ streams (the facts follow Kaldi's kaldi-io.h).
//
// An rxfilename (something to read) is one of
//   "-" or ""        standard input
//   "some cmd |"     the standard output of a shell command (popen); ends with '|'
//   "file:123"       a plain file, read from byte offset 123 (the stream is seeked there:
//                    nothing before the offset is read)
//   "file"           a plain file
// A wxfilename (something to write) is one of
//   "-"              standard output
//   "| some cmd"     the standard input of a shell command; starts with '|'
//   "file"           a plain file
// Names with leading or trailing whitespace are rejected, as Kaldi does.
//
// No partial output (DESIGN.md §2): a plain file is written to "<name>.tmp.<pid>" in the same
// directory and renamed into place by Close(). An Output destroyed without Close() (an
// exception unwinding) removes its temporary file, so the final name never holds a
// half-written file. A pipe command that exits non-zero is an Error at Close() naming the
// command. Standard output and pipes cannot be taken back once written.
//
// Every error names the file or command.
#ifndef VOXTOOLS_IO_KALDI_STREAM_H_
#define VOXTOOLS_IO_KALDI_STREAM_H_

#include <cstdint>
#include <istream>
#include <memory>
#include <ostream>
#include <string>

namespace voxtools {

enum class InputType { kNone, kStandard, kFile, kOffsetFile, kPipe };
enum class OutputType { kNone, kStandard, kFile, kPipe };

// kNone for a name that is not valid (whitespace at either end, a wxfilename pipe "| cmd"
// given as an rxfilename, ...). Does not touch the file system.
InputType ClassifyRxfilename(const std::string &rxfilename);
OutputType ClassifyWxfilename(const std::string &wxfilename);

// For messages: "standard input" / "standard output" for "-" and "", else the name.
std::string PrintableRxfilename(const std::string &rxfilename);
std::string PrintableWxfilename(const std::string &wxfilename);

// Splits "file:123" into "file" and 123. False if the name has no valid ":<digits>" suffix.
bool SplitOffsetFilename(const std::string &rxfilename, std::string *filename, int64_t *offset);

// The temporary name an output file is written under before Close() renames it.
std::string TemporaryOutputName(const std::string &filename);

class Input {
 public:
  Input();
  // Opens, throwing Error if it cannot. If binary is non-null, also reads Kaldi's binary
  // marker ("\0B") and says whether the object that follows is binary.
  explicit Input(const std::string &rxfilename, bool *binary = nullptr);
  ~Input();
  Input(const Input &) = delete;
  Input &operator=(const Input &) = delete;

  // Opens `rxfilename` (closing what was open). If the same plain file is already open, it
  // only seeks: reading many "ark:offset" entries of one archive opens the archive once.
  void Open(const std::string &rxfilename, bool *binary = nullptr);
  bool IsOpen() const;
  std::istream &Stream();
  const std::string &Name() const { return name_; }
  // Closes; for a pipe, throws Error naming the command if it exited non-zero.
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string name_;
};

class Output {
 public:
  Output();
  // Opens, throwing Error if it cannot. The 3-argument form also writes the binary marker
  // when binary && write_header (Kaldi's Output).
  explicit Output(const std::string &wxfilename);
  Output(const std::string &wxfilename, bool binary, bool write_header = true);
  // Not closed: removes the temporary file (plain files), or closes the pipe quietly.
  ~Output();
  Output(const Output &) = delete;
  Output &operator=(const Output &) = delete;

  void Open(const std::string &wxfilename);
  bool IsOpen() const;
  std::ostream &Stream();
  const std::string &Name() const { return name_; }
  // Bytes written so far (the position of the next byte). This is what the "ark,scp"
  // writer records as an object's offset. Throws if the stream cannot tell.
  int64_t Tell();
  // Flushes and closes; for a plain file renames the temporary file into place. Throws
  // Error naming the file (or the command, for a pipe that exited non-zero); after a
  // failed Close() nothing is left under the final name or the temporary one.
  void Close();
  // Discards what was written: removes the temporary file (a pipe is closed). No throw.
  void Abandon();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string name_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_IO_KALDI_STREAM_H_

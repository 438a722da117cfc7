// src/io/table.h
// Kaldi tables: collections of objects indexed by string keys, read and written through
// rspecifiers and wspecifiers (grammar in table-spec.h; object formats in holders.h).
//
//   SequentialTableReader<FloatMatrixHolder> reader("ark:feats.ark");
//   TableWriter<FloatMatrixHolder> writer("ark,scp:out.ark,out.scp");
//   for (; !reader.Done(); reader.Next()) writer.Write(reader.Key(), reader.Value());
//   writer.Close();
//
// Backends:
//   ark:   an archive, "key " then the object, repeated. Read from a file, a pipe or stdin;
//          written to a file, a pipe or stdout.
//   scp:   a list of "key rxfilename[range]". Reading opens each rxfilename ("file:offset"
//          is seeked to, and consecutive entries in one file reuse the open file). Writing
//          ("scp:list") writes each key's object to the wxfilename the list gives.
//   ark,scp: writes an archive plus an scp whose lines are "key archive:offset", the offset
//          pointing just past "key " (at "\0B" or " ["). The archive must be a plain file.
//   h5:    an HDF5 file, one dataset per key (holders.h says how each type maps). Sequential
//          reading returns datasets in creation order; random access opens one dataset.
//          Written to a temporary file and renamed on Close(). Datasets are chunked;
//          "h5,gz:" adds gzip level 1 (worth it for int16 audio, little for float
//          features, so it is not the default).
//
// Errors (voxtools differs from Kaldi here, on purpose): any read error throws Error at once
// from Open() or Next() (or HasKey()/Value() for random access), naming the key and the
// specifier: "reading key utt3 from ark:feats.ark: <reason>". Kaldi instead lets Done()
// return true and reports the error at Close() or in the destructor, which lets a careless
// tool take a truncated archive for a complete one. A pipe that exits non-zero is an error
// when its end is reached. With the "p" (permissive) option, errors are WARNINGs instead: an
// archive is read up to the error, an scp (or h5) entry that cannot be read is skipped (and
// HasKey() returns false for it), as in Kaldi. Close() returns true, and false only after a
// permissive archive reader stopped at an error.
//
// Random access: "scp:" and "h5:" look the key up in an index and read only that object
// (the archive an scp points into is opened at the offset, not read from the start).
// "ark:" reads forward until it finds the key, keeping what it passed (in memory) for later
// lookups; with "s" (sorted keys) it stops as soon as it passes where the key would be, and
// with "s,cs" (asked in sorted order) it also drops everything before the key asked for, so
// memory stays bounded. "o" (each key asked once) drops an object once the next key is asked
// for. A duplicate key in a table read for random access is an Error.
//
// Writing: keys must be tokens (non-empty, no whitespace), else Error naming the key. A
// TableWriter's outputs reach their final names only in Close(); if it is destroyed while an
// exception unwinds, everything it wrote is removed (pipes and stdout cannot be taken back).
// Destroyed without Close() otherwise, it closes as Kaldi's does, and throws if that fails.
// Duplicate keys are written as given (Kaldi allows them in archives).
#ifndef VOXTOOLS_IO_TABLE_H_
#define VOXTOOLS_IO_TABLE_H_

#include <memory>
#include <string>

#include "io/holders.h"
#include "io/table-spec.h"

namespace voxtools {

namespace internal {
template <class Holder> class SequentialReaderImpl;
template <class Holder> class RandomAccessReaderImpl;
template <class Holder> class WriterImpl;
}  // namespace internal

template <class Holder>
class SequentialTableReader {
 public:
  using T = typename Holder::T;
  SequentialTableReader();
  // Opens; throws Error naming the rspecifier if it cannot (or the first object is bad).
  explicit SequentialTableReader(const std::string &rspecifier);
  ~SequentialTableReader();
  SequentialTableReader(const SequentialTableReader &) = delete;
  SequentialTableReader &operator=(const SequentialTableReader &) = delete;

  void Open(const std::string &rspecifier);
  bool IsOpen() const { return impl_ != nullptr; }
  // True after the last object. Key() and Value() are valid only while Done() is false.
  bool Done() const;
  const std::string &Key() const;
  // Valid until the next call to Next(); the caller may modify or swap it.
  T &Value();
  // Moves to the next object; throws Error naming the key and specifier on a read error.
  void Next();
  // Frees the current object early (large objects).
  void FreeCurrent();
  // Closes; false only if a permissive reader stopped at an error.
  bool Close();

 private:
  std::unique_ptr<internal::SequentialReaderImpl<Holder>> impl_;
};

template <class Holder>
class RandomAccessTableReader {
 public:
  using T = typename Holder::T;
  RandomAccessTableReader();
  explicit RandomAccessTableReader(const std::string &rspecifier);
  ~RandomAccessTableReader();
  RandomAccessTableReader(const RandomAccessTableReader &) = delete;
  RandomAccessTableReader &operator=(const RandomAccessTableReader &) = delete;

  void Open(const std::string &rspecifier);
  bool IsOpen() const { return impl_ != nullptr; }
  bool HasKey(const std::string &key);
  // Throws Error if the key is absent or its object cannot be read. The reference is valid
  // until the next call to HasKey() or Value().
  const T &Value(const std::string &key);
  bool Close();

 private:
  std::unique_ptr<internal::RandomAccessReaderImpl<Holder>> impl_;
};

template <class Holder>
class TableWriter {
 public:
  using T = typename Holder::T;
  TableWriter();
  explicit TableWriter(const std::string &wspecifier);
  // See the header comment: removes the output while an exception unwinds, else closes.
  ~TableWriter() noexcept(false);
  TableWriter(const TableWriter &) = delete;
  TableWriter &operator=(const TableWriter &) = delete;

  void Open(const std::string &wspecifier);
  bool IsOpen() const { return impl_ != nullptr; }
  // Throws Error naming the key and the wspecifier.
  void Write(const std::string &key, const T &value);
  void Flush();
  // Finishes every output and moves it to its final name; throws Error on failure (and then
  // leaves nothing behind).
  void Close();

 private:
  std::unique_ptr<internal::WriterImpl<Holder>> impl_;
  int uncaught_at_open_ = 0;
};

}  // namespace voxtools

#include "io/table-impl.h"

#endif  // VOXTOOLS_IO_TABLE_H_

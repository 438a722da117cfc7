// src/io/table-impl.h
// The per-backend implementations behind table.h (templates, so they live in a header).
// Included only by table.h. The non-template helpers are in table.cc.
#ifndef VOXTOOLS_IO_TABLE_IMPL_H_
#define VOXTOOLS_IO_TABLE_IMPL_H_

#include <exception>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/log.h"
#include "io/h5-file.h"
#include "io/kaldi-stream.h"
#include "io/table-spec.h"

namespace voxtools {
namespace internal {

// The message of an Error without its "ERROR (where) " prefix, to be wrapped in a message
// that adds the key and the file.
std::string ErrorReason(const std::exception &e);
// Reads the key at the start of an archive entry and the single space after it. False at a
// clean end of input; throws on a malformed key.
bool ReadArchiveKey(std::istream &is, std::string *key);
// Throws Error unless `key` is a valid table key (IsToken).
void CheckTableKey(const std::string &key, const std::string &wspecifier);
// The plain file name behind an "h5:" specifier; throws for "-" or pipes.
std::string H5FileName(const std::string &filename, const std::string &specifier);
// Renames a finished temporary file into place; throws naming both.
void RenameIntoPlace(const std::string &tmp, const std::string &final_name);
// Warns for a permissive reader, or throws.
void ReportReadError(bool permissive, const std::string &message);

template <class Holder>
void CheckH5Support(const std::string &specifier) {
  if (!Holder::kSupportsH5)
    VOX_ERR << "tables of " << Holder::TypeName() << " objects cannot be stored in HDF5: "
            << specifier;
}

// Reads one object for an scp entry from an already opened input.
template <class Holder>
void ReadScpObject(const ScpEntry &entry, std::istream &is, Holder *holder) {
  if (entry.range.empty()) {
    holder->Read(is);
  } else {
    holder->ReadRange(is, entry.range);
  }
}

// ---------------------------------------------------------------- sequential readers
template <class Holder>
class SequentialReaderImpl {
 public:
  virtual ~SequentialReaderImpl() = default;
  virtual bool Done() const = 0;
  virtual const std::string &Key() const = 0;
  virtual Holder &Current() = 0;
  virtual void Next() = 0;
  virtual bool Close() = 0;
};

template <class Holder>
class ArchiveSequentialReader : public SequentialReaderImpl<Holder> {
 public:
  ArchiveSequentialReader(const std::string &specifier, const Rspecifier &spec)
      : specifier_(specifier), spec_(spec) {
    input_.Open(spec.filename);
    Next();
  }
  bool Done() const override { return done_; }
  const std::string &Key() const override { return key_; }
  Holder &Current() override { return holder_; }
  void Next() override {
    if (done_) return;
    std::istream &is = input_.Stream();
    std::string prev = key_;
    try {
      if (!ReadArchiveKey(is, &key_)) {
        done_ = true;
        input_.Close();  // a pipe that failed is an error here, not a short table
        return;
      }
    } catch (const std::exception &e) {
      Fail("reading " + specifier_ +
           (prev.empty() ? std::string(" at its start") : " after key " + prev) + ": " +
           ErrorReason(e));
      return;
    }
    try {
      holder_.Read(is);
    } catch (const std::exception &e) {
      Fail("reading key " + key_ + " from " + specifier_ + ": " + ErrorReason(e));
    }
  }
  bool Close() override {
    done_ = true;
    return ok_;
  }

 private:
  void Fail(const std::string &message) {
    done_ = true;
    ok_ = false;
    ReportReadError(spec_.opts.permissive, message);
  }
  std::string specifier_;
  Rspecifier spec_;
  Input input_;
  std::string key_;
  Holder holder_;
  bool done_ = false, ok_ = true;
};

template <class Holder>
class ScriptSequentialReader : public SequentialReaderImpl<Holder> {
 public:
  ScriptSequentialReader(const std::string &specifier, const Rspecifier &spec)
      : specifier_(specifier), spec_(spec) {
    script_.Open(spec.filename);
    Next();
  }
  bool Done() const override { return done_; }
  const std::string &Key() const override { return entry_.key; }
  Holder &Current() override { return holder_; }
  void Next() override {
    while (!done_) {
      std::string line;
      if (!std::getline(script_.Stream(), line)) {
        done_ = true;
        script_.Close();
        return;
      }
      line_number_++;
      if (!ParseScpLine(line, &entry_))
        VOX_ERR << "bad line " << line_number_ << " in " << specifier_ << ": '" << line << "'";
      if (Load()) return;
    }
  }
  bool Close() override {
    done_ = true;
    return true;
  }

 private:
  bool Load() {
    try {
      data_.Open(entry_.rxfilename);
      ReadScpObject(entry_, data_.Stream(), &holder_);
      if (ClassifyRxfilename(entry_.rxfilename) == InputType::kPipe) data_.Close();
      return true;
    } catch (const std::exception &e) {
      // Permissive: the entry is skipped as if absent (Kaldi); the table is still whole.
      ReportReadError(spec_.opts.permissive, "reading key " + entry_.key + " from " +
                                                 specifier_ + " (" + entry_.rxfilename +
                                                 "): " + ErrorReason(e));
      return false;  // permissive: skip this entry
    }
  }
  std::string specifier_;
  Rspecifier spec_;
  Input script_, data_;
  ScpEntry entry_;
  int64_t line_number_ = 0;
  Holder holder_;
  bool done_ = false;
};

template <class Holder>
class H5SequentialReader : public SequentialReaderImpl<Holder> {
 public:
  H5SequentialReader(const std::string &specifier, const Rspecifier &spec)
      : specifier_(specifier), spec_(spec) {
    CheckH5Support<Holder>(specifier);
    file_ = std::make_unique<H5File>(H5FileName(spec.filename, specifier), H5File::Mode::kRead);
    keys_ = file_->ListDatasets();
    index_ = -1;
    Next();
  }
  bool Done() const override { return index_ >= static_cast<int64_t>(keys_.size()); }
  const std::string &Key() const override { return keys_[index_]; }
  Holder &Current() override { return holder_; }
  void Next() override {
    for (index_++; !Done(); index_++) {
      try {
        holder_.ReadH5(*file_, keys_[index_]);
        return;
      } catch (const std::exception &e) {
        ReportReadError(spec_.opts.permissive, "reading key " + keys_[index_] + " from " +
                                                   specifier_ + ": " + ErrorReason(e));
      }
    }
  }
  bool Close() override {
    index_ = keys_.size();
    file_.reset();
    return true;
  }

 private:
  std::string specifier_;
  Rspecifier spec_;
  std::unique_ptr<H5File> file_;
  std::vector<std::string> keys_;
  int64_t index_ = 0;
  Holder holder_;
};

// ---------------------------------------------------------------- random-access readers
template <class Holder>
class RandomAccessReaderImpl {
 public:
  virtual ~RandomAccessReaderImpl() = default;
  virtual bool HasKey(const std::string &key) = 0;
  // nullptr if absent; throws on a read error (non-permissive).
  virtual Holder *Find(const std::string &key) = 0;
  virtual bool Close() = 0;
};

template <class Holder>
class ScriptRandomAccessReader : public RandomAccessReaderImpl<Holder> {
 public:
  ScriptRandomAccessReader(const std::string &specifier, const Rspecifier &spec)
      : specifier_(specifier), spec_(spec) {
    entries_ = ReadScpFile(spec.filename);
    index_.reserve(entries_.size());
    for (size_t i = 0; i < entries_.size(); i++) {
      auto ins = index_.emplace(entries_[i].key, i);
      if (!ins.second)
        VOX_ERR << "duplicate key " << entries_[i].key << " in " << specifier_ << " (lines "
                << ins.first->second + 1 << " and " << i + 1 << ")";
    }
  }
  bool HasKey(const std::string &key) override {
    if (!index_.count(key)) return false;
    // Permissive: an entry that cannot be read counts as absent, so load it now.
    if (spec_.opts.permissive) return Find(key) != nullptr;
    return true;
  }
  Holder *Find(const std::string &key) override {
    if (loaded_ && key == loaded_key_) return &holder_;
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    const ScpEntry &entry = entries_[it->second];
    loaded_ = false;
    try {
      data_.Open(entry.rxfilename);
      ReadScpObject(entry, data_.Stream(), &holder_);
      if (ClassifyRxfilename(entry.rxfilename) == InputType::kPipe) data_.Close();
    } catch (const std::exception &e) {
      ReportReadError(spec_.opts.permissive, "reading key " + key + " from " + specifier_ +
                                                 " (" + entry.rxfilename +
                                                 "): " + ErrorReason(e));
      return nullptr;
    }
    loaded_ = true;
    loaded_key_ = key;
    return &holder_;
  }
  bool Close() override { return true; }

 private:
  std::string specifier_;
  Rspecifier spec_;
  std::vector<ScpEntry> entries_;
  std::unordered_map<std::string, size_t> index_;
  Input data_;
  Holder holder_;
  bool loaded_ = false;
  std::string loaded_key_;
};

template <class Holder>
class ArchiveRandomAccessReader : public RandomAccessReaderImpl<Holder> {
 public:
  ArchiveRandomAccessReader(const std::string &specifier, const Rspecifier &spec)
      : specifier_(specifier), spec_(spec) {
    input_.Open(spec.filename);
  }
  bool HasKey(const std::string &key) override { return Find(key) != nullptr; }
  Holder *Find(const std::string &key) override {
    if (spec_.opts.called_sorted) {
      if (!last_asked_.empty() && key < last_asked_)
        VOX_ERR << "key " << key << " asked for after " << last_asked_ << ", but " << specifier_
                << " promises sorted requests (cs)";
      seen_.erase(seen_.begin(), seen_.lower_bound(key));
    } else if (spec_.opts.once && !last_asked_.empty() && key != last_asked_) {
      seen_.erase(last_asked_);
    }
    last_asked_ = key;
    auto it = seen_.find(key);
    if (it != seen_.end()) return it->second.get();
    if (spec_.opts.sorted && !last_read_.empty() && key < last_read_) return nullptr;
    while (!eof_) {
      std::string k;
      auto holder = std::make_unique<Holder>();
      if (!ReadOne(&k, holder.get())) break;
      Holder *ptr = holder.get();
      seen_.emplace(k, std::move(holder));
      if (k == key) return ptr;
      if (spec_.opts.sorted && k > key) return nullptr;
    }
    return nullptr;
  }
  bool Close() override { return ok_; }

 private:
  bool ReadOne(std::string *key, Holder *holder) {
    std::istream &is = input_.Stream();
    try {
      if (!ReadArchiveKey(is, key)) {
        eof_ = true;
        input_.Close();
        return false;
      }
    } catch (const std::exception &e) {
      eof_ = true;
      ok_ = false;
      ReportReadError(spec_.opts.permissive, "reading " + specifier_ + " after key " +
                                                 last_read_ + ": " + ErrorReason(e));
      return false;
    }
    if (seen_.count(*key))
      VOX_ERR << "duplicate key " << *key << " in " << specifier_;
    if (spec_.opts.sorted && !last_read_.empty() && *key <= last_read_)
      VOX_ERR << "key " << *key << " follows " << last_read_ << " in " << specifier_
              << ", which was declared sorted (s)";
    last_read_ = *key;
    try {
      holder->Read(is);
    } catch (const std::exception &e) {
      eof_ = true;
      ok_ = false;
      ReportReadError(spec_.opts.permissive,
                      "reading key " + *key + " from " + specifier_ + ": " + ErrorReason(e));
      return false;
    }
    return true;
  }
  std::string specifier_;
  Rspecifier spec_;
  Input input_;
  std::map<std::string, std::unique_ptr<Holder>> seen_;
  std::string last_read_, last_asked_;
  bool eof_ = false, ok_ = true;
};

template <class Holder>
class H5RandomAccessReader : public RandomAccessReaderImpl<Holder> {
 public:
  H5RandomAccessReader(const std::string &specifier, const Rspecifier &spec)
      : specifier_(specifier), spec_(spec) {
    CheckH5Support<Holder>(specifier);
    file_ = std::make_unique<H5File>(H5FileName(spec.filename, specifier), H5File::Mode::kRead);
  }
  bool HasKey(const std::string &key) override {
    if (!file_->HasDataset(key)) return false;
    if (spec_.opts.permissive) return Find(key) != nullptr;
    return true;
  }
  Holder *Find(const std::string &key) override {
    if (loaded_ && key == loaded_key_) return &holder_;
    if (!file_->HasDataset(key)) return nullptr;
    loaded_ = false;
    try {
      holder_.ReadH5(*file_, key);
    } catch (const std::exception &e) {
      ReportReadError(spec_.opts.permissive,
                      "reading key " + key + " from " + specifier_ + ": " + ErrorReason(e));
      return nullptr;
    }
    loaded_ = true;
    loaded_key_ = key;
    return &holder_;
  }
  bool Close() override {
    file_.reset();
    return true;
  }

 private:
  std::string specifier_;
  Rspecifier spec_;
  std::unique_ptr<H5File> file_;
  Holder holder_;
  bool loaded_ = false;
  std::string loaded_key_;
};

// ---------------------------------------------------------------- writers
template <class Holder>
class WriterImpl {
 public:
  virtual ~WriterImpl() = default;
  virtual void Write(const std::string &key, const typename Holder::T &value) = 0;
  virtual void Flush() {}
  virtual void Close() = 0;
  virtual void Abandon() = 0;
};

template <class Holder>
class ArchiveWriter : public WriterImpl<Holder> {
 public:
  ArchiveWriter(const std::string &specifier, const Wspecifier &spec)
      : specifier_(specifier), spec_(spec) {
    if (spec.type == TableType::kArchiveAndScript &&
        ClassifyWxfilename(spec.archive) != OutputType::kFile)
      VOX_ERR << "the archive of an ark,scp wspecifier must be a plain file: " << specifier;
    ark_.Open(spec.archive);
    if (spec.type == TableType::kArchiveAndScript) scp_.Open(spec.script);
  }
  void Write(const std::string &key, const typename Holder::T &value) override {
    CheckTableKey(key, specifier_);
    std::ostream &os = ark_.Stream();
    try {
      os << key << ' ';
      int64_t offset = scp_.IsOpen() ? ark_.Tell() : 0;
      Holder::Write(os, spec_.opts.binary, value);
      if (!os) VOX_ERR << "write failed";
      if (scp_.IsOpen()) {
        scp_.Stream() << key << ' ' << spec_.archive << ':' << offset << '\n';
        if (!scp_.Stream()) VOX_ERR << "write to " << spec_.script << " failed";
      }
      if (spec_.opts.flush) Flush();
    } catch (const std::exception &e) {
      VOX_ERR << "writing key " << key << " to " << specifier_ << ": " << ErrorReason(e);
    }
  }
  void Flush() override {
    ark_.Stream().flush();
    if (scp_.IsOpen()) scp_.Stream().flush();
  }
  void Close() override {
    ark_.Close();
    if (scp_.IsOpen()) scp_.Close();
  }
  void Abandon() override {
    ark_.Abandon();
    scp_.Abandon();
  }

 private:
  std::string specifier_;
  Wspecifier spec_;
  Output ark_, scp_;
};

template <class Holder>
class ScriptWriter : public WriterImpl<Holder> {
 public:
  ScriptWriter(const std::string &specifier, const Wspecifier &spec)
      : specifier_(specifier), spec_(spec) {
    for (ScpEntry &e : ReadScpFile(spec.script)) {
      if (!e.range.empty())
        VOX_ERR << "cannot write to a range (" << e.key << " " << e.rxfilename << "["
                << e.range << "]) in " << specifier;
      targets_.emplace(e.key, e.rxfilename);
    }
  }
  void Write(const std::string &key, const typename Holder::T &value) override {
    CheckTableKey(key, specifier_);
    auto it = targets_.find(key);
    if (it == targets_.end()) {
      if (spec_.opts.permissive) {
        VOX_WARN << "key " << key << " is not in " << specifier_ << ": not written";
        return;
      }
      VOX_ERR << "key " << key << " is not in " << specifier_;
    }
    try {
      Output out(it->second);
      Holder::Write(out.Stream(), spec_.opts.binary, value);
      out.Close();
    } catch (const std::exception &e) {
      VOX_ERR << "writing key " << key << " to " << it->second << " (" << specifier_
              << "): " << ErrorReason(e);
    }
  }
  void Close() override {}
  void Abandon() override {}

 private:
  std::string specifier_;
  Wspecifier spec_;
  std::unordered_map<std::string, std::string> targets_;
};

template <class Holder>
class H5Writer : public WriterImpl<Holder> {
 public:
  H5Writer(const std::string &specifier, const Wspecifier &spec)
      : specifier_(specifier), spec_(spec) {
    CheckH5Support<Holder>(specifier);
    final_ = H5FileName(spec.archive, specifier);
    tmp_ = TemporaryOutputName(final_);
    file_ = std::make_unique<H5File>(tmp_, H5File::Mode::kTruncate);
    if (spec.opts.h5_compression > 0) file_->SetCompression(spec.opts.h5_compression);
  }
  ~H5Writer() override { Abandon(); }
  void Write(const std::string &key, const typename Holder::T &value) override {
    CheckTableKey(key, specifier_);
    try {
      Holder::WriteH5(file_.get(), key, value);
    } catch (const std::exception &e) {
      VOX_ERR << "writing key " << key << " to " << specifier_ << ": " << ErrorReason(e);
    }
  }
  void Close() override {
    try {
      file_->Close();
    } catch (...) {
      Abandon();
      throw;
    }
    file_.reset();
    RenameIntoPlace(tmp_, final_);
    tmp_.clear();
  }
  void Abandon() override;

 private:
  std::string specifier_;
  Wspecifier spec_;
  std::string final_, tmp_;
  std::unique_ptr<H5File> file_;
};

void RemoveFileQuietly(const std::string &path);

template <class Holder>
void H5Writer<Holder>::Abandon() {
  file_.reset();
  if (!tmp_.empty()) RemoveFileQuietly(tmp_);
  tmp_.clear();
}

}  // namespace internal

// ---------------------------------------------------------------- the public classes
template <class Holder>
SequentialTableReader<Holder>::SequentialTableReader() = default;
template <class Holder>
SequentialTableReader<Holder>::SequentialTableReader(const std::string &rspecifier) {
  Open(rspecifier);
}
template <class Holder>
SequentialTableReader<Holder>::~SequentialTableReader() = default;

template <class Holder>
void SequentialTableReader<Holder>::Open(const std::string &rspecifier) {
  impl_.reset();
  Rspecifier spec = ParseRspecifier(rspecifier);
  try {
    switch (spec.type) {
      case TableType::kArchive:
        impl_ = std::make_unique<internal::ArchiveSequentialReader<Holder>>(rspecifier, spec);
        break;
      case TableType::kScript:
        impl_ = std::make_unique<internal::ScriptSequentialReader<Holder>>(rspecifier, spec);
        break;
      case TableType::kH5:
        impl_ = std::make_unique<internal::H5SequentialReader<Holder>>(rspecifier, spec);
        break;
      default:
        VOX_ERR << "not an rspecifier: '" << rspecifier << "'";
    }
  } catch (const std::exception &e) {
    std::string reason = internal::ErrorReason(e);
    // Messages from the readers already name the specifier; others (a missing file) do not.
    if (reason.find(rspecifier) == std::string::npos)
      VOX_ERR << "cannot open " << rspecifier << ": " << reason;
    throw;
  }
}
template <class Holder>
bool SequentialTableReader<Holder>::Done() const {
  VOX_ASSERT(impl_ != nullptr);
  return impl_->Done();
}
template <class Holder>
const std::string &SequentialTableReader<Holder>::Key() const {
  VOX_ASSERT(impl_ != nullptr && !impl_->Done());
  return impl_->Key();
}
template <class Holder>
typename Holder::T &SequentialTableReader<Holder>::Value() {
  VOX_ASSERT(impl_ != nullptr && !impl_->Done());
  return impl_->Current().Value();
}
template <class Holder>
void SequentialTableReader<Holder>::Next() {
  VOX_ASSERT(impl_ != nullptr);
  impl_->Next();
}
template <class Holder>
void SequentialTableReader<Holder>::FreeCurrent() {
  VOX_ASSERT(impl_ != nullptr);
  if (!impl_->Done()) impl_->Current().Clear();
}
template <class Holder>
bool SequentialTableReader<Holder>::Close() {
  if (!impl_) return true;
  bool ok = impl_->Close();
  impl_.reset();
  return ok;
}

template <class Holder>
RandomAccessTableReader<Holder>::RandomAccessTableReader() = default;
template <class Holder>
RandomAccessTableReader<Holder>::RandomAccessTableReader(const std::string &rspecifier) {
  Open(rspecifier);
}
template <class Holder>
RandomAccessTableReader<Holder>::~RandomAccessTableReader() = default;

template <class Holder>
void RandomAccessTableReader<Holder>::Open(const std::string &rspecifier) {
  impl_.reset();
  Rspecifier spec = ParseRspecifier(rspecifier);
  try {
    switch (spec.type) {
      case TableType::kArchive:
        impl_ = std::make_unique<internal::ArchiveRandomAccessReader<Holder>>(rspecifier, spec);
        break;
      case TableType::kScript:
        impl_ = std::make_unique<internal::ScriptRandomAccessReader<Holder>>(rspecifier, spec);
        break;
      case TableType::kH5:
        impl_ = std::make_unique<internal::H5RandomAccessReader<Holder>>(rspecifier, spec);
        break;
      default:
        VOX_ERR << "not an rspecifier: '" << rspecifier << "'";
    }
  } catch (const std::exception &e) {
    std::string reason = internal::ErrorReason(e);
    if (reason.find(rspecifier) == std::string::npos)
      VOX_ERR << "cannot open " << rspecifier << ": " << reason;
    throw;
  }
}
template <class Holder>
bool RandomAccessTableReader<Holder>::HasKey(const std::string &key) {
  VOX_ASSERT(impl_ != nullptr);
  return impl_->HasKey(key);
}
template <class Holder>
const typename Holder::T &RandomAccessTableReader<Holder>::Value(const std::string &key) {
  VOX_ASSERT(impl_ != nullptr);
  Holder *h = impl_->Find(key);
  if (h == nullptr) VOX_ERR << "key " << key << " not found in the table being read";
  return h->Value();
}
template <class Holder>
bool RandomAccessTableReader<Holder>::Close() {
  if (!impl_) return true;
  bool ok = impl_->Close();
  impl_.reset();
  return ok;
}

template <class Holder>
TableWriter<Holder>::TableWriter() = default;
template <class Holder>
TableWriter<Holder>::TableWriter(const std::string &wspecifier) {
  Open(wspecifier);
}
template <class Holder>
TableWriter<Holder>::~TableWriter() noexcept(false) {
  if (!impl_) return;
  if (std::uncaught_exceptions() > uncaught_at_open_) {
    impl_->Abandon();
    return;
  }
  Close();
}

template <class Holder>
void TableWriter<Holder>::Open(const std::string &wspecifier) {
  if (impl_) Close();
  uncaught_at_open_ = std::uncaught_exceptions();
  Wspecifier spec = ParseWspecifier(wspecifier);
  try {
    switch (spec.type) {
      case TableType::kArchive:
      case TableType::kArchiveAndScript:
        impl_ = std::make_unique<internal::ArchiveWriter<Holder>>(wspecifier, spec);
        break;
      case TableType::kScript:
        impl_ = std::make_unique<internal::ScriptWriter<Holder>>(wspecifier, spec);
        break;
      case TableType::kH5:
        impl_ = std::make_unique<internal::H5Writer<Holder>>(wspecifier, spec);
        break;
      default:
        VOX_ERR << "not a wspecifier: '" << wspecifier << "'";
    }
  } catch (const std::exception &e) {
    std::string reason = internal::ErrorReason(e);
    if (reason.find(wspecifier) == std::string::npos)
      VOX_ERR << "cannot open " << wspecifier << ": " << reason;
    throw;
  }
}
template <class Holder>
void TableWriter<Holder>::Write(const std::string &key, const T &value) {
  VOX_ASSERT(impl_ != nullptr);
  impl_->Write(key, value);
}
template <class Holder>
void TableWriter<Holder>::Flush() {
  VOX_ASSERT(impl_ != nullptr);
  impl_->Flush();
}
template <class Holder>
void TableWriter<Holder>::Close() {
  if (!impl_) return;
  std::unique_ptr<internal::WriterImpl<Holder>> impl = std::move(impl_);
  try {
    impl->Close();
  } catch (...) {
    impl->Abandon();
    throw;
  }
}

}  // namespace voxtools

#endif  // VOXTOOLS_IO_TABLE_IMPL_H_

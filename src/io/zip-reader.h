// src/io/zip-reader.h
// Read-only access to the entries of a ZIP archive held in memory (a mapped file), for
// PyTorch's torch.save format: torch >= 1.6 writes a ZIP whose entries are *stored*
// (uncompressed, method 0) and 64-byte aligned, so a tensor's bytes can be used in place.
//
// Format facts (PKWARE APPNOTE.TXT 6.3): the End Of Central Directory record (EOCD,
// signature PK\5\6) sits in the last 64 KiB + 22 bytes; it points at the central directory,
// one record per entry (PK\1\2) with sizes, CRC-32 and the offset of the entry's local
// header (PK\3\4), after which the data starts. Archives over 4 GiB or 65535 entries use
// ZIP64: a locator (PK\6\7) just before the EOCD points at a ZIP64 EOCD (PK\6\6), and
// 0xFFFFFFFF fields are found in each record's ZIP64 extra field (id 0x0001).
//
// Every offset and size read from the file is bounds-checked before use, and nothing is
// allocated from a size the file states. Compressed (deflate) and encrypted entries are
// refused with a message naming the entry: torch never writes them.
#ifndef VOXTOOLS_IO_ZIP_READER_H_
#define VOXTOOLS_IO_ZIP_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace voxtools {

// A view of bytes owned by someone else.
struct ByteSpan {
  const uint8_t *data = nullptr;
  size_t size = 0;
};

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 stored, 8 deflate, ...
  uint16_t flags = 0;
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;  // uncompressed
  uint64_t local_header_offset = 0;
};

// True if the bytes start with a local file header (PK\3\4) or are an empty archive
// (PK\5\6): how a torch.save ZIP is told from a legacy pickle or a safetensors file.
bool LooksLikeZip(const uint8_t *data, size_t size);

// CRC-32 (ISO-HDLC, as ZIP and zlib) of data, continuing from `crc` (0 to start).
uint32_t Crc32(const uint8_t *data, size_t size, uint32_t crc = 0);

class ZipReader {
 public:
  // Parses the central directory. `data` must outlive the reader; `what` names the file in
  // errors. Throws Error if this is not a well-formed single-disk ZIP (truncated, no EOCD,
  // a record out of bounds, a duplicate entry name).
  ZipReader(const uint8_t *data, size_t size, const std::string &what);

  // Entries in central-directory order.
  const std::vector<ZipEntry> &Entries() const { return entries_; }
  // The entry named `name`, or nullptr.
  const ZipEntry *Find(const std::string &name) const;

  // The bytes of a stored entry, checked against its local header, the file's bounds and
  // (if verify_crc) its CRC-32. Throws Error naming the entry otherwise, or if it is
  // compressed or encrypted.
  ByteSpan Read(const ZipEntry &entry, bool verify_crc = true) const;

 private:
  void ReadCentralDirectory();

  const uint8_t *data_;
  size_t size_;
  std::string what_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_IO_ZIP_READER_H_

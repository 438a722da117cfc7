// src/io/zip-reader.cc
#include "io/zip-reader.h"

#include <array>
#include <cstring>

#include "base/log.h"

namespace voxtools {

namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kZip64EocdSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kEocdSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EocdSize = 56;
constexpr size_t kCentralSize = 46;
constexpr size_t kLocalHeaderSize = 30;

uint16_t Le16(const uint8_t *p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t Le32(const uint8_t *p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t Le64(const uint8_t *p) {
  return static_cast<uint64_t>(Le32(p)) | (static_cast<uint64_t>(Le32(p + 4)) << 32);
}

// Slicing-by-8 tables: 8 bytes per step, so verifying a 1 GB checkpoint costs well under
// a second rather than several.
struct CrcTables {
  uint32_t t[8][256];
  constexpr CrcTables() : t() {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c & 1) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
      for (int s = 1; s < 8; s++) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
};
constexpr CrcTables kCrc;

// True if [offset, offset + len) lies inside [0, size), without overflow.
bool InBounds(uint64_t offset, uint64_t len, uint64_t size) {
  return offset <= size && len <= size - offset;
}

}  // namespace

uint32_t Crc32(const uint8_t *data, size_t size, uint32_t crc) {
  uint32_t c = ~crc;
  while (size >= 8) {
    uint32_t lo = Le32(data) ^ c, hi = Le32(data + 4);
    c = kCrc.t[7][lo & 0xFF] ^ kCrc.t[6][(lo >> 8) & 0xFF] ^ kCrc.t[5][(lo >> 16) & 0xFF] ^
        kCrc.t[4][lo >> 24] ^ kCrc.t[3][hi & 0xFF] ^ kCrc.t[2][(hi >> 8) & 0xFF] ^
        kCrc.t[1][(hi >> 16) & 0xFF] ^ kCrc.t[0][hi >> 24];
    data += 8;
    size -= 8;
  }
  while (size-- > 0) c = kCrc.t[0][(c ^ *data++) & 0xFF] ^ (c >> 8);
  return ~c;
}

bool LooksLikeZip(const uint8_t *data, size_t size) {
  if (size < 4) return false;
  uint32_t sig = Le32(data);
  return sig == kLocalHeaderSig || sig == kEocdSig;
}

ZipReader::ZipReader(const uint8_t *data, size_t size, const std::string &what)
    : data_(data), size_(size), what_(what) {
  ReadCentralDirectory();
}

void ZipReader::ReadCentralDirectory() {
  if (size_ < kEocdSize)
    VOX_ERR << what_ << " is not a ZIP archive (" << size_ << " bytes: too short; truncated?)";
  // The EOCD is followed only by its comment (at most 65535 bytes); search backwards.
  size_t eocd = SIZE_MAX;
  size_t lowest = size_ - kEocdSize > 65535 ? size_ - kEocdSize - 65535 : 0;
  for (size_t pos = size_ - kEocdSize + 1; pos-- > lowest;) {
    if (Le32(data_ + pos) == kEocdSig &&
        pos + kEocdSize + Le16(data_ + pos + 20) <= size_) {
      eocd = pos;
      break;
    }
  }
  if (eocd == SIZE_MAX)
    VOX_ERR << what_ << ": no ZIP end-of-central-directory record (truncated or not a ZIP "
            << "archive)";
  const uint8_t *e = data_ + eocd;
  uint64_t disk = Le16(e + 4), cd_disk = Le16(e + 6);
  uint64_t num_entries = Le16(e + 10);
  uint64_t cd_size = Le32(e + 12), cd_offset = Le32(e + 16);

  // ZIP64: the locator sits just before the EOCD.
  if (eocd >= kZip64LocatorSize && Le32(data_ + eocd - kZip64LocatorSize) == kZip64LocatorSig) {
    const uint8_t *loc = data_ + eocd - kZip64LocatorSize;
    uint64_t z64_offset = Le64(loc + 8);
    if (!InBounds(z64_offset, kZip64EocdSize, size_) || Le32(data_ + z64_offset) != kZip64EocdSig)
      VOX_ERR << what_ << ": bad ZIP64 end-of-central-directory record (truncated?)";
    const uint8_t *z = data_ + z64_offset;
    disk = Le32(z + 16);
    cd_disk = Le32(z + 20);
    num_entries = Le64(z + 32);
    cd_size = Le64(z + 40);
    cd_offset = Le64(z + 48);
  } else if (num_entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu) {
    VOX_ERR << what_ << ": ZIP64 archive without its ZIP64 locator (truncated?)";
  }
  if (disk != 0 || cd_disk != 0)
    VOX_ERR << what_ << ": multi-disk ZIP archives are not supported";
  if (!InBounds(cd_offset, cd_size, size_))
    VOX_ERR << what_ << ": ZIP central directory (offset " << cd_offset << ", " << cd_size
            << " bytes) lies outside the file of " << size_ << " bytes (truncated?)";

  const uint8_t *cd = data_ + cd_offset;
  uint64_t pos = 0;
  for (uint64_t i = 0; i < num_entries; i++) {
    if (!InBounds(pos, kCentralSize, cd_size) || Le32(cd + pos) != kCentralSig)
      VOX_ERR << what_ << ": ZIP central directory record " << i << " of " << num_entries
              << " is missing or corrupt";
    const uint8_t *r = cd + pos;
    ZipEntry entry;
    entry.flags = Le16(r + 8);
    entry.method = Le16(r + 10);
    entry.crc32 = Le32(r + 16);
    entry.compressed_size = Le32(r + 20);
    entry.size = Le32(r + 24);
    uint64_t name_len = Le16(r + 28), extra_len = Le16(r + 30), comment_len = Le16(r + 32);
    entry.local_header_offset = Le32(r + 42);
    if (!InBounds(pos + kCentralSize, name_len + extra_len + comment_len, cd_size))
      VOX_ERR << what_ << ": ZIP central directory record " << i << " runs past its end";
    entry.name.assign(reinterpret_cast<const char *>(r + kCentralSize), name_len);

    // ZIP64 extra field: 64-bit values for those fields that hold 0xFFFFFFFF, in order.
    const uint8_t *x = r + kCentralSize + name_len;
    uint64_t xpos = 0;
    while (xpos + 4 <= extra_len) {
      uint16_t id = Le16(x + xpos), len = Le16(x + xpos + 2);
      if (xpos + 4 + len > extra_len) break;
      if (id == 0x0001) {
        const uint8_t *f = x + xpos + 4;
        uint64_t used = 0;
        uint64_t *fields[3] = {&entry.size, &entry.compressed_size, &entry.local_header_offset};
        for (uint64_t *field : fields) {
          if (*field != 0xFFFFFFFFu) continue;
          if (used + 8 > len)
            VOX_ERR << what_ << ": ZIP64 extra field of entry '" << entry.name << "' is short";
          *field = Le64(f + used);
          used += 8;
        }
      }
      xpos += 4 + len;
    }
    if (!index_.emplace(entry.name, entries_.size()).second)
      VOX_ERR << what_ << ": duplicate ZIP entry '" << entry.name << "'";
    entries_.push_back(std::move(entry));
    pos += kCentralSize + name_len + extra_len + comment_len;
  }
}

const ZipEntry *ZipReader::Find(const std::string &name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

ByteSpan ZipReader::Read(const ZipEntry &entry, bool verify_crc) const {
  if (entry.flags & 1)
    VOX_ERR << what_ << ": ZIP entry '" << entry.name << "' is encrypted";
  if (entry.method != 0)
    VOX_ERR << what_ << ": ZIP entry '" << entry.name << "' is compressed (method "
            << entry.method << (entry.method == 8 ? ", deflate" : "")
            << "); only stored entries, as torch.save writes them, are supported (re-save "
            << "the checkpoint with torch.save, or unzip and re-zip it with zip -0)";
  if (entry.compressed_size != entry.size)
    VOX_ERR << what_ << ": stored ZIP entry '" << entry.name << "' has compressed size "
            << entry.compressed_size << " != size " << entry.size;
  uint64_t off = entry.local_header_offset;
  if (!InBounds(off, kLocalHeaderSize, size_) || Le32(data_ + off) != kLocalHeaderSig)
    VOX_ERR << what_ << ": local header of ZIP entry '" << entry.name
            << "' is missing (truncated or corrupt file)";
  const uint8_t *h = data_ + off;
  uint64_t name_len = Le16(h + 26), extra_len = Le16(h + 28);
  uint64_t start = off + kLocalHeaderSize + name_len + extra_len;
  if (!InBounds(off + kLocalHeaderSize, name_len, size_) ||
      std::memcmp(h + kLocalHeaderSize, entry.name.data(),
                  std::min<uint64_t>(name_len, entry.name.size())) != 0 ||
      name_len != entry.name.size())
    VOX_ERR << what_ << ": local header of ZIP entry '" << entry.name
            << "' names another entry (corrupt file)";
  if (!InBounds(start, entry.size, size_))
    VOX_ERR << what_ << ": data of ZIP entry '" << entry.name << "' (" << entry.size
            << " bytes at offset " << start << ") runs past the end of the file ("
            << size_ << " bytes; truncated?)";
  ByteSpan span{data_ + start, static_cast<size_t>(entry.size)};
  if (verify_crc && Crc32(span.data, span.size) != entry.crc32)
    VOX_ERR << what_ << ": CRC-32 mismatch in ZIP entry '" << entry.name
            << "' (corrupt file)";
  return span;
}

}  // namespace voxtools

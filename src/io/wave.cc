// src/io/wave.cc
// WaveData on libsndfile. Reading takes the bytes of one audio file off the stream (exactly
// the RIFF length for a WAV, so the next archive entry is left in place), checks the RIFF
// chunk layout ourselves (libsndfile accepts a short data chunk silently; we call that
// truncated), then decodes from memory through sf_open_virtual.
#include "io/wave.h"

#include <sndfile.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "base/log.h"

namespace voxtools {

namespace {

uint32_t GetU32(const std::string &b, size_t pos, bool big_endian) {
  const unsigned char *p = reinterpret_cast<const unsigned char *>(b.data()) + pos;
  if (big_endian) return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

uint64_t GetU64(const std::string &b, size_t pos) {
  return uint64_t(GetU32(b, pos, false)) | (uint64_t(GetU32(b, pos + 4, false)) << 32);
}

void PutU32(std::string *b, size_t pos, uint32_t v, bool big_endian) {
  for (int i = 0; i < 4; i++) {
    int shift = big_endian ? 8 * (3 - i) : 8 * i;
    (*b)[pos + i] = static_cast<char>((v >> shift) & 0xFF);
  }
}

void AppendU32(std::string *b, uint32_t v) {
  for (int i = 0; i < 4; i++) b->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void AppendU16(std::string *b, uint16_t v) {
  b->push_back(static_cast<char>(v & 0xFF));
  b->push_back(static_cast<char>(v >> 8));
}

// Appends up to n bytes from the stream; returns how many arrived. Grows the buffer as data
// arrives, so a corrupt header claiming gigabytes costs no more memory than the input has.
uint64_t ReadBytes(std::istream &is, uint64_t n, std::string *out) {
  constexpr uint64_t kBlock = 1 << 20;
  uint64_t total = 0;
  while (total < n) {
    uint64_t want = std::min(kBlock, n - total);
    size_t old = out->size();
    out->resize(old + want);
    is.read(&(*out)[old], static_cast<std::streamsize>(want));
    uint64_t got = static_cast<uint64_t>(is.gcount());
    out->resize(old + got);
    total += got;
    if (got < want) break;
  }
  return total;
}

void ReadToEnd(std::istream &is, std::string *out) {
  constexpr size_t kBlock = 1 << 16;
  while (ReadBytes(is, kBlock, out) == kBlock) {
  }
}

bool IsRiff(const std::string &b) {
  return b.size() >= 12 && (b.compare(0, 4, "RIFF") == 0 || b.compare(0, 4, "RIFX") == 0) &&
         b.compare(8, 4, "WAVE") == 0;
}

// Sizes a writer puts in the header when it cannot seek back to fill them in (writing to a
// pipe). Kaldi knows 0 and 0xFFFFFFFF; SoX writes 0x7FFFF000 ("2 GiB less 4 KiB") for the data
// chunk. A wav with such a size is read to the end of the stream.
bool IsPlaceholderSize(uint32_t riff_size, uint32_t data_size) {
  return (riff_size == 0 && data_size == 0) || riff_size == 0xFFFFFFFF ||
         data_size == 0xFFFFFFFF || data_size >= 0x7FFFF000;
}

// Reads the rest of a RIFF WAV whose first 12 bytes are in *bytes: the chunks up to and
// including the data chunk's header, then the data and any trailing chunks, 8 + RIFF size
// bytes in all. Throws if the data chunk is cut short (a truncated file).
void ReadRiffRest(std::istream &is, std::string *bytes) {
  const bool big_endian = bytes->compare(0, 4, "RIFX") == 0;
  const uint32_t riff_size = GetU32(*bytes, 4, big_endian);
  size_t data_pos = 0;
  uint32_t data_size = 0;
  while (true) {
    size_t pos = bytes->size();
    if (ReadBytes(is, 8, bytes) < 8)
      VOX_ERR << "Truncated WAV: no data chunk in its " << bytes->size() << " bytes";
    std::string id = bytes->substr(pos, 4);
    uint32_t size = GetU32(*bytes, pos + 4, big_endian);
    if (id == "data") {
      data_pos = pos;
      data_size = size;
      break;
    }
    uint64_t body = uint64_t(size) + (size & 1);  // chunks are padded to even length
    if (ReadBytes(is, body, bytes) < body)
      VOX_ERR << "Truncated WAV: chunk '" << id << "' declares " << size
              << " bytes, the input ends first";
  }
  if (IsPlaceholderSize(riff_size, data_size)) {
    ReadToEnd(is, bytes);
    // Tell libsndfile the sizes that arrived.
    PutU32(bytes, 4, static_cast<uint32_t>(std::min<uint64_t>(bytes->size() - 8, 0xFFFFFFFF)),
           big_endian);
    PutU32(bytes, data_pos + 4,
           static_cast<uint32_t>(std::min<uint64_t>(bytes->size() - data_pos - 8, 0xFFFFFFFF)),
           big_endian);
    return;
  }
  const uint64_t data_end = data_pos + 8 + uint64_t(data_size);
  const uint64_t total = std::max<uint64_t>(8 + uint64_t(riff_size), data_end);
  ReadBytes(is, total - bytes->size(), bytes);
  if (bytes->size() < data_end)
    VOX_ERR << "Truncated WAV: the data chunk declares " << data_size << " bytes but only "
            << bytes->size() - data_pos - 8 << " follow";
}

// Takes one audio file's bytes off the stream: a RIFF/RF64 WAV exactly, anything else whole.
std::string ReadAudioBytes(std::istream &is) {
  std::string bytes;
  ReadBytes(is, 12, &bytes);
  if (bytes.empty()) VOX_ERR << "Empty input: no audio data";
  if (IsRiff(bytes)) {
    ReadRiffRest(is, &bytes);
  } else if (bytes.size() >= 12 && bytes.compare(0, 4, "RF64") == 0 &&
             bytes.compare(8, 4, "WAVE") == 0) {
    // RF64 (EBU Tech 3306): the 64-bit RIFF size is the first field of the "ds64" chunk.
    if (ReadBytes(is, 16, &bytes) < 16 || bytes.compare(12, 4, "ds64") != 0)
      VOX_ERR << "Malformed RF64 file: no ds64 chunk after the header";
    uint64_t riff_size = GetU64(bytes, 20);
    if (riff_size < 20 || riff_size > (uint64_t(1) << 40))
      VOX_ERR << "Malformed RF64 file: RIFF size " << riff_size;
    uint64_t want = riff_size + 8 - bytes.size();
    if (ReadBytes(is, want, &bytes) < want)
      VOX_ERR << "Truncated RF64 file: its header declares " << riff_size + 8
              << " bytes but the input ends after " << bytes.size();
  } else {
    // FLAC, Ogg and other containers: no length up front, so this object is the rest of the
    // stream (a file, a pipe, an scp entry; not an archive).
    ReadToEnd(is, &bytes);
  }
  return bytes;
}

// libsndfile virtual I/O over a read-only byte buffer.
struct MemoryFile {
  const std::string *bytes;
  sf_count_t pos = 0;
};

sf_count_t MemLength(void *user) {
  return static_cast<sf_count_t>(static_cast<MemoryFile *>(user)->bytes->size());
}
sf_count_t MemSeek(sf_count_t offset, int whence, void *user) {
  MemoryFile *f = static_cast<MemoryFile *>(user);
  sf_count_t size = static_cast<sf_count_t>(f->bytes->size());
  sf_count_t target = whence == SEEK_SET ? offset : whence == SEEK_CUR ? f->pos + offset : size + offset;
  if (target < 0) return -1;
  f->pos = target;
  return f->pos;
}
sf_count_t MemRead(void *ptr, sf_count_t count, void *user) {
  MemoryFile *f = static_cast<MemoryFile *>(user);
  sf_count_t size = static_cast<sf_count_t>(f->bytes->size());
  sf_count_t n = std::max<sf_count_t>(0, std::min(count, size - f->pos));
  if (n > 0) std::memcpy(ptr, f->bytes->data() + f->pos, static_cast<size_t>(n));
  f->pos += n;
  return n;
}
sf_count_t MemWrite(const void *, sf_count_t, void *) { return 0; }
sf_count_t MemTell(void *user) { return static_cast<MemoryFile *>(user)->pos; }

class SndFile {
 public:
  explicit SndFile(SNDFILE *f) : f_(f) {}
  ~SndFile() { if (f_ != nullptr) sf_close(f_); }
  SndFile(const SndFile &) = delete;
  SndFile &operator=(const SndFile &) = delete;
  SNDFILE *get() const { return f_; }

 private:
  SNDFILE *f_;
};

}  // namespace

void WaveData::Read(std::istream &is) {
  std::string bytes = ReadAudioBytes(is);
  MemoryFile mem{&bytes};
  SF_VIRTUAL_IO io = {MemLength, MemSeek, MemRead, MemWrite, MemTell};
  SF_INFO info;
  std::memset(&info, 0, sizeof(info));
  SndFile file(sf_open_virtual(&io, SFM_READ, &info, &mem));
  if (file.get() == nullptr) {
    // The first bytes help tell a text file or an HTML error page from broken audio.
    std::string head;
    for (size_t i = 0; i < std::min<size_t>(bytes.size(), 4); i++)
      head += std::isprint(static_cast<unsigned char>(bytes[i])) ? bytes[i] : '.';
    VOX_ERR << "Not a readable audio file (" << bytes.size() << " bytes starting '" << head
            << "'): " << sf_strerror(nullptr);
  }
  if (info.channels <= 0 || info.samplerate <= 0)
    VOX_ERR << "Audio file with " << info.channels << " channels at " << info.samplerate << " Hz";
  // Normalised doubles: integer PCM comes back as value / 2^(bits-1), which times 32768 puts
  // every format on the int16 scale, exactly for 16-bit and 8-bit data.
  sf_command(file.get(), SFC_SET_NORM_DOUBLE, nullptr, SF_TRUE);
  const int64_t num_channels = info.channels;
  constexpr sf_count_t kBlockFrames = 1 << 15;
  std::vector<double> block(static_cast<size_t>(kBlockFrames * num_channels));
  std::vector<std::vector<float>> channels(num_channels);
  if (info.frames > 0 && info.frames < (int64_t(1) << 40))
    for (auto &c : channels) c.reserve(static_cast<size_t>(info.frames));
  while (true) {
    sf_count_t got = sf_readf_double(file.get(), block.data(), kBlockFrames);
    if (got <= 0) break;
    for (sf_count_t t = 0; t < got; t++)
      for (int64_t c = 0; c < num_channels; c++) {
        double v = block[t * num_channels + c] * 32768.0;
        if (!std::isfinite(v)) VOX_ERR << "Audio sample " << channels[c].size() << " of channel "
                                        << c << " is " << v;
        channels[c].push_back(static_cast<float>(v));
      }
  }
  if (sf_error(file.get()) != SF_ERR_NO_ERROR)
    VOX_ERR << "Error decoding audio: " << sf_strerror(file.get());
  int64_t num_samples = static_cast<int64_t>(channels[0].size());
  if (info.frames > 0 && info.frames != SF_COUNT_MAX && num_samples < info.frames)
    VOX_ERR << "Truncated audio: header declares " << info.frames << " samples, decoded "
            << num_samples;
  if (num_samples == 0) VOX_ERR << "Audio file holds no samples";
  samp_freq_ = static_cast<float>(info.samplerate);
  data_.Resize(num_channels, num_samples);
  for (int64_t c = 0; c < num_channels; c++)
    std::memcpy(data_.Row(c), channels[c].data(), num_samples * sizeof(float));
}

void WaveData::Write(std::ostream &os) const {
  const int64_t num_channels = data_.NumRows(), num_samples = data_.NumCols();
  if (num_channels == 0) VOX_ERR << "Cannot write an empty wave (no samples)";
  if (num_channels > 65535) VOX_ERR << "Cannot write a wave with " << num_channels << " channels";
  if (!(samp_freq_ > 0) || samp_freq_ != std::floor(samp_freq_) || samp_freq_ > 4.0e9f)
    VOX_ERR << "Cannot write a wave with sample rate " << samp_freq_
            << " (WAV needs a positive integer rate)";
  const uint64_t data_bytes = uint64_t(num_channels) * num_samples * 2;
  if (data_bytes + 36 > 0xFFFFFFFFull)
    VOX_ERR << "Wave of " << data_bytes << " bytes is too large for a RIFF WAV";
  const uint32_t rate = static_cast<uint32_t>(samp_freq_);
  const uint16_t block_align = static_cast<uint16_t>(num_channels * 2);
  // The 44-byte header Kaldi writes: RIFF, a 16-byte PCM fmt chunk, then data; no others.
  std::string out;
  out.reserve(44 + data_bytes);
  out += "RIFF";
  AppendU32(&out, static_cast<uint32_t>(36 + data_bytes));
  out += "WAVEfmt ";
  AppendU32(&out, 16);
  AppendU16(&out, 1);  // PCM
  AppendU16(&out, static_cast<uint16_t>(num_channels));
  AppendU32(&out, rate);
  AppendU32(&out, rate * block_align);
  AppendU16(&out, block_align);
  AppendU16(&out, 16);
  out += "data";
  AppendU32(&out, static_cast<uint32_t>(data_bytes));
  int64_t num_clipped = 0;
  for (int64_t t = 0; t < num_samples; t++)
    for (int64_t c = 0; c < num_channels; c++) {
      float v = data_(c, t);
      if (!std::isfinite(v))
        VOX_ERR << "Cannot write wave: sample " << t << " of channel " << c << " is " << v;
      float r = std::nearbyint(v);
      if (r > 32767.0f) { r = 32767.0f; num_clipped++; }
      if (r < -32768.0f) { r = -32768.0f; num_clipped++; }
      AppendU16(&out, static_cast<uint16_t>(static_cast<int16_t>(r)));
    }
  os.write(out.data(), static_cast<std::streamsize>(out.size()));
  if (!os) VOX_ERR << "Error writing wave data to the stream";
  if (num_clipped > 0)
    VOX_WARN << "Clipped " << num_clipped << " of " << num_channels * num_samples
             << " samples to the 16-bit range";
}

}  // namespace voxtools

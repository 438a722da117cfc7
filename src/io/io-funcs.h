// src/io/io-funcs.h
// The primitives of Kaldi's object format, binary and text. Everything in a Kaldi archive is
// built from these (see ../shared/fixtures/kaldi/README.md, "Formats to reproduce exactly"):
//   - binary mode starts with "\0B"; text mode has no marker;
//   - a basic type in binary is one size byte then the little-endian value (int32: "\4" + 4
//     bytes; float: "\4" + float32; double: "\b" + float64); in text it is the value then
//     one space (float/double printed as iostream with precision 7, i.e. "%.7g");
//   - a token ("FM", "<Plda>") is the word then one space, in both modes.
// Readers throw Error with what was expected and what was found.
#ifndef VOXTOOLS_IO_IO_FUNCS_H_
#define VOXTOOLS_IO_IO_FUNCS_H_

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>

namespace voxtools {

// Writes "\0B" if binary; nothing in text mode.
void WriteBinaryMarker(std::ostream &os, bool binary);
// Reads "\0B" if present and sets *binary; consumes nothing in text mode. (Kaldi's
// InitKaldiInputStream.)
void ReadBinaryMarker(std::istream &is, bool *binary);

// T is one of int32_t, int64_t, float, double. In text mode, reading a float accepts what
// strtod accepts, and the writer prints "%.7g" (float) or "%.7g" (double, as Kaldi's
// precision-7 stream) followed by a space.
template <typename T> void WriteBasicType(std::ostream &os, bool binary, T value);
template <typename T> void ReadBasicType(std::istream &is, bool binary, T *value);

// Tokens are non-empty and contain no whitespace.
void WriteToken(std::ostream &os, bool binary, const std::string &token);
void ReadToken(std::istream &is, bool binary, std::string *token);
// Reads a token and throws unless it equals `token`.
void ExpectToken(std::istream &is, bool binary, const std::string &token);
// The next token without consuming it (skips leading whitespace in text mode). The token's
// characters are put back into the stream buffer; a stream that cannot take them back (a
// token straddling a pipe's buffer refill) gives an Error rather than a silently lost token.
// Returns "" at end of stream.
std::string PeekToken(std::istream &is, bool binary);

// The next character without consuming it (Kaldi's Peek): in text mode whitespace is skipped
// first. Returns -1 at end of stream. Only one character can be peeked on every stream (pipes
// included), which is why the readers decide on the first character ('C' for compressed).
int Peek(std::istream &is, bool binary);

// Formats a float the way Kaldi's text mode does (iostream precision 7): "0.333333",
// "1.401298e-45", "-0", "1e+30". Used by every text writer.
std::string FormatFloat(double value);

// Appends FormatFloat(value) and one space to *out without a temporary string: the text
// writers' inner loop.
void AppendFloat(double value, std::string *out);

// Readers refuse an object whose stored size exceeds this (16 GiB): a corrupt size field must
// give a clear Error, not an attempt to allocate terabytes.
constexpr int64_t kMaxObjectBytes = int64_t(1) << 34;

// Reads exactly `num_bytes` (0 <= num_bytes <= kMaxObjectBytes) into *bytes. The buffer grows
// in chunks as data arrives, so a size field larger than what the stream holds costs at most
// one chunk beyond the data that was really there. Returns the number of bytes read: less than
// num_bytes only if the stream ended (the caller words the Error, naming its object).
int64_t ReadBytes(std::istream &is, int64_t num_bytes, std::string *bytes);

}  // namespace voxtools

#endif  // VOXTOOLS_IO_IO_FUNCS_H_

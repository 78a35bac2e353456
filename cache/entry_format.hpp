/// \file
/// The format of one entry file (internal to cache/).
///
/// Entry file <key>.tjk (format 2):
///   bytes  0..8    "TJCACHE2"
///   bytes  8..32   lengths of the object, source and metadata sections, little-endian uint64 each
///   bytes 32..64   XXH3-128 (lowercase hex) of bytes 0..32 followed by every byte from 64 on
///   bytes 64..     object, source, metadata, back to back
/// The lengths must add up to the file size exactly, which catches truncation and appended junk
/// before hashing; the checksum also covers the magic and the lengths. The checksum only has to
/// catch accidents: the directory is private (check_dir), and whoever can write into it could
/// compute any checksum, cryptographic or not. Readers check the header (and a total size bound)
/// before reading the rest, and trust an entry only when its metadata names the key it was looked
/// up by. Format 1 ("TJCACHE1", a SHA-256 checksum in a 96-byte header) is stale: such an entry is
/// dropped as a miss without the corruption warning.
#pragma once

#include "cache/disk_cache.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tensorjit::cache::detail {

/// The magic ends in the format version; another version is stale, not corrupt.
inline constexpr std::string_view kMagic = "TJCACHE2";
inline constexpr std::string_view kMagicStem = "TJCACHE";
inline constexpr std::size_t kLengthsEnd = 8 + 3 * 8;
inline constexpr std::size_t kChecksumSize = 32;
inline constexpr std::size_t kHeaderSize = kLengthsEnd + kChecksumSize;
inline constexpr std::string_view kEntryExt = ".tjk";
inline constexpr std::string_view kSourceExt = ".cpp";
inline constexpr std::string_view kTempMarker = ".tmp.";
/// No kernel object comes near this; a bigger file is corrupt or planted and is not read.
inline constexpr std::uint64_t kMaxEntryBytes = std::uint64_t(1) << 30;

/// Why the header of an entry file of file_size bytes is wrong, or "".
std::string check_header(std::string_view header, std::uint64_t file_size);

/// The length of section i (0 object, 1 source, 2 metadata) written in a header that
/// check_header() accepted.
std::uint64_t header_length(std::string_view header, int i);

/// XXH3-128 (hex) of an entry file's bytes, its checksum field excluded.
std::string checksum(std::string_view file);

/// The bytes of the entry file holding `entry`.
std::string encode(const Entry& entry);

/// The entry held by the bytes of an entry file, or nullopt with *why saying what is wrong.
std::optional<Entry> decode(std::string_view file, std::string* why);

/// The prefix of what check_header() says about an entry of another format version.
inline constexpr std::string_view kStaleFormat = "stale: written by another tensorjit version";

} // namespace tensorjit::cache::detail

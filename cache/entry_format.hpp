/// \file
/// The format of one entry file (internal to cache/).
///
/// Entry file <key>.tjk (format 3):
///   bytes  0..8    "TJCACHE3"
///   bytes  8..32   lengths of the object, metadata and source sections, little-endian uint64 each
///   bytes 32..64   XXH3-128 (lowercase hex) of bytes 0..32, the object and the metadata
///   bytes 64..96   XXH3-128 (lowercase hex) of the source
///   bytes 96..     object, metadata, source, back to back
/// Loading a kernel reads bytes 0 to the end of the metadata and no more (DiskCache::load_code):
/// the source, several times the object's size, is only read to be shown, and then checked by
/// its own checksum. The lengths must add up to the file size exactly, which catches truncation
/// and appended junk before hashing; the first checksum also covers the magic and the lengths.
/// The checksums only have to catch accidents: the directory is private (check_dir), and whoever
/// can write into it could compute any checksum, cryptographic or not. Readers check the header
/// (and a total size bound) before reading the rest, and trust an entry only when its metadata
/// names the key it was looked up by. Formats 1 and 2 ("TJCACHE1", "TJCACHE2": the source before
/// the metadata, one checksum over all) are stale: such an entry is dropped as a miss without
/// the corruption warning.
#pragma once

#include "cache/disk_cache.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tensorjit::cache::detail {

/// The magic ends in the format version; another version is stale, not corrupt.
inline constexpr std::string_view kMagic = "TJCACHE3";
inline constexpr std::string_view kMagicStem = "TJCACHE";
inline constexpr std::size_t kLengthsEnd = 8 + 3 * 8;
inline constexpr std::size_t kChecksumSize = 32;
inline constexpr std::size_t kSourceChecksumAt = kLengthsEnd + kChecksumSize;
inline constexpr std::size_t kHeaderSize = kSourceChecksumAt + kChecksumSize;
/// The sections, in file order (the index of their length in the header).
enum Section { kObject = 0, kMetadata = 1, kSource = 2 };
inline constexpr std::string_view kEntryExt = ".tjk";
inline constexpr std::string_view kSourceExt = ".cpp";
inline constexpr std::string_view kTempMarker = ".tmp.";
/// No kernel object comes near this; a bigger file is corrupt or planted and is not read.
inline constexpr std::uint64_t kMaxEntryBytes = std::uint64_t(1) << 30;

/// Why the header of an entry file of file_size bytes is wrong, or "".
std::string check_header(std::string_view header, std::uint64_t file_size);

/// The length of a section written in a header that check_header() accepted.
std::uint64_t header_length(std::string_view header, Section section);

/// Where a section starts in the file of a header that check_header() accepted.
std::uint64_t section_offset(std::string_view header, Section section);

/// XXH3-128 (hex) of what the first checksum covers: bytes 0..32 of the header, then `code`
/// (the object and metadata sections, back to back).
std::string code_checksum(std::string_view header, std::string_view code);

/// The bytes of the entry file holding `entry`.
std::string encode(const Entry& entry);

/// The entry held by the bytes of an entry file, both checksums checked, or nullopt with *why
/// saying what is wrong.
std::optional<Entry> decode(std::string_view file, std::string* why);

/// The object and metadata of an entry (its source left empty) from `file`, the first bytes of an
/// entry file of file_size bytes (at least up to the end of the metadata), the first checksum
/// checked; or nullopt with *why saying what is wrong.
std::optional<Entry> decode_code(std::string_view file, std::uint64_t file_size, std::string* why);

/// The prefix of what check_header() says about an entry of another format version.
inline constexpr std::string_view kStaleFormat = "stale: written by another tensorjit version";

} // namespace tensorjit::cache::detail

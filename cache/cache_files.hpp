/// \file
/// The file operations of the disk cache (internal to cache/): names of entries and
/// temporaries, bounded reads, atomic publication by rename, and the checks that make a
/// directory safe to load code from.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tensorjit::cache::detail {

namespace fs = std::filesystem;

/// strerror(err), thread-safe.
std::string errno_message(int err);

/// Whether key can name an entry (hex digits of a SHA-256).
bool valid_key(std::string_view key);

/// The key of a file called <key><ext>, or "" when the name is not of that form.
std::string_view key_of(std::string_view name, std::string_view ext);

/// Whether name is a temporary left by store(): <key>.tjk.tmp.* or <key>.cpp.tmp.*.
bool is_temporary(std::string_view name);

/// The contents of a file read in one go, plus which inode they came from.
struct FileRead {
    bool missing = false; // no such file: a plain cache miss, not an error
    std::string error;    // why it could not be read ("" when it was)
    std::string data;
    std::uint64_t size = 0; // the size of the file, whatever part of it data holds
    dev_t dev = 0;
    ino_t ino = 0;
};

/// Reads the entry file at path: opened without following a link and without blocking (a FIFO
/// does not hang), refused unless it is a regular file of at most kMaxEntryBytes; the header is
/// read and checked first, the rest only when the header fits the file size. With `code_only`,
/// reading stops at the end of the metadata section (what loading a kernel needs).
FileRead read_file(const fs::path& path, bool code_only = false);

/// Removes a bad entry (a file, or a directory squatting on an entry's name). When the inode that
/// was read is known, a file that has been replaced meanwhile — by a concurrent store publishing a
/// good copy — is left alone.
bool discard(const fs::path& path, dev_t dev = 0, ino_t ino = 0);

/// A name no other writer uses: the pid and a counter separate threads and processes on this host,
/// the random part processes in other containers or hosts sharing the directory.
std::string temp_suffix();

/// Writes data to a fresh temporary beside target, then renames it over target, so target is
/// always either the old file or the complete new one. Logs and returns false on failure.
bool publish(const fs::path& target, std::string_view data);

/// Creates dir (mode 0700) if needed and checks that it is safe to load code from: a directory
/// that someone else can write could be fed a malicious object file. Returns why it is refused,
/// or "" when it is fine; *writable says whether we may write into it.
std::string check_dir(const fs::path& dir, bool* writable);

/// A per-user directory under the system temporary directory.
fs::path private_temp_dir();

/// The names in dir (files, directories, anything), or none if it cannot be read.
std::vector<std::string> names_in(const fs::path& dir);

} // namespace tensorjit::cache::detail

/// \file
/// The on-disk kernel cache: key -> (object file, generated source, metadata), each entry one
/// file with a checksum, published by write-to-temporary-then-rename (no global lock).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tensorjit::cache {

/// What one cache entry holds.
struct Entry {
    std::string object;   ///< ELF relocatable object
    std::string source;   ///< the generated kernel source (for inspection and replay)
    std::string metadata; ///< JSON: versions, timings, binding plan
};

/// The value of the top-level `"key"` field of an entry's metadata (a JSON object, as
/// get_kernel() writes: `"key": "<hex>"`), or nullopt when the metadata is not a JSON object or
/// its key is missing or not a string.
std::optional<std::string> metadata_key(std::string_view metadata);

/// Temporaries older than this are taken for leftovers of a killed writer (a live writer renames
/// its temporary within seconds) and are removed by prune() and verify(true).
inline constexpr std::chrono::seconds kStaleTemporaryAge{600};

/// Leftover temporaries counted by temporaries().
struct TemporaryStats {
    std::size_t count = 0;
    std::uintmax_t bytes = 0;
};

/// One line of `list()`.
struct EntryInfo {
    std::string key;
    std::uintmax_t bytes = 0;
    std::filesystem::file_time_type last_used;
};

/// A directory of cache entries. Keys are 16 to 128 lowercase hex digits; any other key is
/// treated as absent (load) or ignored (store). Methods never throw; several threads and
/// processes may use the same directory at once.
class DiskCache {
  public:
    /// The process-wide cache at default_dir(), created on first use.
    static DiskCache& global();
    /// $TJ_CACHE_DIR, else $XDG_CACHE_HOME/tensorjit, else $HOME/.cache/tensorjit.
    static std::filesystem::path default_dir();

    /// Opens (creating with mode 0700 if missing) the cache at dir. A directory that another
    /// user owns or that group or others can write is refused: a warning is logged and the cache
    /// is disabled (load finds nothing, store does nothing); the library keeps working.
    /// A directory of ours that we cannot write (mode 0500, a read-only mount) is used read-only,
    /// as is any directory when `read_only` is true: hits are served, nothing is written or
    /// removed, and store() is a no-op that warns once per process.
    /// global() is read-only when TJ_CACHE_READONLY=1.
    explicit DiskCache(std::filesystem::path dir, bool read_only = false);

    bool enabled() const { return enabled_; }
    /// Whether the cache is used read-only (asked for, or the directory is not writable).
    bool read_only() const { return read_only_; }
    /// Why the cache is disabled ("" when enabled).
    const std::string& disabled_reason() const { return disabled_reason_; }
    const std::filesystem::path& dir() const { return dir_; }

    /// The entry for key, or nullopt. A truncated or corrupted entry (bad magic, lengths or
    /// checksum, metadata naming another key, anything but a regular file) is removed (unless
    /// read-only), warned about (on stderr once per process) and reported as absent; an entry of
    /// another format version is removed and absent without a warning. The header
    /// is read and checked before the rest, so a huge bad file is never read; never throws.
    std::optional<Entry> load(std::string_view key);
    /// The entry for key without its source (left empty), to load its kernel: only the header,
    /// object and metadata are read, and checked as load() checks them except for the key,
    /// which the caller must check in the metadata (get_kernel parses the metadata anyway: an
    /// entry that names another key is recompiled and replaced). A bad entry is removed and
    /// warned about as by load(). *stamp, when given, receives what tells this copy of the entry
    /// from others (the checksum of its object and metadata), for load_source().
    std::optional<Entry> load_code(std::string_view key, std::string* stamp = nullptr);
    /// The source of key's entry, if the entry is still the copy that load_code() read (the same
    /// stamp) and its source checksum is right; else nullopt. Removes nothing; never throws.
    std::optional<std::string> load_source(std::string_view key, std::string_view stamp) const;
    /// Publishes the entry atomically (temporary file + rename); also writes the source beside it
    /// as <key>.cpp for inspection. Failures are logged, never thrown. Concurrent stores of the
    /// same key both succeed; one copy wins.
    void store(std::string_view key, const Entry& entry);
    /// Where the source of key is (or would be) kept: <dir>/<key>.cpp, or a path under the system
    /// temporary directory when the cache is disabled or read-only; empty for an invalid key.
    std::filesystem::path source_path(std::string_view key) const;

    /// The metadata section of key's entry, read without the object and source and without
    /// checking the checksum: for listings and diagnostics, never to decide what code runs.
    /// nullopt when there is no such entry or its header is bad. Never throws.
    std::optional<std::string> peek_metadata(std::string_view key) const;

    /// Every entry, most recently used first; bytes counts the entry file and its <key>.cpp.
    std::vector<EntryInfo> list() const;
    /// Leftover temporaries of interrupted stores at least min_age old.
    TemporaryStats temporaries(std::chrono::seconds min_age = kStaleTemporaryAge) const;
    /// Checks every entry (as load does, including that its metadata names its key); returns the
    /// keys of the corrupted ones. With `repair`, removes them and the temporaries at least
    /// stale_age old.
    std::vector<std::string> verify(bool repair,
                                    std::chrono::seconds stale_age = kStaleTemporaryAge);
    /// Removes the temporaries at least stale_age old, then least recently used entries until the
    /// total is at most max_bytes; returns how many entries.
    std::size_t prune(std::uintmax_t max_bytes,
                      std::chrono::seconds stale_age = kStaleTemporaryAge);
    /// Removes every entry, source file and leftover temporary; returns how many entries.
    std::size_t clear();

  private:
    std::optional<Entry> load_entry(std::string_view key, bool code_only, std::string* stamp);
    std::filesystem::path entry_path(std::string_view key) const;
    std::size_t remove_stale_temporaries(std::chrono::seconds min_age);
    std::filesystem::path dir_;
    bool enabled_ = false;
    bool read_only_ = false;
    std::string disabled_reason_;
};

} // namespace tensorjit::cache

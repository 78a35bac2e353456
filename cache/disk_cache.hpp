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

/// SHA-256 of data, as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

/// Incremental SHA-256.
class Sha256 {
  public:
    Sha256();
    Sha256& update(std::string_view data);
    /// The digest as hex; the object must not be updated afterwards.
    std::string final_hex();

  private:
    void block(const unsigned char* p);
    std::uint32_t h_[8];
    unsigned char buf_[64];
    std::uint64_t len_ = 0;
    std::size_t fill_ = 0;
};

/// What one cache entry holds.
struct Entry {
    std::string object;   ///< ELF relocatable object
    std::string source;   ///< the generated kernel source (for inspection and replay)
    std::string metadata; ///< JSON: versions, timings, binding plan
};

/// The key an entry's metadata names (its `"key": "..."` field), or nullopt when it has none.
/// An entry is trusted only when this is the key it is looked up by.
std::optional<std::string> metadata_key(std::string_view metadata);

/// Temporaries left by writers that died before renaming them.
struct Temporaries {
    std::size_t count = 0;
    std::uintmax_t bytes = 0;
};
/// A temporary younger than this may belong to a live writer and is left alone.
inline constexpr std::chrono::seconds kStaleTemporaryAge{600};

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
    /// is disabled (load finds nothing, store does nothing); the library keeps working. A
    /// directory we cannot write (a read-only mount, say), or read_only, is used read-only:
    /// loads are served, nothing is written or removed. The global cache is read-only when
    /// TJ_CACHE_READONLY=1 (as ccache's CCACHE_READONLY).
    explicit DiskCache(std::filesystem::path dir, bool read_only = false);

    bool enabled() const { return enabled_; }
    bool read_only() const { return read_only_; }
    /// Why the cache is disabled ("" when enabled).
    const std::string& disabled_reason() const { return disabled_reason_; }
    const std::filesystem::path& dir() const { return dir_; }

    /// The entry for key, or nullopt. A truncated or corrupted entry (bad magic, lengths or
    /// checksum) is removed, logged at warn level, and reported as absent; never throws.
    std::optional<Entry> load(std::string_view key);
    /// Publishes the entry atomically (temporary file + rename); also writes the source beside it
    /// as <key>.cpp for inspection. Failures are logged, never thrown. Concurrent stores of the
    /// same key both succeed; one copy wins.
    void store(std::string_view key, const Entry& entry);
    /// Where the source of key is (or would be) kept: <dir>/<key>.cpp, or a path under the system
    /// temporary directory when the cache is disabled; empty for an invalid key.
    std::filesystem::path source_path(std::string_view key) const;

    /// Every entry, most recently used first; bytes counts the entry file and its <key>.cpp.
    std::vector<EntryInfo> list() const;
    /// Checks every entry (its header, checksum, and that its metadata names the key of its file
    /// name); returns the keys of the bad ones. `repair` removes them and stale temporaries.
    std::vector<std::string> verify(bool repair);
    /// Removes least recently used entries until the total is at most max_bytes, and stale
    /// temporaries; returns how many entries.
    std::size_t prune(std::uintmax_t max_bytes);
    /// Temporaries at least min_age old (counted by `tensorjit-cache list`).
    Temporaries stale_temporaries(std::chrono::seconds min_age = kStaleTemporaryAge) const;
    /// Removes them; returns how many.
    std::size_t remove_stale_temporaries(std::chrono::seconds min_age = kStaleTemporaryAge);
    /// Removes every entry, source file and leftover temporary; returns how many entries.
    std::size_t clear();

  private:
    std::filesystem::path entry_path(std::string_view key) const;
    std::filesystem::path dir_;
    bool enabled_ = false;
    bool read_only_ = false;
    std::string disabled_reason_;
};

} // namespace tensorjit::cache

/// \file
/// The kernel cache on disk, for tools that inspect and maintain it (tensorjit-cache): where it
/// is, its entries, checking and repairing them, pruning and clearing. tj::function uses the
/// cache by itself; a program only needs this header to manage it.
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

TJ_API_BEGIN
namespace tensorjit {

/// A cache directory that cannot be used (another user's, writable by others, not a directory,
/// cannot be created), or a change asked of a read-only cache.
class CacheError : public Error {
  public:
    using Error::Error;
};

/// Temporaries older than this are taken for leftovers of a killed writer (a live writer renames
/// its temporary within seconds); prune() and verify(true) remove them.
inline constexpr std::chrono::seconds kCacheStaleTemporaryAge{600};

/// One entry of the cache.
struct CacheEntryInfo {
    std::string key;                             ///< the cache key (lowercase hex)
    std::uintmax_t bytes = 0;                    ///< the entry file and its kernel source
    std::filesystem::file_time_type last_used{}; ///< when it was last stored or loaded
    std::string function; ///< FunctionOptions::name of the function it was built for, or ""
    std::string target;   ///< what it was built for: "native <cpu>" or "cpu=<cpu>"
};

/// Leftover temporaries of interrupted stores.
struct CacheTemporaries {
    std::size_t count = 0;
    std::uintmax_t bytes = 0;
};

/// The totals of a cache directory.
struct CacheStats {
    std::size_t entries = 0;
    std::uintmax_t bytes = 0;           ///< of every entry, as in CacheEntryInfo::bytes
    CacheTemporaries stale_temporaries; ///< at least kCacheStaleTemporaryAge old
};

/// Hits and misses of one cache layer.
struct CacheLayerCounters {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
};

/// What every process that used a cache directory counted there (in its stats.json), as
/// ccache's statistics: per layer ("local"; "shared-dir" and "redis" for TJ_CACHE_SHARED and
/// TJ_CACHE_REDIS hits, "shared" for misses of both), compiles and the compile time hits saved.
struct CacheCounters {
    std::map<std::string, CacheLayerCounters> layers;
    std::uint64_t compiles = 0;
    std::uint64_t compile_failures = 0;
    double compile_seconds = 0; ///< spent compiling
    double saved_seconds = 0;   ///< the build time of the entries that hits served
};

/// A kernel cache directory opened for maintenance. Several processes may use the directory at
/// once (tj::function in one, this in another); every operation is safe against that.
class KernelCache {
  public:
    /// The cache tj::function uses: $TJ_CACHE_DIR, else $XDG_CACHE_HOME/tensorjit, else
    /// $HOME/.cache/tensorjit.
    static std::filesystem::path default_dir();

    /// Opens the cache at dir, creating it (mode 0700) if missing. Throws CacheError, saying why,
    /// for a directory that may not be used: one another user owns or that others can write
    /// (tj::function refuses those too: loading code from them is unsafe). A directory of ours
    /// that cannot be written is opened read-only, as is any when `read_only` is true.
    explicit KernelCache(std::filesystem::path dir = default_dir(), bool read_only = false);
    ~KernelCache();
    KernelCache(KernelCache&&) noexcept;
    KernelCache& operator=(KernelCache&&) noexcept;

    const std::filesystem::path& dir() const;
    /// Whether nothing may be changed (asked for, or the directory is not writable).
    bool read_only() const;

    /// Every entry, most recently used first. Contents are not checked (see verify()).
    std::vector<CacheEntryInfo> list() const;
    /// Leftover temporaries at least min_age old.
    CacheTemporaries temporaries(std::chrono::seconds min_age = kCacheStaleTemporaryAge) const;
    /// The number and size of the entries, and the stale temporaries.
    CacheStats stats() const;
    /// The counters processes keep in the directory.
    CacheCounters counters() const;
    /// Zeroes the counters. CacheError when read-only.
    void zero_counters();

    /// Checks every entry as tj::function would before using it (format, lengths, checksum, the
    /// key its metadata names); returns the keys of the unusable ones, sorted. With `repair`,
    /// removes them and the temporaries at least stale_age old (CacheError when read-only).
    std::vector<std::string> verify(bool repair = false,
                                    std::chrono::seconds stale_age = kCacheStaleTemporaryAge);
    /// Removes the temporaries at least stale_age old, then least recently used entries until the
    /// total is at most max_bytes; returns how many entries. CacheError when read-only.
    std::size_t prune(std::uintmax_t max_bytes,
                      std::chrono::seconds stale_age = kCacheStaleTemporaryAge);
    /// Removes every entry, kernel source and leftover temporary (nothing else in the directory);
    /// returns how many entries. CacheError when read-only.
    std::size_t clear();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace tensorjit
TJ_API_END

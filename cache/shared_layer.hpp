/// \file
/// A second cache layer behind the local directory, shared by a fleet of hosts: the interface,
/// and its read-only shared directory (TJ_CACHE_SHARED, e.g. on NFS). The Redis layer is in
/// redis_layer.hpp; the set of layers a process uses in shared_layers.hpp.
#pragma once

#include "cache/disk_cache.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tensorjit::cache {

/// Which layer of the kernel cache served an entry, in lookup order.
enum class CacheLayer {
    Local,     ///< the local directory (DiskCache::global())
    SharedDir, ///< the read-only shared directory (TJ_CACHE_SHARED)
    Redis,     ///< the Redis server (TJ_CACHE_REDIS)
};

/// "local", "shared" or "redis": for logs and the per-layer counters (cache_counters.hpp).
std::string_view layer_name(CacheLayer layer);

/// A shared layer. Same contract as DiskCache: keys that are not 16 to 128 lowercase hex digits
/// are absent; methods never throw; any number of threads may call them at once. An entry is
/// returned only after its checksum and the key its metadata names have been checked; the caller
/// still checks that its binding plan fits the function before running it.
class SharedLayer {
  public:
    virtual ~SharedLayer() = default;
    /// The entry for key, or nullopt (a miss, a bad value, or the layer is unavailable).
    virtual std::optional<Entry> load(std::string_view key) = 0;
    /// Publishes the entry; false when it was not stored (read-only layer, value too large,
    /// layer unavailable: warned about, never thrown).
    virtual bool store(std::string_view key, const Entry& entry) = 0;
    virtual CacheLayer kind() const = 0;
    /// What the layer is, for messages: the directory, or the URL without its password.
    virtual std::string name() const = 0;
};

/// A directory filled by someone else (a CI job, another host) and only read here: a hit is
/// served from it, nothing is ever written or removed in it. It must pass the same checks as the
/// local directory (ours, not writable by group or others: its files are loaded as code); one
/// that does not exist or fails them is refused with a warning, and the layer finds nothing.
class SharedDirLayer final : public SharedLayer {
  public:
    explicit SharedDirLayer(std::filesystem::path dir);

    bool enabled() const { return disk_ && disk_->enabled(); }
    std::optional<Entry> load(std::string_view key) override;
    /// Always false: the shared directory is read-only.
    bool store(std::string_view key, const Entry& entry) override { return false; }
    CacheLayer kind() const override { return CacheLayer::SharedDir; }
    std::string name() const override { return dir_.string(); }

  private:
    std::filesystem::path dir_;
    std::optional<DiskCache> disk_; // empty when the directory does not exist
};

} // namespace tensorjit::cache

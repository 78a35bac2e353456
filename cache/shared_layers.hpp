/// \file
/// The shared layers a process looks up after a local miss, in order: the read-only shared
/// directory (TJ_CACHE_SHARED=DIR), then Redis (TJ_CACHE_REDIS=redis://host:port/db).
#pragma once

#include "cache/shared_layer.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tensorjit::cache {

/// An entry found in a shared layer, and which layer it came from.
struct SharedHit {
    Entry entry;
    CacheLayer layer = CacheLayer::SharedDir;
};

/// An ordered set of shared layers; thread-safe (the layers are replaced under a mutex that is
/// never held during I/O).
class SharedLayers {
  public:
    /// The process's layers, built on first use from TJ_CACHE_SHARED and TJ_CACHE_REDIS. A bad
    /// value is warned about and that layer left out; the library keeps working without it.
    static SharedLayers& global();

    SharedLayers() = default;

    /// Adds layer, replacing the one of the same kind (one per kind, kept in lookup order).
    void set(std::shared_ptr<SharedLayer> layer);
    /// Whether there are no layers (lookups cost nothing then).
    bool empty() const;

    /// The first layer's entry for key, or nullopt.
    std::optional<SharedHit> load(std::string_view key);
    /// Stores the entry in every layer that takes it (the shared directory does not).
    void store(std::string_view key, const Entry& entry);

  private:
    std::vector<std::shared_ptr<SharedLayer>> snapshot() const;

    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<SharedLayer>> layers_;
};

} // namespace tensorjit::cache

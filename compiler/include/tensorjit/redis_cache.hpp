/// \file
/// The Redis layer of the kernel cache, for tools that fill it (tensorjit-cache warm --redis URL).
/// tj::function uses the server TJ_CACHE_REDIS names by itself: after a miss in the local
/// directory (and in TJ_CACHE_SHARED) it looks the kernel up there, and stores what it compiles.
#pragma once

#include <tensorjit/export.hpp>

#include <tensorjit/cache.hpp>

#include <cstddef>
#include <memory>
#include <string>

TJ_API_BEGIN
namespace tensorjit {

/// A Redis server holding kernel cache entries for a fleet of hosts. Timeouts and the value size
/// limit come from TJ_CACHE_REDIS_TIMEOUT_MS and TJ_CACHE_REDIS_MAX_BYTES, as for tj::function.
class RedisCache {
  public:
    /// Opens url, redis://[:password@]host:port[/db], and checks that the server answers.
    /// Throws CacheError, saying why, for a malformed URL or a server that cannot be used
    /// (refused, timed out, wrong password).
    explicit RedisCache(const std::string& url);
    ~RedisCache();
    RedisCache(RedisCache&&) noexcept;
    RedisCache& operator=(RedisCache&&) noexcept;

    /// The URL with its password masked.
    std::string url() const;

    /// Copies the entry for key from the local cache `from` into Redis. Returns false when
    /// `from` holds no usable entry for key; throws CacheError when Redis does not take it (too
    /// large, refused, unreachable).
    bool push(const KernelCache& from, const std::string& key);
    /// push() of every entry of `from`; returns how many were stored (unusable local entries
    /// are skipped). Throws CacheError at the first entry Redis does not take.
    std::size_t push_all(const KernelCache& from);
    /// Whether Redis holds a usable entry for key (its checksum and key are checked).
    bool contains(const std::string& key);

    /// Makes the functions built from now on in this process use this server as their Redis
    /// layer, in place of TJ_CACHE_REDIS: kernels missing locally are looked up in it, and
    /// compiled ones stored in it.
    void use_for_builds() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

} // namespace tensorjit
TJ_API_END

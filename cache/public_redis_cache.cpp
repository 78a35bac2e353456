// tensorjit::RedisCache (tensorjit/redis_cache.hpp): the public face of cache::RedisLayer for
// tools. Unlike tj::function, which falls back to compiling, a tool is told what went wrong.
#include <tensorjit/redis_cache.hpp>

#include "cache/disk_cache.hpp"
#include "cache/redis_layer.hpp"
#include "cache/shared_layers.hpp"

namespace tensorjit {

struct RedisCache::Impl {
    std::shared_ptr<cache::RedisLayer> layer;

    // Pushes one entry; false when the local cache has none usable.
    bool push(cache::DiskCache& disk, const std::string& key) {
        std::optional<cache::Entry> entry = disk.load(key);
        if (!entry) return false;
        TJ_CHECK(layer->store(key, *entry), CacheError)
            << "Redis cache " << layer->name() << " did not store kernel " << key << ": "
            << layer->last_error();
        return true;
    }
};

RedisCache::RedisCache(const std::string& url) {
    std::string why;
    std::unique_ptr<cache::RedisLayer> layer = cache::make_redis_layer(url, &why);
    // The URL is not quoted: it may hold a password.
    TJ_CHECK(layer, CacheError) << "not a usable Redis URL: " << why;
    why = layer->ping();
    TJ_CHECK(why.empty(), CacheError) << "Redis cache " << layer->name() << ": " << why;
    impl_ = std::make_shared<Impl>(Impl{std::move(layer)});
}

RedisCache::~RedisCache() = default;
RedisCache::RedisCache(RedisCache&&) noexcept = default;
RedisCache& RedisCache::operator=(RedisCache&&) noexcept = default;

std::string RedisCache::url() const { return impl_->layer->name(); }

bool RedisCache::push(const KernelCache& from, const std::string& key) {
    cache::DiskCache disk(from.dir(), /*read_only=*/true);
    return impl_->push(disk, key);
}

std::size_t RedisCache::push_all(const KernelCache& from) {
    cache::DiskCache disk(from.dir(), /*read_only=*/true);
    std::size_t stored = 0;
    for (const cache::EntryInfo& e : disk.list()) stored += impl_->push(disk, e.key) ? 1 : 0;
    return stored;
}

bool RedisCache::contains(const std::string& key) { return impl_->layer->load(key).has_value(); }

void RedisCache::use_for_builds() const { cache::SharedLayers::global().set(impl_->layer); }

} // namespace tensorjit

// The process's shared cache layers, from the environment.
#include "cache/shared_layers.hpp"

#include "cache/redis_layer.hpp"
#include "runtime/log.hpp"

#include <algorithm>
#include <cstdlib>

namespace tensorjit::cache {

SharedLayers& SharedLayers::global() {
    // Leaked: kernels may still be built during static destruction.
    static SharedLayers* layers = [] {
        auto* l = new SharedLayers;
        if (const char* dir = std::getenv("TJ_CACHE_SHARED"); dir && *dir) {
            auto shared = std::make_shared<SharedDirLayer>(dir);
            if (shared->enabled()) l->set(std::move(shared));
        }
        if (const char* url = std::getenv("TJ_CACHE_REDIS"); url && *url) {
            std::string why;
            if (auto redis = make_redis_layer(url, &why))
                l->set(std::move(redis));
            else
                // The URL itself is not quoted: it may hold a password.
                warn_once("redis-url", "TJ_CACHE_REDIS is not a usable Redis URL (" + why +
                                           "); the Redis cache layer is disabled");
        }
        return l;
    }();
    return *layers;
}

void SharedLayers::set(std::shared_ptr<SharedLayer> layer) {
    if (!layer) return;
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase_if(layers_, [&](const auto& l) { return l->kind() == layer->kind(); });
    layers_.push_back(std::move(layer));
    std::stable_sort(layers_.begin(), layers_.end(),
                     [](const auto& a, const auto& b) { return a->kind() < b->kind(); });
}

bool SharedLayers::empty() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return layers_.empty();
}

std::vector<std::shared_ptr<SharedLayer>> SharedLayers::snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return layers_;
}

std::optional<SharedHit> SharedLayers::load(std::string_view key) {
    for (const auto& layer : snapshot())
        if (auto entry = layer->load(key)) return SharedHit{std::move(*entry), layer->kind()};
    return std::nullopt;
}

void SharedLayers::store(std::string_view key, const Entry& entry) {
    for (const auto& layer : snapshot()) layer->store(key, entry);
}

} // namespace tensorjit::cache

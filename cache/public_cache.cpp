// tensorjit::KernelCache (tensorjit/cache.hpp): the public face of cache::DiskCache for tools.
#include <tensorjit/cache.hpp>

#include "cache/disk_cache.hpp"

namespace tensorjit {

static_assert(kCacheStaleTemporaryAge == cache::kStaleTemporaryAge);

struct KernelCache::Impl {
    cache::DiskCache disk;

    void require_writable(const char* what) const {
        TJ_CHECK(!disk.read_only(), CacheError)
            << "cache directory " << disk.dir().string() << " is read-only; cannot " << what;
    }
};

std::filesystem::path KernelCache::default_dir() { return cache::DiskCache::default_dir(); }

KernelCache::KernelCache(std::filesystem::path dir, bool read_only)
    : impl_(std::make_unique<Impl>(Impl{cache::DiskCache(std::move(dir), read_only)})) {
    TJ_CHECK(impl_->disk.enabled(), CacheError) << impl_->disk.disabled_reason();
}

KernelCache::~KernelCache() = default;
KernelCache::KernelCache(KernelCache&&) noexcept = default;
KernelCache& KernelCache::operator=(KernelCache&&) noexcept = default;

const std::filesystem::path& KernelCache::dir() const { return impl_->disk.dir(); }
bool KernelCache::read_only() const { return impl_->disk.read_only(); }

std::vector<CacheEntryInfo> KernelCache::list() const {
    std::vector<CacheEntryInfo> out;
    for (auto& e : impl_->disk.list()) out.push_back({std::move(e.key), e.bytes, e.last_used});
    return out;
}

CacheTemporaries KernelCache::temporaries(std::chrono::seconds min_age) const {
    const cache::TemporaryStats t = impl_->disk.temporaries(min_age);
    return {t.count, t.bytes};
}

CacheStats KernelCache::stats() const {
    CacheStats s;
    for (const auto& e : impl_->disk.list()) {
        ++s.entries;
        s.bytes += e.bytes;
    }
    s.stale_temporaries = temporaries();
    return s;
}

std::vector<std::string> KernelCache::verify(bool repair, std::chrono::seconds stale_age) {
    if (repair) impl_->require_writable("repair it");
    return impl_->disk.verify(repair, stale_age);
}

std::size_t KernelCache::prune(std::uintmax_t max_bytes, std::chrono::seconds stale_age) {
    impl_->require_writable("prune it");
    return impl_->disk.prune(max_bytes, stale_age);
}

std::size_t KernelCache::clear() {
    impl_->require_writable("clear it");
    return impl_->disk.clear();
}

} // namespace tensorjit

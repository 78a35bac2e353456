// tensorjit::KernelCache (tensorjit/cache.hpp): the public face of cache::DiskCache for tools.
#include <tensorjit/cache.hpp>

#include "cache/cache_counters.hpp"
#include "cache/disk_cache.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>

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

namespace {

// The "function" and the target of the "components" of an entry's metadata, or "" (the metadata
// of another version, or damaged: listings show what they can).
std::pair<std::string, std::string> describe(const std::string& metadata) {
    const auto j = nlohmann::json::parse(metadata, nullptr, /*allow_exceptions=*/false);
    std::pair<std::string, std::string> out;
    if (!j.is_object()) return out;
    if (auto f = j.find("function"); f != j.end() && f->is_string())
        out.first = f->get<std::string>().substr(0, 256);
    if (auto c = j.find("components"); c != j.end() && c->is_object())
        if (auto t = c->find("target"); t != c->end() && t->is_string()) {
            // "<triple>; native <cpu>; <features>" -> "native <cpu>"
            const std::string target = t->get<std::string>();
            const auto a = target.find("; "),
                       b = target.find("; ", a == std::string::npos ? 0 : a + 2);
            if (a != std::string::npos && b != std::string::npos)
                out.second = target.substr(a + 2, std::min<std::size_t>(b - a - 2, 64));
        }
    return out;
}

} // namespace

std::vector<CacheEntryInfo> KernelCache::list() const {
    std::vector<CacheEntryInfo> out;
    for (auto& e : impl_->disk.list()) {
        CacheEntryInfo info{std::move(e.key), e.bytes, e.last_used, {}, {}};
        if (auto meta = impl_->disk.peek_metadata(info.key))
            std::tie(info.function, info.target) = describe(*meta);
        out.push_back(std::move(info));
    }
    return out;
}

CacheCounters KernelCache::counters() const {
    const cache::Counters c = cache::read_counters(impl_->disk.dir());
    CacheCounters out;
    for (const auto& [name, l] : c.layers) out.layers[name] = {l.hits, l.misses};
    out.compiles = c.compiles;
    out.compile_failures = c.compile_failures;
    out.compile_seconds = c.compile_ms / 1000;
    out.saved_seconds = c.saved_ms / 1000;
    return out;
}

void KernelCache::zero_counters() {
    impl_->require_writable("zero its counters");
    if (!cache::zero_counters(impl_->disk.dir()))
        throw CacheError("cannot write the counters of " + impl_->disk.dir().string());
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

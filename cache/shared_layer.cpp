// The read-only shared directory layer: a DiskCache opened read-only, so that its entries get
// exactly the checks of local ones (header, checksum, metadata key) and nothing is written there.
#include "cache/shared_layer.hpp"

#include "cache/cache_files.hpp"
#include "runtime/log.hpp"

#include <system_error>

namespace fs = std::filesystem;

namespace tensorjit::cache {

std::string_view layer_name(CacheLayer layer) {
    switch (layer) {
    case CacheLayer::Local:
        return "local";
    case CacheLayer::SharedDir:
        return "shared";
    case CacheLayer::Redis:
        return "redis";
    }
    return "unknown";
}

SharedDirLayer::SharedDirLayer(fs::path dir) : dir_(std::move(dir)) {
    // DiskCache creates a missing directory; a shared one that is missing is a mistake (a typo,
    // an unmounted share), not something to create.
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) {
        warn_once("shared-dir", "shared cache directory " + dir_.string() +
                                    " (TJ_CACHE_SHARED) is not a directory" +
                                    (ec ? ": " + ec.message() : std::string()) +
                                    "; it is not used");
        return;
    }
    // Checked here too, to say which directory is refused: its files are loaded as code, so one
    // that another user owns or others can write is not used.
    bool writable = false;
    std::string refused;
    try {
        refused = detail::check_dir(dir_, &writable);
    } catch (const std::exception& e) {
        refused = e.what();
    }
    if (!refused.empty()) {
        warn_once("shared-dir", "shared " + refused + " (TJ_CACHE_SHARED); it is not used");
        return;
    }
    disk_.emplace(dir_, /*read_only=*/true);
}

std::optional<Entry> SharedDirLayer::load(std::string_view key) {
    if (!enabled()) return std::nullopt;
    return disk_->load(key);
}

} // namespace tensorjit::cache
